//! Branch-free ports of the `libm` functions behind the activations, bit for bit equal to them.
//!
//! `libm::expf` branches on the argument's range, so a loop of sigmoids runs one scalar call
//! per output (~4 ns each on x86: ~3 µs of the MNIST-sized model's 784 outputs). The same
//! operations computed for every range and merged with bit masks have no branches, so LLVM
//! vectorizes a loop of them. Every operation and constant is the one `libm` uses, in the
//! same order, so results are identical; the tests compare against `libm` on every boundary
//! and a stride through all `f32`s, and an ignored test checks all 2^32 inputs.
//!
//! Merging uses integer masks, never a float `select` between two constants (the upstream
//! Xtensa backend cannot compile that); integer arithmetic wraps, so nothing can panic.

// libm's constants, by their bits.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b);
const P1: f32 = f32::from_bits(0x3e2a_aa8f); // 0xaaaa8f.0p-26
const P2: f32 = f32::from_bits(0xbb35_5215); // -0xb55215.0p-32

/// `a` where `c`, else `b`, merged through the bits.
#[inline(always)]
fn pick(c: bool, a: f32, b: f32) -> f32 {
    let m = (c as u32).wrapping_neg();
    f32::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
}

/// `2^e` for `-126 <= e <= 127` (other `e` give garbage the callers discard).
#[inline(always)]
fn pow2(e: i32) -> f32 {
    f32::from_bits((e.wrapping_add(127) as u32).wrapping_shl(23))
}

/// `y * 2^k` as `libm::scalbnf` computes it for `-150 <= k <= 128`: one pre-scaling step by
/// `2^127` or `2^-102` when `2^k` is not a normal float, then the final product.
#[inline(always)]
fn scalbn(y: f32, k: i32) -> f32 {
    let first = if k > 127 {
        127
    } else if k < -126 {
        -102
    } else {
        0
    };
    y * pow2(first) * pow2(k.wrapping_sub(first))
}

/// `libm::expf` (FreeBSD `e_expf.c`), without branches.
#[inline(always)]
pub fn expf(x: f32) -> f32 {
    let hx = x.to_bits();
    let sign = (hx >> 31) as i32;
    let ax = hx & 0x7fff_ffff;
    // Argument reduction x = k ln2 + r: k rounded (|x| > 1.5 ln2), ±1, or 0 (then hi = x and
    // lo = 0 exactly, as in libm's middle branch).
    let half = f32::from_bits(0x3f00_0000 | (hx & 0x8000_0000));
    let k_far = (INV_LN2 * x + half) as i32;
    let k = if ax > 0x3f85_1592 {
        k_far
    } else if ax > 0x3eb1_7218 {
        1 - sign - sign
    } else {
        0
    };
    let kf = k as f32;
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * P2);
    let y = scalbn(1.0 + (r * c / (2.0 - c) - lo + hi), k);
    // libm's early returns, in its order of tests.
    let y = pick(ax <= 0x3900_0000, 1.0 + x, y);
    let y = pick(sign == 1 && ax >= 0x42cf_f1b5, 0.0, y);
    let y = pick(sign == 0 && ax >= 0x42b1_7218, x * f32::from_bits(0x7f00_0000), y);
    pick(ax > 0x7f80_0000, x, y)
}

/// The sigmoid activation `1 / (1 + expf(-x))`, as `tinyae::activation::sigmoid`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + expf(-x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits()
    }

    /// Every range boundary libm tests, with its neighbours, both signs.
    fn boundaries() -> impl Iterator<Item = f32> {
        let edges = [0u32, 0x3900_0000, 0x3eb1_7218, 0x3f85_1592, 0x42ae_ac50, 0x42b1_7218];
        let edges = edges.into_iter().chain([0x42cf_f1b5, 0x7f7f_ffff, 0x7f80_0000, 0x7fc0_0000]);
        edges.flat_map(|e: u32| {
            (e.saturating_sub(64)..=e.saturating_add(64))
                .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        })
    }

    #[test]
    fn expf_matches_libm_on_boundaries_and_a_stride_of_all_floats() {
        let stride = (0..=u32::MAX).step_by(4099).map(f32::from_bits);
        for x in boundaries().chain(stride) {
            assert!(same(expf(x), libm::expf(x)), "expf({x:e}): {} vs {}", expf(x), libm::expf(x));
        }
    }

    #[test]
    fn sigmoid_matches_the_activation() {
        let stride = (0..=u32::MAX).step_by(4099).map(f32::from_bits);
        for x in boundaries().chain(stride) {
            let expected = crate::activation::sigmoid(x);
            assert!(same(sigmoid(x), expected), "sigmoid({x:e}): {} vs {expected}", sigmoid(x));
        }
    }

    /// All 2^32 inputs: `cargo test -p tinyae --release -- --ignored`.
    #[test]
    #[ignore = "exhaustive; a minute in release mode"]
    fn expf_matches_libm_on_every_float() {
        let bad =
            (0..=u32::MAX).map(f32::from_bits).filter(|x| !same(expf(*x), libm::expf(*x))).count();
        assert_eq!(bad, 0);
    }
}
