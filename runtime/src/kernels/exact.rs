//! `libm::expf` with its common case inline: the same operations in the same order, so the
//! same bits, without the call and with one branch where libm takes four.
//!
//! On a core with a scalar FPU (Cortex-M4F) a sigmoid through `libm::expf` costs ~50
//! instructions; most of the difference to the arithmetic itself is the call, the saved
//! registers and libm's tests of the argument's range. Here the arguments libm treats
//! specially (|x| <= 2^-14, |x| >= 87.34, NaN, infinities) go to `libm::expf` itself; every
//! other argument takes libm's general path, which is computed inline. The tests compare with
//! libm on every range boundary and a stride through all floats; an ignored test checks all
//! 2^32 inputs.

use super::branchless::{expf_reduced, pow2, INV_LN2};

/// `libm::expf(x)`, bit for bit.
#[inline(always)]
pub fn expf(x: f32) -> f32 {
    let hx = x.to_bits();
    let ax = hx & 0x7fff_ffff;
    // libm's special cases: |x| <= 2^-14 (returns 1 + x), |x| >= 87.34 (overflow, underflow,
    // NaN, infinities). One unsigned comparison tests both ends.
    if ax.wrapping_sub(0x3900_0001) >= 0x42ae_ac50 - 0x3900_0001 {
        return libm_expf(x);
    }
    // Argument reduction x = k ln2 + r, as libm: k rounded for |x| > 1.5 ln2, else ±1 for
    // |x| > 0.5 ln2, else 0 (then hi = x and lo = 0 exactly, as in libm's k = 0 branch).
    let half = f32::from_bits(0x3f00_0000 | (hx & 0x8000_0000));
    let mut k = (INV_LN2 * x + half) as i32;
    if ax <= 0x3f85_1592 {
        k = small_k(hx, ax);
    }
    // libm's `scalbnf(y, k)`: here |k| <= 126, so 2^k is a normal float and this one product
    // is what scalbnf computes (for k = 0 libm returns y, and y * 1.0 == y).
    expf_reduced(x, k) * pow2(k)
}

/// libm's own path for the arguments it treats specially; rare, so kept out of line.
#[cold]
#[inline(never)]
fn libm_expf(x: f32) -> f32 {
    libm::expf(x)
}

/// `k` for |x| <= 1.5 ln2 (rare in activations): +-1 above 0.5 ln2, else 0.
#[cold]
fn small_k(hx: u32, ax: u32) -> i32 {
    let sign = (hx >> 31) as i32;
    if ax > 0x3eb1_7218 {
        1 - sign - sign
    } else {
        0
    }
}

/// The sigmoid activation `1 / (1 + expf(-x))`, bit for bit `crate::activation::sigmoid`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + expf(-x))
}

#[cfg(test)]
mod tests {
    use super::super::float_cases::{
        assert_expf, assert_sigmoid, boundaries_and_stride, expf_misses,
    };
    use super::*;

    #[test]
    fn expf_and_sigmoid_match_libm_on_boundaries_and_a_stride_of_all_floats() {
        for x in boundaries_and_stride(997) {
            assert_expf(expf, x);
            assert_sigmoid(sigmoid, x);
        }
    }

    /// All 2^32 inputs: `cargo test -p tinyae --release -- --ignored`.
    #[test]
    #[ignore = "exhaustive; a minute in release mode"]
    fn expf_matches_libm_on_every_float() {
        assert_eq!(expf_misses(expf), 0);
    }
}
