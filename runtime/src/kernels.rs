//! Const-generic kernels the generated code calls for layers too large to unroll.
//!
//! Weights are stored transposed, `w[i][o]`, and applied in "axpy" form: for each input `i`,
//! every output gains `x[i] * w[i][o]`. Rust never reassociates float sums, so a dot product
//! per output is one dependent chain that LLVM cannot vectorize; the axpy form vectorizes across
//! outputs instead, and still adds each output's terms in input order: the same order as the
//! reference interpreter, so results agree bit for bit. No kernel can panic: every index is
//! an iterator over arrays whose lengths are types.

pub mod branchless;

/// Dense-layer weights, blocked by outputs so a block's accumulators stay in registers.
///
/// Output `t * T + k` (for `t < TILES`) takes its weights from `tiles[t][i][k]`; the last `R`
/// outputs from `tail[i][k]`. Each block's weights are one contiguous run, read front to back
/// once per inference, which the hardware prefetcher streams well.
#[derive(Debug)]
pub struct Blocked<const I: usize, const T: usize, const TILES: usize, const R: usize> {
    /// Full blocks of `T` outputs, each transposed: `[input][output in block]`.
    pub tiles: [[[f32; T]; I]; TILES],
    /// The remaining `R < T` outputs, transposed.
    pub tail: [[f32; R]; I],
}

/// `y = act(b + W x)`; an output starts from `+0.0` when there is no bias.
///
/// For every block of outputs, the accumulators start at the bias and gain `x[i] * w[i][o]`
/// input by input (the "axpy" form: vectorized across outputs, yet each output's terms are
/// added in input order, as in the reference interpreter). The activation is applied while
/// the block is still in registers, so `y` is written once.
#[inline(always)]
pub fn dense<const I: usize, const T: usize, const TILES: usize, const R: usize, const O: usize>(
    w: &Blocked<I, T, TILES, R>,
    bias: Option<&[f32; O]>,
    x: &[f32; I],
    y: &mut [f32; O],
    act: impl Fn(f32) -> f32,
) {
    blocks(w, bias, x.iter().copied(), y, act);
}

/// [`dense`] on raw inputs scaled on the fly: `x'[i] = (x[i] - offset[i]) * scale[i]`.
///
/// Folding the scaling into the first layer saves a buffer as large as the input.
#[inline(always)]
pub fn dense_scaled<
    const I: usize,
    const T: usize,
    const TILES: usize,
    const R: usize,
    const O: usize,
>(
    w: &Blocked<I, T, TILES, R>,
    bias: Option<&[f32; O]>,
    x: &[f32; I],
    scaling: &Scaling<'_, I>,
    y: &mut [f32; O],
    act: impl Fn(f32) -> f32,
) {
    match *scaling {
        Scaling::Uniform { offset, scale, .. } => {
            blocks(w, bias, x.iter().map(|v| (*v - offset) * scale), y, act);
        }
        Scaling::PerFeature { offset, scale, .. } => {
            let xs = x.iter().zip(offset).zip(scale).map(|((v, o), s)| (*v - *o) * *s);
            blocks(w, bias, xs, y, act);
        }
    }
}

/// The loop behind [`dense`]: `x` yields the (scaled) inputs and is replayed for every block.
#[inline(always)]
fn blocks<const I: usize, const T: usize, const TILES: usize, const R: usize, const O: usize>(
    w: &Blocked<I, T, TILES, R>,
    bias: Option<&[f32; O]>,
    x: impl Iterator<Item = f32> + Clone,
    y: &mut [f32; O],
    act: impl Fn(f32) -> f32,
) {
    const { assert!(T > 0 && R < T && T * TILES + R == O) };
    let mut y_blocks = y.chunks_exact_mut(T);
    let mut b_blocks = bias.map(|b| b.chunks_exact(T));
    for (tile, y_block) in w.tiles.iter().zip(&mut y_blocks) {
        let b_block = b_blocks.as_mut().and_then(Iterator::next);
        block(tile, b_block, x.clone(), y_block, &act);
    }
    let b_tail = b_blocks.map(|b| b.remainder());
    block(&w.tail, b_tail, x, y_blocks.into_remainder(), &act);
}

/// One block of `N` outputs: accumulators in a local array (registers), bias first, then every
/// input in order; finally `y = act(acc)`.
#[inline(always)]
fn block<const I: usize, const N: usize>(
    w: &[[f32; N]; I],
    bias: Option<&[f32]>,
    x: impl Iterator<Item = f32>,
    y: &mut [f32],
    act: &impl Fn(f32) -> f32,
) {
    let mut acc = [0.0f32; N];
    if let Some(b) = bias {
        for (a, b) in acc.iter_mut().zip(b) {
            *a = *b;
        }
    }
    for (xi, row) in x.zip(w) {
        for (a, w) in acc.iter_mut().zip(row) {
            *a += xi * *w;
        }
    }
    for (y, a) in y.iter_mut().zip(acc) {
        *y = act(a);
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
