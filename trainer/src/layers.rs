//! Convolutional, pooling, upsampling and recurrent layers as dfdx tensor ops on run-time
//! shapes.
//!
//! dfdx 0.13 compiles its `conv2d`, `convtrans2d` and `pool2d` ops only with its `nightly`
//! feature, so every spatial layer here is a `gather` (whose backward pass is dfdx's scatter-add)
//! with an index list computed once from the layer's geometry, followed by dfdx's matrix
//! product:
//!
//! - a convolution gathers, for each output pixel, the input values its taps read (`im2col`)
//!   and multiplies the `(pixels, taps)` matrix by the `(taps, out)` weights; a transposed
//!   convolution gathers, for each output pixel, the input values whose taps land on it, so it
//!   is the same product and never materializes a zero-inserted input. Taps on padding read a
//!   zero appended to each sample. Any kernel, stride, padding (uneven `same` included) and
//!   `output_padding` work;
//! - max pooling gathers each window and takes its maximum; upsampling and repeating gather
//!   copies.
//!
//! Batches stay `(rows, values)` between layers, each sample flat in the file's layout (CHW
//! feature maps, `[steps, features]` sequences).

use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;
use tinyae_core::ir::Padding;

use crate::net::{Mat, Vector};

/// An index list for `gather`.
pub type Index = Tensor<(usize,), usize, Cpu>;

fn uniform(n: usize, bound: f64, rng: &mut StdRng) -> Vec<f32> {
    (0..n).map(|_| rng.gen_range(-bound..bound) as f32).collect()
}

/// `x[:, idx]` for every sample: `(rows, n)` → `(rows, idx.len())`. With `pad`, index `n`
/// reads a zero appended to every sample.
fn gather<T: Tape<f32, Cpu>>(x: Mat<T>, idx: &Index, pad: bool) -> Mat<T> {
    let (rows, n) = *x.shape();
    let z = idx.shape().0;
    let x = if pad {
        let zeros: Mat = x.device().zeros_like(&(rows, 1));
        (x, zeros).concat_along(Axis::<1>)
    } else {
        x
    };
    let _ = n;
    let idx = idx.clone().broadcast_like::<_, Axis<0>>(&(rows, z));
    x.gather(idx)
}

/// The geometry of a convolution or transposed convolution on one `[c, h, w]` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input `[c, h, w]`.
    pub input: [usize; 3],
    /// Output channels.
    pub out_channels: usize,
    /// `[kh, kw]`.
    pub kernel: [usize; 2],
    /// `[sh, sw]`.
    pub stride: [usize; 2],
    /// Convolution: zeros before (top, left); transposed: rows and columns removed before.
    pub before: [usize; 2],
    /// Output `[oh, ow]`.
    pub output: [usize; 2],
    /// A transposed convolution.
    pub transposed: bool,
    /// The padding as the file states it (a transposed convolution's is explicit).
    pub padding: Padding,
    /// A transposed convolution's `output_padding`.
    pub output_padding: [usize; 2],
}

impl ConvGeometry {
    /// A convolution with the file's padding, or `None` when the kernel does not fit.
    pub fn conv(
        input: [usize; 3],
        out_channels: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: Padding,
    ) -> Option<Self> {
        let (pads, output) = padding.resolve([input[1], input[2]], kernel, stride)?;
        Some(ConvGeometry {
            input,
            out_channels,
            kernel,
            stride,
            before: [pads[0], pads[1]],
            output,
            transposed: false,
            padding,
            output_padding: [0, 0],
        })
    }

    /// A transposed convolution (PyTorch's sizes), or `None` when no output is left.
    pub fn transposed(
        input: [usize; 3],
        out_channels: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        output_padding: [usize; 2],
    ) -> Option<Self> {
        let mut output = [0; 2];
        for a in 0..2 {
            let full = (input[a + 1] - 1) * stride[a] + kernel[a] + output_padding[a];
            output[a] = full.checked_sub(2 * padding[a]).filter(|o| *o > 0)?;
        }
        Some(ConvGeometry {
            input,
            out_channels,
            kernel,
            stride,
            before: padding,
            output,
            transposed: true,
            padding: Padding::Explicit(padding),
            output_padding,
        })
    }

    /// Taps per output pixel: `in · kh · kw`.
    pub fn taps(&self) -> usize {
        self.input[0] * self.kernel[0] * self.kernel[1]
    }

    /// Output pixels per channel.
    pub fn pixels(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// The input row (axis `a`) that tap `k` of output row `o` reads, if any.
    fn source(&self, a: usize, o: usize, k: usize) -> Option<usize> {
        let (n, s, p) = (self.input[a + 1], self.stride[a], self.before[a]);
        if self.transposed {
            // output o = i·s + k - p
            let t = (o + p).checked_sub(k)?;
            (t % s == 0 && t / s < n).then_some(t / s)
        } else {
            // input i = o·s + k - p
            (o * s + k).checked_sub(p).filter(|i| *i < n)
        }
    }

    /// For each output pixel, for each tap `(c, ky, kx)`: the flat input index it reads, or
    /// the padding index `c·h·w` (a zero) when none. Also whether any tap is padding.
    pub fn patch_index(&self) -> (Vec<usize>, bool) {
        let [c, h, w] = self.input;
        let pad = c * h * w;
        let mut idx = Vec::with_capacity(self.pixels() * self.taps());
        let mut padded = false;
        for oy in 0..self.output[0] {
            for ox in 0..self.output[1] {
                for ci in 0..c {
                    for ky in 0..self.kernel[0] {
                        for kx in 0..self.kernel[1] {
                            match (self.source(0, oy, ky), self.source(1, ox, kx)) {
                                (Some(iy), Some(ix)) => idx.push((ci * h + iy) * w + ix),
                                _ => {
                                    padded = true;
                                    idx.push(pad);
                                }
                            }
                        }
                    }
                }
            }
        }
        (idx, padded)
    }
}

/// A convolution or transposed convolution: patches times weights.
#[derive(Debug, Clone)]
pub struct ConvParams {
    /// `(taps, out)` with taps ordered `(c, ky, kx)`: the file's weight, reordered on export.
    pub w: Mat,
    /// `(out,)`.
    pub b: Vector,
    /// The layer's geometry.
    pub geometry: ConvGeometry,
    /// For each output pixel and tap, the input index read.
    index: Index,
    /// Whether some tap reads padding.
    padded: bool,
}

impl ConvParams {
    /// Glorot-uniform weights over fan-in `in·kh·kw` and fan-out `out·kh·kw` (Keras' default),
    /// zero biases.
    pub fn init(dev: &Cpu, geometry: ConvGeometry, rng: &mut StdRng) -> Self {
        let (taps, out) = (geometry.taps(), geometry.out_channels);
        let kernel = geometry.kernel[0] * geometry.kernel[1];
        let bound = (6.0 / ((geometry.input[0] + out) * kernel) as f64).sqrt();
        let w = uniform(taps * out, bound, rng);
        Self::with_values(dev, geometry, w, vec![0.0; out])
    }

    /// The layer with weights `(taps, out)` and biases given.
    pub fn with_values(dev: &Cpu, geometry: ConvGeometry, w: Vec<f32>, b: Vec<f32>) -> Self {
        let (taps, out) = (geometry.taps(), geometry.out_channels);
        let (idx, padded) = geometry.patch_index();
        let n = idx.len();
        ConvParams {
            w: dev.tensor_from_vec(w, (taps, out)),
            b: dev.tensor_from_vec(b, (out,)),
            geometry,
            index: dev.tensor_from_vec(idx, (n,)),
            padded,
        }
    }

    /// The layer on a batch: `(rows, c·h·w)` → `(rows, out·oh·ow)`.
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        let rows = x.shape().0;
        let (pixels, taps, out) =
            (self.geometry.pixels(), self.geometry.taps(), self.geometry.out_channels);
        let patches = gather(x, &self.index, self.padded).reshape_like(&(rows * pixels, taps));
        let y = patches.matmul(self.w.clone())
            + self.b.clone().broadcast_like::<_, Axis<0>>(&(rows * pixels, out));
        // (rows, pixels, out) → (rows, out, pixels): channel-major, as the file lays it out.
        let y = y.reshape_like(&(rows, pixels, out)).permute::<_, Axes3<0, 2, 1>>();
        y.reshape_like(&(rows, out * pixels))
    }
}

/// A gather-only layer: max pooling (windows of `window` values, reduced by their maximum),
/// upsampling or repeating (`window` 1: copies).
#[derive(Debug, Clone)]
pub struct Gather {
    index: Index,
    /// Values per output (the pooling window), 1 for copies.
    window: usize,
}

impl Gather {
    /// Max pooling of `[c, h, w]` by `kernel` windows every `stride`.
    pub fn max_pool(
        dev: &Cpu,
        [c, h, w]: [usize; 3],
        kernel: [usize; 2],
        stride: [usize; 2],
    ) -> Self {
        let (oh, ow) = ((h - kernel[0]) / stride[0] + 1, (w - kernel[1]) / stride[1] + 1);
        let mut idx = Vec::new();
        for ci in 0..c {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ky in 0..kernel[0] {
                        for kx in 0..kernel[1] {
                            idx.push((ci * h + oy * stride[0] + ky) * w + ox * stride[1] + kx);
                        }
                    }
                }
            }
        }
        Self::from_index(dev, idx, kernel[0] * kernel[1])
    }

    /// Nearest-neighbour upsampling of `[c, h, w]` by `factor`.
    pub fn upsample(dev: &Cpu, [c, h, w]: [usize; 3], factor: [usize; 2]) -> Self {
        let (oh, ow) = (h * factor[0], w * factor[1]);
        let idx = (0..c)
            .flat_map(|ci| {
                (0..oh).flat_map(move |oy| {
                    (0..ow).map(move |ox| (ci * h + oy / factor[0]) * w + ox / factor[1])
                })
            })
            .collect();
        Self::from_index(dev, idx, 1)
    }

    /// `[features]` → `[times, features]`.
    pub fn repeat(dev: &Cpu, features: usize, times: usize) -> Self {
        Self::from_index(dev, (0..times * features).map(|k| k % features).collect(), 1)
    }

    fn from_index(dev: &Cpu, idx: Vec<usize>, window: usize) -> Self {
        let n = idx.len();
        Gather { index: dev.tensor_from_vec(idx, (n,)), window }
    }

    /// The layer on a batch.
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        let rows = x.shape().0;
        let y = gather(x, &self.index, false);
        if self.window == 1 {
            return y;
        }
        let outputs = self.index.shape().0 / self.window;
        y.reshape_like(&(rows, outputs, self.window)).max::<(usize, usize), Axis<2>>()
    }
}

/// An LSTM (gate order i, f, g, o) from zero states.
#[derive(Debug, Clone)]
pub struct LstmParams {
    /// `(input, 4·hidden)`: the file's `weight_ih` transposed.
    pub w_ih: Mat,
    /// `(hidden, 4·hidden)`: the file's `weight_hh` transposed.
    pub w_hh: Mat,
    /// `(4·hidden,)`: the file's `bias_ih` (`bias_hh` is written as absent).
    pub b: Vector,
    /// Every step's hidden state, or the last only.
    pub return_sequences: bool,
}

impl LstmParams {
    /// Glorot-uniform weights (Keras' default for the input kernel; for the recurrent one
    /// instead of Keras' orthogonal matrix), zero biases except 1 for the forget gate (Keras'
    /// `unit_forget_bias`), which keeps the cell state flowing early in training.
    pub fn init(
        dev: &Cpu,
        inputs: usize,
        hidden: usize,
        return_sequences: bool,
        rng: &mut StdRng,
    ) -> Self {
        let g = 4 * hidden;
        let w_ih = uniform(inputs * g, (6.0 / (inputs + g) as f64).sqrt(), rng);
        let w_hh = uniform(hidden * g, (6.0 / (hidden + g) as f64).sqrt(), rng);
        let b: Vec<f32> =
            (0..g).map(|r| if (hidden..2 * hidden).contains(&r) { 1.0 } else { 0.0 }).collect();
        LstmParams {
            w_ih: dev.tensor_from_vec(w_ih, (inputs, g)),
            w_hh: dev.tensor_from_vec(w_hh, (hidden, g)),
            b: dev.tensor_from_vec(b, (g,)),
            return_sequences,
        }
    }

    /// Hidden units.
    pub fn hidden(&self) -> usize {
        self.w_hh.shape().0
    }

    /// Input features per step.
    pub fn inputs(&self) -> usize {
        self.w_ih.shape().0
    }

    /// The layer on a batch of `[steps, inputs]` samples: `(rows, steps·hidden)` or
    /// `(rows, hidden)`.
    ///
    /// dfdx records each use of a tensor on the tape it carries; a tensor used twice is used
    /// once with its tape and once with an empty one (`with_empty_tape`), and every tape is
    /// merged into the output, so gradients reach every step.
    pub fn forward<T: Tape<f32, Cpu> + Merge<T>>(&self, x: Mat<T>, steps: usize) -> Mat<T> {
        let (rows, n_in, n_h) = (x.shape().0, self.inputs(), self.hidden());
        let g = 4 * n_h;
        let bias = self.b.clone().broadcast_like::<_, Axis<0>>(&(rows, g));
        let spare = x.with_empty_tape();
        let mut first = Some(x.slice((.., 0..n_in)));
        let mut h: Option<Mat<T>> = None;
        let mut c: Option<Mat<T>> = None;
        let mut outputs = Vec::new();
        for t in 0..steps {
            let x_t = match first.take() {
                Some(x0) => x0,
                None => spare.with_empty_tape().slice((.., t * n_in..(t + 1) * n_in)),
            };
            let mut gates = x_t.matmul(self.w_ih.clone()) + bias.clone();
            if let Some(h) = h.take() {
                gates = gates + h.matmul(self.w_hh.clone());
            }
            let gate = |k: usize| gates.with_empty_tape().slice((.., k * n_h..(k + 1) * n_h));
            let i = gate(0).sigmoid();
            let f = gate(1).sigmoid();
            let cand = gate(2).tanh();
            let o = gates.slice((.., 3 * n_h..g)).sigmoid();
            // At the first step the cell state is 0, so f · c adds nothing (and no gradient).
            let c_new = match c.take() {
                Some(c_prev) => f * c_prev + i * cand,
                None => i * cand,
            };
            let last = t + 1 == steps;
            let h_new = if last {
                o * c_new.tanh()
            } else {
                let h_new = o * c_new.with_empty_tape().tanh();
                c = Some(c_new);
                h_new
            };
            if self.return_sequences && !last {
                outputs.push(h_new.with_empty_tape());
            }
            h = Some(h_new);
        }
        let last = h.expect("an LSTM runs at least one step");
        if !self.return_sequences {
            return last;
        }
        // The tape of the last hidden state holds the whole recurrence: it joins the outputs.
        outputs.push(last);
        let stacked = outputs.stack(); // (steps, rows, hidden)
        stacked.permute::<_, Axes3<1, 0, 2>>().reshape_like(&(rows, steps * n_h))
    }
}
