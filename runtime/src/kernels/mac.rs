//! The multiply-accumulate of the f32 dense kernels, chosen by the macro's `fma` option as a
//! type: [`Separate`] (`acc + x · w`, two roundings) or [`Fused`] (`fma(x, w, acc)`, one).
//!
//! A type, not a flag, so each kernel is compiled for the one form its model uses, with no
//! test in its loops. The fused form is the hardware instruction where the build enables it
//! (x86 `+fma`: LLVM vectorizes the scalar intrinsic into `vfmadd…ps`; Arm `eabihf` cores:
//! `vfma.f32`), else `libm::fmaf`: exact on every target but a software routine, so `fma =
//! true` without hardware FMA is correct and slow. Every form of a fused multiply-add is one
//! correctly rounded operation, so all of them give the reference interpreter's
//! `f32::mul_add` bit for bit.

/// How a kernel adds a product to its sum.
pub trait Mac: Copy + Default {
    /// Whether the product is fused with the sum (one rounding).
    const FUSED: bool;

    /// `acc` plus `x · w`.
    fn mac(self, acc: f32, x: f32, w: f32) -> f32;
}

/// `acc + x · w`: the product rounded, then the sum (the `fma = false` form).
#[derive(Debug, Clone, Copy, Default)]
pub struct Separate;

/// `fma(x, w, acc)`: rounded once (the `fma = true` form).
#[derive(Debug, Clone, Copy, Default)]
pub struct Fused;

impl Mac for Separate {
    const FUSED: bool = false;

    #[inline(always)]
    fn mac(self, acc: f32, x: f32, w: f32) -> f32 {
        acc + x * w
    }
}

impl Mac for Fused {
    const FUSED: bool = true;

    #[inline(always)]
    fn mac(self, acc: f32, x: f32, w: f32) -> f32 {
        fmaf(acc, x, w)
    }
}

/// `acc + x · w` rounded once, by the build's FMA instruction.
#[cfg(all(target_arch = "x86_64", target_feature = "fma"))]
#[inline(always)]
fn fmaf(acc: f32, x: f32, w: f32) -> f32 {
    crate::x86::fmaf(acc, x, w)
}

/// `acc + x · w` rounded once, by `vfma.f32` (VFPv4, every `eabihf` Cortex-M core).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn fmaf(acc: f32, x: f32, w: f32) -> f32 {
    super::vfp::fmaf(acc, x, w)
}

/// `acc + x · w` rounded once, by `libm` (its own instruction on AArch64, a software routine
/// on cores without one).
#[cfg(not(any(
    all(target_arch = "x86_64", target_feature = "fma"),
    all(target_arch = "arm", target_abi = "eabihf")
)))]
#[inline(always)]
fn fmaf(acc: f32, x: f32, w: f32) -> f32 {
    libm::fmaf(x, w, acc)
}

#[cfg(test)]
mod tests {
    use super::{Fused, Mac, Separate};

    /// Against `libm::fmaf` (the exact reference) and the plain expression, on values whose
    /// product needs more than 24 bits, so the two forms differ.
    #[test]
    fn forms_equal_their_definitions() {
        let mut bits = crate::test_data::stream(0x1234_5678);
        let mut next = move || f32::from_bits(0x3f00_0000 | (bits() >> 9)) - 1.25;
        let mut differ = 0;
        for _ in 0..10_000 {
            let (acc, x, w) = (next(), next() * 3.0, next());
            let fused = Fused.mac(acc, x, w);
            assert_eq!(fused.to_bits(), libm::fmaf(x, w, acc).to_bits());
            assert_eq!(Separate.mac(acc, x, w).to_bits(), (acc + x * w).to_bits());
            differ += usize::from(fused != acc + x * w);
        }
        assert!(differ > 100, "only {differ} of 10000 differ");
    }
}
