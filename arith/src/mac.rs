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
/// x86-64 builds with FMA enabled (`-C target-cpu=native` on any FMA CPU, `-C
/// target-feature=+fma`), where every path is one `vfmadd` and the fused form measured at
/// parity with the separate one (docs/BENCHMARKS.md, "Fused multiply-add"). Elsewhere it is
/// slower (generic x86-64: a software `libm::fmaf`; Cortex-M4F: unrolled layers go through core
/// registers) or unmeasured.
pub const FMA_AUTO_PREDICATE: &str = "all(target_arch = \"x86_64\", target_feature = \"fma\")";

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
