//! Convolutions and transposed convolutions as im2col and one matrix product per chunk of
//! samples, forward and backward, chunks spread over the rayon pool.
//!
//! With `W` the `(taps, out)` weights (taps ordered `(c, ky, kx)`) and `col = im2col(x)`:
//!
//! - convolution: `y = Wᵀ · col`; backward `dW = col · dyᵀ`, `dx = col2im(W · dy)`;
//! - transposed convolution, the adjoint of the convolution `P` from its output space back to
//!   its input space: `y = col2im_P(A · x)` with `A[(o, ky, kx)][c] = W[(c, ky, kx)][o]`;
//!   backward `dx = Aᵀ · im2col_P(dy)`, `dA = im2col_P(dy) · xᵀ`. It does only the
//!   multiply-adds of real taps: no zero-inserted input.
//!
//! Chunks hold a fixed number of samples chosen from the layer's shape (an im2col matrix of
//! about 1 MB), never from the thread count; a chunk's weight gradient is one product summed
//! in a fixed order, and the chunks' gradients are added in chunk order.

use std::sync::Arc;

use dfdx::prelude::*;
use rayon::prelude::*;

use super::activation;
use super::direct::Direct;
use super::gemm::{gemm, View};
use super::patches::{add_from_channel_major, from_channel_major, to_channel_major, Patches};
use super::scratch::Scratch;
use super::tape::{record, records, sink, values, Backward};
use super::vector::{add_into, sum};
use crate::layers::{ConvGeometry, ConvParams};
use crate::net::Mat;
use tinyae_core::Activation;

/// Values in one chunk's im2col matrix, about 1 MB.
const CHUNK_VALUES: usize = 1 << 18;

/// What a convolution layer precomputes from its geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvPlan {
    /// A convolution's patches, or for a transposed one the patches of its adjoint.
    pub(crate) patches: Arc<Patches>,
    /// Samples per chunk.
    pub(crate) chunk: usize,
    /// The direct form, for a convolution with few output channels.
    direct: Option<Arc<Direct>>,
}

impl ConvPlan {
    /// The plan of a layer.
    pub fn new(g: &ConvGeometry) -> Self {
        let [c, h, w] = g.input;
        let patches = if g.transposed {
            // The convolution from the output space back to the input: it reads output row
            // i·s + k - before for input row i, the positions input i writes to.
            let out = [g.out_channels, g.output[0], g.output[1]];
            Patches::new(out, g.kernel, g.stride, g.before, [h, w])
        } else {
            Patches::new([c, h, w], g.kernel, g.stride, g.before, g.output)
        };
        let chunk = (CHUNK_VALUES / (patches.taps * patches.pixels).max(1)).clamp(1, 64);
        let direct = Direct::new(g);
        ConvPlan { patches: Arc::new(patches), chunk, direct: direct.map(Arc::new) }
    }
}

/// The layer followed by `act` on a batch: `(rows, c·h·w)` → `(rows, out·oh·ow)`,
/// channel-major per sample.
pub(crate) fn forward<T: Tape<f32, Cpu>>(p: &ConvParams, x: Mat<T>, act: Activation) -> Mat<T> {
    let g = p.geometry;
    let plan = p.plan.clone();
    let (w, b, xv) = (values(&p.w), values(&p.b), values(&x));
    let (in_len, out_len) = (g.input.iter().product::<usize>(), g.out_channels * g.pixels());
    let rows = x.shape().0;
    let mut y = vec![0.0; rows * out_len];
    let weights = if g.transposed { relayout(&w, &g, false) } else { w };
    y.par_chunks_mut(plan.chunk * out_len).zip(xv.par_chunks(plan.chunk * in_len)).for_each(
        |(y, x)| {
            if let Some(direct) = &plan.direct {
                direct.forward(&weights, x, y);
            } else if g.transposed {
                transposed_chunk(&plan, &g, &weights, x, y);
            } else {
                conv_chunk(&plan, &g, &weights, x, y);
            }
            for sample in y.chunks_exact_mut(out_len) {
                for (plane, bias) in sample.chunks_exact_mut(g.pixels()).zip(&b) {
                    plane.iter_mut().for_each(|v| *v += bias);
                }
            }
        },
    );
    let slopes = activation::apply(act, &mut y, records::<T>());
    let backward = records::<T>().then(|| -> Backward {
        Box::new(move |gy, gx| {
            backward_pass(&plan, &g, &weights, (&xv, gx), (gy, slopes.as_deref()))
        })
    });
    record(x, y, out_len, vec![sink(&p.w), sink(&p.b)], backward)
}

/// `y = Wᵀ · im2col(x)` for one chunk.
fn conv_chunk(plan: &ConvPlan, g: &ConvGeometry, w: &[f32], x: &[f32], y: &mut [f32]) {
    let ym = conv_chunk_channel_major(plan, g, w, x);
    from_channel_major(&ym, g.out_channels, plan.patches.pixels, y);
}

/// `Wᵀ · im2col(x)` for one chunk of a convolution, channel-major: `out × (samples · pixels)`.
pub(crate) fn conv_chunk_channel_major(
    plan: &ConvPlan,
    g: &ConvGeometry,
    w: &[f32],
    x: &[f32],
) -> Scratch {
    let (pt, out) = (&plan.patches, g.out_channels);
    let width = x.len() / pt.sample_len * pt.pixels;
    let mut col = Scratch::new(pt.taps * width);
    pt.gather(x, &mut col);
    let mut ym = Scratch::new(out * width);
    gemm(&mut ym, View::new(w, pt.taps, out).t(), View::new(&col, pt.taps, width), false);
    ym
}

/// `y = col2im(A · x)` for one chunk of a transposed convolution.
fn transposed_chunk(plan: &ConvPlan, g: &ConvGeometry, a: &[f32], x: &[f32], y: &mut [f32]) {
    let (pt, c) = (&plan.patches, g.input[0]);
    let mut xm = Scratch::new(x.len());
    to_channel_major(x, c, pt.pixels, &mut xm);
    let width = xm.len() / c;
    let mut col = Scratch::new(pt.taps * width);
    gemm(&mut col, View::new(a, pt.taps, c), View::new(&xm, c, width), false);
    pt.scatter_add(&mut col, y);
}

/// The transposed convolution's weights as `A[(o, ky, kx)][c]`, from `W[(c, ky, kx)][o]`;
/// the same function maps `dA` back to `dW`'s layout with `back`.
fn relayout(values: &[f32], g: &ConvGeometry, back: bool) -> Vec<f32> {
    let (c, out, k) = (g.input[0], g.out_channels, g.kernel[0] * g.kernel[1]);
    let mut moved = vec![0.0; values.len()];
    for ci in 0..c {
        for o in 0..out {
            for t in 0..k {
                let (w_at, a_at) = ((ci * k + t) * out + o, (o * k + t) * c + ci);
                if back {
                    moved[w_at] = values[a_at];
                } else {
                    moved[a_at] = values[w_at];
                }
            }
        }
    }
    moved
}

/// Adds the input's gradient to `gx`; returns the weights' and the bias'. `gy` is the
/// gradient of the activation's output, `slopes` the activation's slopes.
fn backward_pass(
    plan: &ConvPlan,
    g: &ConvGeometry,
    weights: &[f32],
    (x, gx): (&[f32], &mut [f32]),
    (gy, slopes): (&[f32], Option<&[f32]>),
) -> Vec<Vec<f32>> {
    let (in_len, out_len) = (g.input.iter().product::<usize>(), g.out_channels * g.pixels());
    let (in_chunk, out_chunk) = (plan.chunk * in_len, plan.chunk * out_len);
    let partials: Vec<(Vec<f32>, Vec<f32>)> = gx
        .par_chunks_mut(in_chunk)
        .zip(x.par_chunks(in_chunk))
        .zip(gy.par_chunks(out_chunk))
        .enumerate()
        .map(|(k, ((gx, x), gy))| {
            // The pre-activation gradient of the chunk.
            let mut gz = Scratch::new(gy.len());
            match slopes {
                Some(s) => {
                    let s = &s[k * out_chunk..k * out_chunk + gy.len()];
                    gz.iter_mut().zip(gy).zip(s).for_each(|((z, g), s)| *z = g * s);
                }
                None => gz.copy_from_slice(gy),
            }
            if let Some(direct) = &plan.direct {
                let gb = (0..g.out_channels)
                    .map(|o| {
                        gz.chunks_exact(g.pixels()).skip(o).step_by(g.out_channels).map(sum).sum()
                    })
                    .collect();
                (direct.backward(weights, x, &gz, gx), gb)
            } else if g.transposed {
                transposed_chunk_backward(plan, g, weights, x, &gz, gx)
            } else {
                conv_chunk_backward(plan, g, weights, x, &gz, gx)
            }
        })
        .collect();
    let (gw, gb) = add_partials(&partials, weights.len(), g.out_channels);
    let gw = if g.transposed { relayout(&gw, g, true) } else { gw };
    vec![gw, gb]
}

/// The weights' and the bias' gradients: the chunks' partial sums added in chunk order.
pub(crate) fn add_partials(
    partials: &[(Vec<f32>, Vec<f32>)],
    weights: usize,
    out: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut gw = vec![0.0; weights];
    let mut gb = vec![0.0; out];
    for (w, b) in partials {
        add_into(&mut gw, w);
        add_into(&mut gb, b);
    }
    (gw, gb)
}

/// One chunk of a convolution's backward pass: adds `col2im(W · dy)` to `gx`, returns
/// `col · dyᵀ` and the bias gradient.
fn conv_chunk_backward(
    plan: &ConvPlan,
    g: &ConvGeometry,
    w: &[f32],
    x: &[f32],
    gy: &[f32],
    gx: &mut [f32],
) -> (Vec<f32>, Vec<f32>) {
    let mut gym = Scratch::new(gy.len());
    to_channel_major(gy, g.out_channels, plan.patches.pixels, &mut gym);
    conv_chunk_backward_channel_major(plan, g, w, x, &gym, gx)
}

/// [`conv_chunk_backward`] with the output's gradient channel-major.
pub(crate) fn conv_chunk_backward_channel_major(
    plan: &ConvPlan,
    g: &ConvGeometry,
    w: &[f32],
    x: &[f32],
    gym: &[f32],
    gx: &mut [f32],
) -> (Vec<f32>, Vec<f32>) {
    let (pt, out) = (&plan.patches, g.out_channels);
    let width = gym.len() / out;
    let gb = gym.chunks_exact(width).map(sum).collect();
    let mut col = Scratch::new(pt.taps * width);
    pt.gather(x, &mut col);
    let mut gw = vec![0.0; pt.taps * out];
    gemm(&mut gw, View::new(&col, pt.taps, width), View::new(gym, out, width).t(), false);
    gemm(&mut col, View::new(w, pt.taps, out), View::new(gym, out, width), false);
    pt.scatter_add(&mut col, gx);
    (gw, gb)
}

/// One chunk of a transposed convolution's backward pass: adds `Aᵀ · im2col(dy)` to `gx`,
/// returns `dA = im2col(dy) · xᵀ` and the bias gradient.
fn transposed_chunk_backward(
    plan: &ConvPlan,
    g: &ConvGeometry,
    a: &[f32],
    x: &[f32],
    gy: &[f32],
    gx: &mut [f32],
) -> (Vec<f32>, Vec<f32>) {
    let (pt, c) = (&plan.patches, g.input[0]);
    let planes = g.pixels();
    let mut gb = vec![0.0; g.out_channels];
    for sample in gy.chunks_exact(g.out_channels * planes) {
        for (b, plane) in gb.iter_mut().zip(sample.chunks_exact(planes)) {
            *b += sum(plane);
        }
    }
    let width = gy.len() / pt.sample_len * pt.pixels;
    let mut col = Scratch::new(pt.taps * width);
    pt.gather(gy, &mut col);
    let mut gxm = Scratch::new(c * width);
    gemm(&mut gxm, View::new(a, pt.taps, c).t(), View::new(&col, pt.taps, width), false);
    add_from_channel_major(&gxm, c, pt.pixels, gx);
    let mut xm = Scratch::new(x.len());
    to_channel_major(x, c, pt.pixels, &mut xm);
    let mut ga = vec![0.0; pt.taps * c];
    gemm(&mut ga, View::new(&col, pt.taps, width), View::new(&xm, c, width).t(), false);
    (ga, gb)
}
