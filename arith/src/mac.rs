//! The multiply-accumulate of float dense layers, in the two forms the macro's `fma` option
//! chooses between: separate (`acc + x · w`, the product rounded, then the sum) or fused
//! (`fma(x, w, acc)`, one rounding). The reference interpreter and the generated code take the
//! same form, term by term in the same order, so their results agree bit for bit either way:
//! a fused multiply-add is one correctly rounded operation, so every exact implementation
//! (a hardware instruction, `libm::fmaf`, `std`'s `f32::mul_add`) gives the same bits.

/// How a float dense layer adds each product to its sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mac {
    /// `acc + x · w`: the product rounded to f32, then the sum (two roundings).
    #[default]
    Separate,
    /// `fma(x, w, acc)`: the exact product added exactly, rounded once.
    Fused,
}

impl Mac {
    /// `acc` plus `x · w` in this form.
    #[inline(always)]
    pub fn apply(self, acc: f32, x: f32, w: f32) -> f32 {
        match self {
            Mac::Separate => acc + x * w,
            Mac::Fused => libm::fmaf(x, w, acc),
        }
    }
}

/// The targets where `fma = auto` fuses, as the `cfg` predicate the generated code writes:
/// where the fused form measured faster than the separate one. None so far
/// (docs/BENCHMARKS.md, "Fused multiply-add"): on x86-64 with FMA (Zen 3, every path one
/// `vfmadd`) 0.95-1.04× the separate form's speed; on generic x86-64 (a software
/// `libm::fmaf`) 0.01-0.79×; on Cortex-M4F the same 1.30 instructions per MAC in the blocked
/// kernel (`vfma.f32` for `vmla.f32`) but 19 % more on the unrolled sensor model (Rust 1.95's
/// `asm!` takes no float registers on this target, so each fused statement goes through core
/// registers). A target that measures faster is added here, the one place `auto` reads.
pub const FMA_AUTO_PREDICATE: &str = "any()";

#[cfg(test)]
mod tests {
    use super::Mac;

    #[test]
    fn fused_rounds_once_where_separate_rounds_twice() {
        // x · w = 1 + 2^-23 + 2^-46 exactly: the separate product drops 2^-46, the fused sum
        // keeps it until the one rounding.
        let (x, w, acc) = (1.0 + f32::EPSILON, 1.0 + f32::EPSILON, -1.0);
        let separate = Mac::Separate.apply(acc, x, w);
        let fused = Mac::Fused.apply(acc, x, w);
        assert_eq!(separate, 2.0 * f32::EPSILON);
        assert_eq!(fused, 2.0 * f32::EPSILON + f32::EPSILON * f32::EPSILON);
    }
}
