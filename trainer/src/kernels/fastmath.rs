//! `exp`, `sigmoid` and `tanh` over slices, written so the compiler vectorizes them (libm's
//! scalar `expf` made the LSTM gates and the sigmoid outputs cost more than the matrix
//! products around them). Cephes' single-precision `exp`: range reduction by `ln 2` in two
//! parts, a degree-6 polynomial, the power of two built from its bits; relative error below
//! 2e-7 (tested). No fused multiply-adds are used, so every instruction set gives the same
//! bits.
//!
//! Why `unsafe`: each function is compiled three times — for AVX-512, for AVX2 and for the
//! baseline — and the widest one the CPU supports is picked at run time. Calling a
//! `#[target_feature]` function is `unsafe`; each call is guarded by the matching
//! `is_x86_feature_detected!`.
#![allow(unsafe_code)]

const LOG2E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 · 2²³: adding and subtracting it rounds to the nearest integer.
const ROUND: f32 = 12_582_912.0;

/// e^x, clamped to the normal range (e^-87 … e^88).
#[inline(always)]
fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    // n as an integer: the low bits of t (integer ops only, so this vectorizes; a float to
    // integer cast would not).
    let k = t.to_bits().wrapping_sub(ROUND.to_bits());
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_2e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 0.166_666_65;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    e * f32::from_bits(k.wrapping_add(127) << 23)
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (1.0 + exp(2.0 * x))
}

/// One slice function, compiled for AVX-512, AVX2 and the baseline, picked at run time.
macro_rules! vectorized {
    ($(#[$doc:meta])* $name:ident, $f:ident) => {
        $(#[$doc])*
        pub(crate) fn $name(v: &mut [f32]) {
            #[inline(always)]
            fn body(v: &mut [f32]) {
                v.iter_mut().for_each(|x| *x = $f(*x));
            }
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn wide(v: &mut [f32]) {
                    body(v)
                }
                #[target_feature(enable = "avx2")]
                fn medium(v: &mut [f32]) {
                    body(v)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F (checked just above).
                    return unsafe { wide(v) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    return unsafe { medium(v) };
                }
            }
            body(v)
        }
    };
}

vectorized!(
    /// `v[i] = 1 / (1 + e^-v[i])`.
    sigmoid_in_place,
    sigmoid
);
vectorized!(
    /// `v[i] = tanh(v[i])`.
    tanh_in_place,
    tanh
);

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Vec<f32> {
        (0..20_001).map(|i| -50.0 + i as f32 * 0.005).collect()
    }

    #[test]
    fn exp_is_within_2e_7_relative() {
        let x: Vec<f32> = grid().iter().map(|x| x * 1.7).collect();
        let v: Vec<f32> = x.iter().map(|&x| exp(x)).collect();
        for (x, y) in x.iter().zip(&v) {
            let want = f64::from(*x).exp();
            assert!(((f64::from(*y) - want) / want).abs() < 2e-7, "exp({x}) = {y}, want {want}");
        }
    }

    #[test]
    fn sigmoid_and_tanh_are_within_2e_7_absolute() {
        let x = grid();
        let (mut s, mut t) = (x.clone(), x.clone());
        sigmoid_in_place(&mut s);
        tanh_in_place(&mut t);
        for ((x, s), t) in x.iter().zip(&s).zip(&t) {
            let x = f64::from(*x);
            assert!((f64::from(*s) - 1.0 / (1.0 + (-x).exp())).abs() < 2e-7, "sigmoid({x})");
            assert!((f64::from(*t) - x.tanh()).abs() < 2e-7, "tanh({x}) = {t}");
        }
    }

    #[test]
    fn extremes_saturate_without_nan() {
        let mut v = vec![-1e30, -100.0, 100.0, 1e30];
        sigmoid_in_place(&mut v);
        assert!(v[0] < 1e-37 && v[1] < 1e-37 && v[2] == 1.0 && v[3] == 1.0, "{v:?}");
        let mut v = vec![-1e30, 1e30];
        tanh_in_place(&mut v);
        assert_eq!(v, [-1.0, 1.0]);
    }
}
