//! Moving values between layers: time-distributed rows, repetition, copies, input scaling.

use crate::kernels::Scaling;

/// Applies `f` to every row: `x` is `[rows, I]`, `y` is `[rows, O]` (`NI = rows·I`,
/// `NO = rows·O`). A dense layer after a sequence runs this way, once per step.
#[inline(always)]
pub fn rows<const I: usize, const O: usize, const NI: usize, const NO: usize>(
    x: &[f32; NI],
    y: &mut [f32; NO],
    f: impl Fn(&[f32; I], &mut [f32; O]),
) {
    const { assert!(I > 0 && O > 0 && NI.is_multiple_of(I) && NO == NI / I * O) };
    for (xr, yr) in x.chunks_exact(I).zip(y.chunks_exact_mut(O)) {
        // `chunks_exact` yields exactly `I` and `O` values, so both conversions succeed.
        if let (Some(xr), Some(yr)) = (xr.first_chunk::<I>(), yr.first_chunk_mut::<O>()) {
            f(xr, yr);
        }
    }
}

/// `[F]` → `[T, F]`: `x` copied into every row of `y` (`NO = T·F`).
#[inline(always)]
pub fn repeat<const F: usize, const NO: usize>(x: &[f32; F], y: &mut [f32; NO]) {
    const { assert!(F > 0 && NO.is_multiple_of(F)) };
    for row in y.chunks_exact_mut(F) {
        for (o, v) in row.iter_mut().zip(x) {
            *o = *v;
        }
    }
}

/// `y = x`, for flatten and reshape layers at the edge of a public function (between layers
/// they move nothing).
#[inline(always)]
pub fn copy<const N: usize>(x: &[f32; N], y: &mut [f32; N]) {
    *y = *x;
}

/// `y[i] = (x[i] - offset[i]) * scale[i]`: the input scaling, written to scratch when the
/// first layer cannot apply it on the fly.
#[inline(always)]
pub fn scale_into<const N: usize>(x: &[f32; N], scaling: &Scaling<'_, N>, y: &mut [f32; N]) {
    match *scaling {
        Scaling::Uniform { offset, scale, .. } => {
            for (o, v) in y.iter_mut().zip(x) {
                *o = (*v - offset) * scale;
            }
        }
        Scaling::PerFeature { offset, scale, .. } => {
            for (((o, v), off), s) in y.iter_mut().zip(x).zip(offset).zip(scale) {
                *o = (*v - *off) * *s;
            }
        }
    }
}
