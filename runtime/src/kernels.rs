//! Const-generic kernels the generated code calls for layers too large to unroll.
//!
//! Weights are stored transposed, `w[i][o]`, and applied in "axpy" form: for each input `i`,
//! every output gains `x[i] * w[i][o]`. Rust never reassociates float sums, so a dot product
//! per output is one dependent chain that LLVM cannot vectorize; the axpy form vectorizes across
//! outputs instead, and still adds each output's terms in input order: the same order as the
//! reference interpreter, so results agree bit for bit. No kernel can panic: every index is
//! an iterator over arrays whose lengths are types.

/// `y = b + W x` with `w[i][o]`; `y` starts from `+0.0` when there is no bias.
#[inline(always)]
pub fn dense<const I: usize, const O: usize>(
    w: &[[f32; O]; I],
    bias: Option<&[f32; O]>,
    x: &[f32; I],
    y: &mut [f32; O],
) {
    init(y, bias);
    for (xi, row) in x.iter().zip(w) {
        axpy(y, *xi, row);
    }
}

/// [`dense`] on raw inputs scaled on the fly: `x'[i] = (x[i] - offset[i]) * scale[i]`.
///
/// Folding the scaling into the first layer saves a buffer as large as the input.
#[inline(always)]
pub fn dense_scaled<const I: usize, const O: usize>(
    w: &[[f32; O]; I],
    bias: Option<&[f32; O]>,
    x: &[f32; I],
    scaling: &Scaling<'_, I>,
    y: &mut [f32; O],
) {
    init(y, bias);
    match *scaling {
        Scaling::Uniform { offset, scale, .. } => {
            for (xi, row) in x.iter().zip(w) {
                axpy(y, (*xi - offset) * scale, row);
            }
        }
        Scaling::PerFeature { offset, scale, .. } => {
            for (((xi, row), o), s) in x.iter().zip(w).zip(offset).zip(scale) {
                axpy(y, (*xi - *o) * *s, row);
            }
        }
    }
}

#[inline(always)]
fn init<const O: usize>(y: &mut [f32; O], bias: Option<&[f32; O]>) {
    match bias {
        Some(b) => *y = *b,
        None => *y = [0.0; O],
    }
}

#[inline(always)]
fn axpy<const O: usize>(y: &mut [f32; O], a: f32, row: &[f32; O]) {
    for (yo, w) in y.iter_mut().zip(row) {
        *yo += a * *w;
    }
}

/// Applies `f` to every element in place.
#[inline(always)]
pub fn map<const N: usize>(y: &mut [f32; N], f: impl Fn(f32) -> f32) {
    for v in y.iter_mut() {
        *v = f(*v);
    }
}

/// The input scaling `x' = (x - offset) * scale` and its inverse `x = x' * range + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scaling<'a, const N: usize> {
    /// The same constants for every feature (e.g. image pixels).
    Uniform {
        /// Subtracted first.
        offset: f32,
        /// `1 / range`, rounded to f32.
        scale: f32,
        /// Multiplied when mapping back.
        range: f32,
    },
    /// One set of constants per feature.
    PerFeature {
        /// Subtracted first.
        offset: &'a [f32; N],
        /// `1 / range`, rounded to f32.
        scale: &'a [f32; N],
        /// Multiplied when mapping back.
        range: &'a [f32; N],
    },
}

/// Maps model outputs back to user units in place: `y = y * range + offset`.
#[inline(always)]
pub fn unscale<const N: usize>(y: &mut [f32; N], scaling: &Scaling<'_, N>) {
    match *scaling {
        Scaling::Uniform { offset, range, .. } => {
            for v in y.iter_mut() {
                *v = *v * range + offset;
            }
        }
        Scaling::PerFeature { offset, range, .. } => {
            for ((v, r), o) in y.iter_mut().zip(range).zip(offset) {
                *v = *v * *r + *o;
            }
        }
    }
}

/// How reconstruction error is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
}

/// The reconstruction error between raw input `x` (scaled on the fly when `scaling` is given)
/// and the model's scaled-space output `y`: terms summed in order, then divided by `N`.
#[inline(always)]
pub fn score<const N: usize>(
    metric: Metric,
    x: &[f32; N],
    scaling: Option<&Scaling<'_, N>>,
    y: &[f32; N],
) -> f32 {
    let term = |d: f32| match metric {
        Metric::Mse => d * d,
        Metric::Mae => d.abs(),
    };
    let mut sum = 0.0f32;
    match scaling {
        Some(Scaling::Uniform { offset, scale, .. }) => {
            for (xi, yi) in x.iter().zip(y) {
                sum += term((*xi - *offset) * *scale - *yi);
            }
        }
        Some(Scaling::PerFeature { offset, scale, .. }) => {
            for (((xi, yi), o), s) in x.iter().zip(y).zip(*offset).zip(*scale) {
                sum += term((*xi - *o) * *s - *yi);
            }
        }
        None => {
            for (xi, yi) in x.iter().zip(y) {
                sum += term(*xi - *yi);
            }
        }
    }
    sum / N as f32
}

/// Turns the means in `z` into samples `z + exp(0.5 * log_var) * eps`, element by element.
#[inline(always)]
pub fn reparameterize_into<const L: usize>(z: &mut [f32; L], log_var: &[f32; L], eps: &[f32; L]) {
    for ((zi, lv), e) in z.iter_mut().zip(log_var).zip(eps) {
        *zi = crate::activation::reparameterize(*zi, *lv, *e);
    }
}
