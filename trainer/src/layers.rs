//! Convolutional, pooling, upsampling and recurrent layers on run-time shapes: their
//! parameters and geometry. The arithmetic, forward and backward, is in [`crate::kernels`]
//! (custom ops on dfdx's tape).
//!
//! Batches stay `(rows, values)` between layers, each sample flat in the file's layout (CHW
//! feature maps, `[steps, features]` sequences).

use dfdx::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;
use tinyae_core::ir::Padding;
use tinyae_core::Activation;

use crate::kernels::conv::ConvPlan;
use crate::kernels::pool::Resample;
use crate::net::{Mat, Vector};

fn uniform(n: usize, bound: f64, rng: &mut StdRng) -> Vec<f32> {
    (0..n).map(|_| rng.gen_range(-bound..bound) as f32).collect()
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
    /// What the kernels precompute from the geometry (im2col indices, chunk size).
    pub plan: ConvPlan,
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
        ConvParams {
            w: dev.tensor_from_vec(w, (taps, out)),
            b: dev.tensor_from_vec(b, (out,)),
            geometry,
            plan: ConvPlan::new(&geometry),
        }
    }

    /// The layer on a batch: `(rows, c·h·w)` → `(rows, out·oh·ow)`, channel-major.
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        self.forward_activated(x, Activation::Linear)
    }

    /// The layer followed by `act`, fused into one op.
    pub fn forward_activated<T: Tape<f32, Cpu>>(&self, x: Mat<T>, act: Activation) -> Mat<T> {
        crate::kernels::conv::forward(self, x, act)
    }
}

/// A layer without weights: max pooling, upsampling or repeating ([`Resample`]).
#[derive(Debug, Clone)]
pub struct Gather {
    /// Which input value each output takes.
    pub resample: Resample,
}

impl Gather {
    /// Max pooling of `[c, h, w]` by `kernel` windows every `stride`.
    pub fn max_pool(_dev: &Cpu, input: [usize; 3], kernel: [usize; 2], stride: [usize; 2]) -> Self {
        Gather { resample: Resample::MaxPool { input, kernel, stride } }
    }

    /// Nearest-neighbour upsampling of `[c, h, w]` by `factor`.
    pub fn upsample(_dev: &Cpu, input: [usize; 3], factor: [usize; 2]) -> Self {
        Gather { resample: Resample::Upsample { input, factor } }
    }

    /// `[features]` → `[times, features]`.
    pub fn repeat(_dev: &Cpu, features: usize, times: usize) -> Self {
        Gather { resample: Resample::Repeat { features, times } }
    }

    /// The layer on a batch.
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>) -> Mat<T> {
        self.resample.forward(x)
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
    pub fn forward<T: Tape<f32, Cpu>>(&self, x: Mat<T>, steps: usize) -> Mat<T> {
        crate::kernels::lstm::forward(self, x, steps)
    }
}
