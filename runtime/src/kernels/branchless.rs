//! Branch-free ports of the `libm` functions behind the activations, bit for bit equal to them.
//!
//! `libm::expf`, `expm1f`, `tanhf` and `log1pf` branch on the argument's range, so a loop of sigmoids,
//! tanhs, ELUs or softpluses runs one scalar call per output (~4 ns each on x86: ~3 µs of the MNIST-sized
//! model's 784 sigmoid outputs, most of the 3-2-3 sensor model's time). The same
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
pub(super) const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b);
const P1: f32 = f32::from_bits(0x3e2a_aa8f); // 0xaaaa8f.0p-26
const P2: f32 = f32::from_bits(0xbb35_5215); // -0xb55215.0p-32
                                             // expm1f's own (a shorter ln2 split) and its polynomial.
const M_LN2_HI: f32 = f32::from_bits(0x3f31_7180);
const M_LN2_LO: f32 = f32::from_bits(0x3717_f7d1);
const Q1: f32 = f32::from_bits(0xbd08_8868); // -0x888868.0p-28
const Q2: f32 = f32::from_bits(0x3acf_3010); // 0xcf3010.0p-33
const X1P127: f32 = f32::from_bits(0x7f00_0000);
// log1pf's polynomial (its ln2 split is expm1f's).
const LG1: f32 = f32::from_bits(0x3f2a_aaaa);
const LG2: f32 = f32::from_bits(0x3ecc_ce13);
const LG3: f32 = f32::from_bits(0x3e91_e9ee);
const LG4: f32 = f32::from_bits(0x3e78_9e26);

/// `a` where `c`, else `b`, merged through the bits.
#[inline(always)]
fn pick(c: bool, a: f32, b: f32) -> f32 {
    let m = (c as u32).wrapping_neg();
    f32::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
}

/// `2^e` for `-126 <= e <= 127` (other `e` give garbage the callers discard).
#[inline(always)]
pub(super) fn pow2(e: i32) -> f32 {
    f32::from_bits((e.wrapping_add(127) as u32).wrapping_shl(23))
}

/// `t as i32` (truncation toward zero) for `|t| <= 1024`, in operations that vectorize: Rust's
/// saturating `as` does not on x86 (a scalar `cvttss2si`, a NaN test and two `cmov`s per
/// lane, a fifth of MNIST's sigmoid layer). Other `t`, NaN included, give a value in
/// `-1024..=1024` that the callers discard (their `pick`s select another formula there).
#[inline(always)]
fn trunc_small(t: f32) -> i32 {
    // `max` returns the other operand when one is NaN (`clamp` would keep the NaN).
    #[allow(clippy::manual_clamp)]
    trunc_clamped(t.max(-1024.0).min(1024.0))
}

// x86: the conversion instruction itself, once the value is in range (ECG5000's 140 sigmoids
// about 15 ns faster on AMD Zen 4); elsewhere additions and compares.
#[cfg(target_arch = "x86_64")]
use crate::x86::trunc_clamped;
#[cfg(not(target_arch = "x86_64"))]
use trunc_by_rounding as trunc_clamped;

/// `c as i32` for `|c| <= 1024` in float and integer additions and compares (the other
/// targets' vector units; the scalar cores take `exact.rs`).
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
#[inline(always)]
fn trunc_by_rounding(c: f32) -> i32 {
    /// `1.5 · 2^23`: adding it leaves an integer of magnitude below `2^22` in the low bits.
    const MAGIC: f32 = 12_582_912.0;
    // The nearest integer (ties to even), exactly: `c + MAGIC` lies in [2^23, 2^24).
    let r = ((c + MAGIC).to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let rf = r as f32;
    // Rounded away from zero past `c`: one step back toward zero.
    r - ((c >= 0.0) & (rf > c)) as i32 + ((c < 0.0) & (rf < c)) as i32
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

/// libm `expf`'s general path after the choice of `k`: `e^r` for `x = k ln2 + r`, before
/// the scaling by `2^k` (shared with `exact.rs`, which chooses `k` with branches).
#[inline(always)]
pub(super) fn expf_reduced(x: f32, k: i32) -> f32 {
    let kf = k as f32;
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * P2);
    1.0 + (r * c / (2.0 - c) - lo + hi)
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
    // Used only for |x| < 104 (|INV_LN2 * x| < 151); the picks below replace the rest.
    let k_far = trunc_small(INV_LN2 * x + half);
    let k = if ax > 0x3f85_1592 {
        k_far
    } else if ax > 0x3eb1_7218 {
        1 - sign - sign
    } else {
        0
    };
    let y = scalbn(expf_reduced(x, k), k);
    // libm's early returns, in its order of tests.
    let y = pick(ax <= 0x3900_0000, 1.0 + x, y);
    let y = pick(sign == 1 && ax >= 0x42cf_f1b5, 0.0, y);
    let y = pick(sign == 0 && ax >= 0x42b1_7218, x * f32::from_bits(0x7f00_0000), y);
    pick(ax > 0x7f80_0000, x, y)
}

/// `libm::expm1f` (FreeBSD `s_expm1f.c`), without branches: every one of libm's result
/// formulas is computed, and the one libm's tests select is kept.
#[inline(always)]
pub fn expm1f(x: f32) -> f32 {
    let hx = x.to_bits();
    let neg = hx >> 31 != 0;
    let ax = hx & 0x7fff_ffff;
    // Reduction x = k ln2 + r (+ correction c). For |x| in (0.5 ln2, 1.5 ln2), libm's
    // `x ∓ ln2_hi` and `±ln2_lo` are exactly the general formulas with t = ±1; for smaller
    // |x|, k = 0 gives hi = x, lo = 0, c = 0 exactly.
    let half = f32::from_bits(0x3f00_0000 | (hx & 0x8000_0000));
    let k = if ax <= 0x3eb1_7218 {
        0
    } else if ax < 0x3f85_1592 {
        1 - 2 * (neg as i32)
    } else {
        // Used only for |x| <= 88.8 (|k| <= 128); the picks below replace the rest.
        trunc_small(INV_LN2 * x + half)
    };
    let t = k as f32;
    let hi = x - t * M_LN2_HI;
    let lo = t * M_LN2_LO;
    let r = hi - lo;
    let c = (hi - r) - lo;
    let hfx = 0.5 * r;
    let hxs = r * hfx;
    let r1 = 1.0 + hxs * (Q1 + hxs * Q2);
    let t3 = 3.0 - r1 * hfx;
    let e0 = hxs * ((r1 - t3) / (6.0 - r * t3));
    let e = r * (e0 - c) - c - hxs;
    let twopk = f32::from_bits((k.wrapping_add(0x7f) as u32).wrapping_shl(23));
    let uf = f32::from_bits((0x7f_i32.wrapping_sub(k) as u32).wrapping_shl(23));
    let y_out = r - e + 1.0;
    let y_out = pick(k == 128, y_out * 2.0 * X1P127, y_out * twopk) - 1.0;
    let y_mid = pick(k < 23, (r - e + (1.0 - uf)) * twopk, (r - (e + uf) + 1.0) * twopk);
    let y_one = pick(r < -0.25, -2.0 * (e - (r + 0.5)), 1.0 + 2.0 * (r - e));
    let y = pick(!(0..=56).contains(&k), y_out, y_mid);
    let y = pick(k == 1, y_one, y);
    let y = pick(k == -1, 0.5 * (r - e) - 0.5, y);
    let y = pick(k == 0, r - (r * e0 - hxs), y);
    // libm's early returns.
    let y = pick(ax < 0x3300_0000, x, y);
    let y = pick(ax >= 0x4195_b844 && !neg && ax > 0x42b1_7217, x * X1P127, y);
    let y = pick(ax >= 0x4195_b844 && neg, -1.0, y);
    pick(ax > 0x7f80_0000, x, y)
}

/// `libm::tanhf`, without branches. libm calls `expm1f` on `2|x|` or `-2|x|` depending on
/// the range; one call on the selected argument serves every range.
#[inline(always)]
pub fn tanhf(x: f32) -> f32 {
    let hx = x.to_bits();
    let w = hx & 0x7fff_ffff;
    let a = f32::from_bits(w);
    let t = expm1f(pick(w > 0x3e82_c578, 2.0 * a, -2.0 * a));
    let d = t + 2.0;
    // `-t / d` is `-(t / d)` exactly: rounding is symmetric.
    let q = t / d;
    let tt = pick(w >= 0x0080_0000, -q, a);
    let tt = pick(w > 0x3e82_c578, q, tt);
    let tt = pick(w > 0x3f0c_9f54, 1.0 - 2.0 / d, tt);
    let tt = pick(w > 0x4120_0000, 1.0 + 0.0 / a, tt);
    f32::from_bits(tt.to_bits() ^ (hx & 0x8000_0000))
}

/// On scalar cores (Cortex-M, RISC-V without V, Xtensa) computing every range costs more than
/// libm's branches, so the activations below call `crate::activation` there: the choice
/// changes speed only, never a result.
use super::SIMD;

/// The tanh activation, as `tinyae::activation::tanh`.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    if SIMD {
        tanhf(x)
    } else {
        crate::activation::tanh(x)
    }
}

/// The ELU activation `x` if `x > 0`, else `alpha * expm1f(x)`, as `tinyae::activation::elu`.
#[inline(always)]
pub fn elu(x: f32, alpha: f32) -> f32 {
    if SIMD {
        pick(x > 0.0, x, alpha * expm1f(x))
    } else {
        crate::activation::elu(x, alpha)
    }
}

/// `libm::log1pf` (FreeBSD `s_log1pf.c`), without branches.
#[inline(always)]
pub fn log1pf(x: f32) -> f32 {
    let ix = x.to_bits();
    // |x| small (below 0x3ed413d0, or negative down to -0.2929): k = 0, f = x, c = 0.
    let direct = ix < 0x3ed4_13d0 || (0x8000_0000..=0xbe95_f619).contains(&ix);
    // Otherwise 1 + x = 2^k (1 + f), with c correcting the rounding of 1 + x.
    let u = 1.0 + x;
    let iu = u.to_bits().wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    let k1 = (iu >> 23) as i32 - 0x7f;
    let c1 = pick(k1 >= 2, 1.0 - (u - x), x - (u - 1.0)) / u;
    let c1 = pick(k1 < 25, c1, 0.0);
    let f1 = f32::from_bits((iu & 0x007f_ffff).wrapping_add(0x3f35_04f3)) - 1.0;
    let k = if direct { 0 } else { k1 };
    let c = pick(direct, 0.0, c1);
    let f = pick(direct, x, f1);
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * LG4);
    let t2 = z * (LG1 + w * LG3);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let dk = k as f32;
    let y = s * (hfsq + r) + (dk * M_LN2_LO + c) - hfsq + f + dk * M_LN2_HI;
    // libm's early returns.
    let y = pick((0x7f80_0000..0x8000_0000).contains(&ix), x, y);
    let y = pick(ix.wrapping_shl(1) < 0x6700_0000, x, y);
    // -inf at -1, NaN below (x - x is libm's way to make the NaN).
    #[allow(clippy::eq_op)]
    let below = pick(x == -1.0, x / 0.0, (x - x) / 0.0);
    pick(ix >= 0xbf80_0000, below, y)
}

/// The softplus activation `log1pf(expf(beta x)) / beta`, or `x` where `beta x > threshold`,
/// as `tinyae::activation::softplus`.
#[inline(always)]
pub fn softplus(x: f32, beta: f32, threshold: f32) -> f32 {
    if SIMD {
        let bx = beta * x;
        pick(bx > threshold, x, log1pf(expf(bx)) / beta)
    } else {
        crate::activation::softplus(x, beta, threshold)
    }
}

/// The sigmoid activation `1 / (1 + expf(-x))`, as `tinyae::activation::sigmoid`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    if SIMD {
        1.0 / (1.0 + expf(-x))
    } else {
        crate::activation::sigmoid(x)
    }
}

#[cfg(test)]
mod tests {
    use super::super::float_cases::{
        assert_expf, assert_sigmoid, boundaries, boundaries_and_stride, expf_misses, same,
    };
    use super::*;

    #[test]
    fn expf_matches_libm_on_boundaries_and_a_stride_of_all_floats() {
        boundaries_and_stride(4099).for_each(|x| assert_expf(expf, x));
    }

    #[test]
    fn sigmoid_matches_the_activation() {
        boundaries_and_stride(4099).for_each(|x| assert_sigmoid(sigmoid, x));
    }

    #[test]
    fn expm1f_tanhf_log1pf_match_libm_on_boundaries_and_a_stride_of_all_floats() {
        let edges = [0x0080_0000u32, 0x3300_0000, 0x3e82_c578, 0x3eb1_7218, 0x3f0c_9f54];
        let edges = edges.into_iter().chain([0x3f85_1592, 0x4120_0000, 0x4195_b844, 0x42b1_7217]);
        let edges = edges.chain([0x3380_0000, 0x3ed4_13d0, 0x3e95_f619, 0x3f80_0000, 0x7f80_0000]);
        let near = edges.flat_map(|e: u32| {
            (e - 64..=e + 64).flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        });
        let stride = (0..=u32::MAX).step_by(4099).map(f32::from_bits);
        for x in boundaries().chain(near).chain(stride) {
            assert!(same(expm1f(x), libm::expm1f(x)), "expm1f({x:e})");
            assert!(same(tanhf(x), libm::tanhf(x)), "tanhf({x:e})");
            assert!(same(elu(x, 0.7), crate::activation::elu(x, 0.7)), "elu({x:e})");
            assert!(same(log1pf(x), libm::log1pf(x)), "log1pf({x:e})");
            let expected = crate::activation::softplus(x, 1.5, 20.0);
            assert!(same(softplus(x, 1.5, 20.0), expected), "softplus({x:e})");
        }
    }

    #[test]
    fn trunc_small_is_the_saturating_cast_up_to_1024() {
        // Every integer in range and its neighbours a few ulps away, then a stride of floats.
        let near = (-1024i32..=1024).flat_map(|n| {
            let b = (n as f32).to_bits();
            (b.saturating_sub(3)..=b.saturating_add(3)).map(f32::from_bits)
        });
        let stride = (0..=u32::MAX).step_by(257).map(f32::from_bits);
        for t in near.chain(stride).filter(|t| t.abs() <= 1024.0) {
            assert_eq!(trunc_small(t), t as i32, "{t:e}");
            // The other targets' form, checked here too when the host is x86.
            assert_eq!(super::trunc_by_rounding(t), t as i32, "{t:e}");
        }
        for t in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -1e30, 1025.5, -4e6] {
            assert!(trunc_small(t).abs() <= 1024, "{t:e}");
        }
    }

    /// Every float of magnitude up to 1024 (about 2.3 billion): part of `--ignored`.
    #[test]
    #[ignore = "exhaustive; a minute in release mode"]
    fn trunc_small_is_the_saturating_cast_on_every_float_up_to_1024() {
        let bad = (0..=u32::MAX)
            .map(f32::from_bits)
            .filter(|t| {
                t.abs() <= 1024.0
                    && (trunc_small(*t) != *t as i32 || super::trunc_by_rounding(*t) != *t as i32)
            })
            .count();
        assert_eq!(bad, 0);
    }

    /// All 2^32 inputs: `cargo test -p tinyae --release -- --ignored`.
    #[test]
    #[ignore = "exhaustive; minutes in release mode"]
    fn every_function_matches_libm_on_every_float() {
        assert_eq!(expf_misses(expf), 0);
    }
}
