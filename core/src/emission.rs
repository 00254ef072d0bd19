//! What the generated code holds for a model and the macro's options: the one cost model that
//! the macro's constants (`PARAMS`, `MACS`, `WEIGHT_BYTES`, `SCRATCH_LEN`, `BUFFER_BYTES`), the
//! generated rustdoc table and `tinyae inspect` all read, so they agree by construction.
//!
//! The file's bytes ([`crate::cost`]) and the generated code's differ: pruned layers are stored
//! compressed, unrolled layers keep only their non-zero weights as immediates, int8 layers add
//! requantization constants and activation tables, LSTM biases are folded, and per-feature input
//! scaling is a table of its own.

use crate::cost::{fused_savings, layer_cost, LayersCost};
use crate::ir::{Layer, Model, Op};
use crate::plan::{buffer_plan, BufferPlan, Values};
use crate::Activation;

/// How layers are turned into code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unroll {
    /// Every multiply-accumulate is a statement with the weight as an immediate.
    Full,
    /// Weights in `static` arrays, applied by const-generic runtime kernels.
    Loops,
    /// [`Unroll::Full`] for layers of at most [`AUTO_FULL_MAX_MACS`] MACs, loops above.
    Auto,
}

/// Largest layer `auto` unrolls fully.
///
/// Measured on this project's x86 machine (docs/UNROLL.md, `bench/run`): the blocked kernels
/// vectorize across outputs and beat straight-line code from 16 MACs per layer (by 2× and more
/// from 32 MACs, and 4× on the ECG-sized model as a whole), while straight-line code only ties
/// them on the 6-MAC layers of the 3-2-3 sensor model, at the same code size. So `auto`
/// unrolls only such tiny layers, where there is no loop to vectorize.
pub const AUTO_FULL_MAX_MACS: usize = 8;

impl Unroll {
    /// Whether a layer with `macs` multiply-accumulates is emitted fully unrolled.
    pub fn full_for(self, macs: usize) -> bool {
        match self {
            Unroll::Full => true,
            Unroll::Loops => false,
            Unroll::Auto => macs <= AUTO_FULL_MAX_MACS,
        }
    }
}

/// Which halves of the model to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// Encoder and decoder: the whole API.
    All,
    /// Only `encode` (compress on the device, decompress elsewhere).
    Encoder,
    /// Only `decode`.
    Decoder,
}

impl Parts {
    /// Whether the encoder's layers are emitted.
    pub fn encoder(self) -> bool {
        matches!(self, Parts::All | Parts::Encoder)
    }

    /// Whether the decoder's layers are emitted.
    pub fn decoder(self) -> bool {
        matches!(self, Parts::All | Parts::Decoder)
    }

    /// Whether layer `j` of a model whose latent layer is `latent` is emitted.
    pub fn emits(self, j: usize, latent: usize) -> bool {
        if j <= latent {
            self.encoder()
        } else {
            self.decoder()
        }
    }
}

/// Whether float dense layers fuse each multiply-add (`fma(x, w, acc)`, one rounding) or keep
/// it separate (`acc + x · w`, two roundings). The reference interpreter follows the choice
/// (`reference::*_with`, [`tinyae_arith::mac::Mac`]), so results stay bit-exact either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fma {
    /// Separate multiply and add on every target (tinyae's arithmetic before this option).
    Off,
    /// Fused on every target: the hardware instruction where the build enables it (x86
    /// `+fma`: `vfmadd`; Arm `eabihf` cores: `vfma.f32`, which needs VFPv4, as every Cortex-M
    /// FPU has), else `libm::fmaf` (exact, but a software routine: 50-120× slower on generic
    /// x86-64, docs/BENCHMARKS.md).
    On,
    /// Fused on the targets where the fused form measured faster
    /// ([`tinyae_arith::mac::FMA_AUTO_PREDICATE`]: none so far), else separate; separate for a
    /// model whose layers the fused kernels do not cover.
    Auto,
}

/// Everything that shapes the generated code besides the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Unrolling policy.
    pub unroll: Unroll,
    /// Which halves to emit.
    pub parts: Parts,
    /// Fused multiply-add in float dense layers.
    pub fma: Fma,
}

impl Default for Options {
    fn default() -> Self {
        Options { unroll: Unroll::Auto, parts: Parts::All, fma: Fma::Off }
    }
}

impl Options {
    /// Whether a dense layer (or Gaussian head part) is emitted as straight-line code.
    pub fn unrolls(self, d: &crate::ir::Dense) -> bool {
        self.unroll.full_for(d.in_features * d.out_features)
    }
}

/// The figures of the generated code.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    /// Weights plus biases of the emitted layers.
    pub params: usize,
    /// Multiply-accumulates of one pass through the emitted layers.
    pub macs: usize,
    /// Flash of constant data: weights in their emitted form, biases, requantization
    /// constants, activation tables and per-feature input scaling.
    pub weight_bytes: usize,
    /// Where values live between layers, and the scratch length.
    pub plan: BufferPlan,
    /// What the values between layers are (f32, or int8 for an all-int8 model).
    pub values: Values,
    /// Values in one input sample.
    pub input_len: usize,
    /// Values in the latent code.
    pub latent_len: usize,
    /// Whether the by-value functions return the reconstruction (else the code).
    pub returns_input_len: bool,
}

impl Emitted {
    /// Length of the scratch the `*_into` functions take, in values ([`Values::bytes`] each).
    pub fn scratch_len(&self) -> usize {
        self.plan.scratch_len
    }

    /// Bytes of that scratch.
    pub fn scratch_bytes(&self) -> usize {
        self.plan.scratch_len * self.values.bytes()
    }

    /// Bytes of arrays the by-value functions keep on the stack: their scratch, the f32 array
    /// they fill and the copy of it they return (LLVM does not elide that copy when the call
    /// is not inlined). Call frames come on top (`FRAME_BYTES`).
    pub fn buffer_bytes(&self) -> usize {
        let largest = if self.returns_input_len { self.input_len } else { self.latent_len };
        self.scratch_bytes() + 2 * largest * 4
    }
}

/// The figures of `model`'s generated code under `options` (a validated model).
pub fn emitted(model: &Model, options: Options) -> Emitted {
    let values = Values::of_parts(model, options.parts);
    let plan = buffer_plan(model, values, options.parts);
    let shapes = model.shapes();
    let k = model.latent_layer;
    let emitted = |j: &usize| options.parts.emits(*j, k);
    let total = (0..model.layers.len()).filter(emitted).fold(LayersCost::default(), |t, j| {
        let layer = &model.layers[j];
        let c = layer_cost(layer, &shapes[j]);
        LayersCost {
            params: t.params + c.params,
            macs: t.macs + c.macs - fused_savings(model, j..j + 1),
            weight_bytes: t.weight_bytes + layer_bytes(layer, c, options),
        }
    });
    let n = model.input_len();
    let scaling = model.preprocessing.affine(n).filter(|a| !a.is_uniform());
    Emitted {
        params: total.params,
        macs: total.macs,
        weight_bytes: total.weight_bytes + scaling.map_or(0, |_| 3 * n * 4),
        plan,
        values,
        input_len: n,
        latent_len: model.latent_len(),
        returns_input_len: options.parts.decoder(),
    }
}

/// Bytes of constant data one layer takes in the generated code (`cost` is its file cost).
pub fn layer_bytes(layer: &Layer, cost: LayersCost, options: Options) -> usize {
    let parts = layer.op.dense_parts();
    if parts.is_empty() {
        return cost.weight_bytes;
    }
    parts
        .iter()
        .map(|d| {
            let weights = crate::sparse::weight_bytes(d, options.unrolls(d));
            match &d.quant {
                // Per output: the folded i32 bias and the requantization constants (`rt::Rq`,
                // 8 bytes); a table per layer whose activation is one.
                Some(q) => {
                    let table = int8_table(q, layer.activation);
                    weights + 12 * d.out_features + if table { 256 } else { 0 }
                }
                None => weights + d.bias.as_ref().map_or(0, |b| b.numel() * b.storage.bytes()),
            }
        })
        .sum()
}

/// Whether an int8 layer maps its outputs through a 256-entry activation table.
pub fn int8_table(q: &crate::ir::Quantization, activation: Activation) -> bool {
    q.pre_activation.is_some() || !matches!(activation, Activation::Linear | Activation::Relu)
}

/// Bytes of the int8 layout the format reserves if the model were quantized: int8 weights, an
/// f32 scale and an i32 bias per output channel (an LSTM: per gate row). An estimate for
/// `inspect`'s table of precisions (requantization constants and tables come on top).
pub fn int8_estimate(model: &Model) -> usize {
    model
        .layers
        .iter()
        .map(|l| {
            let weights: usize =
                l.op.tensors().iter().filter(|t| t.shape.len() > 1).map(|t| t.numel()).sum();
            let channels = match &l.op {
                Op::Dense(d) => d.out_features,
                Op::GaussianHead(h) => 2 * h.mu.out_features,
                Op::Conv2d(c) => c.out_channels,
                Op::ConvTranspose2d(c) => c.out_channels,
                Op::Lstm(lstm) => 4 * lstm.hidden_size,
                _ => 0,
            };
            weights + 8 * channels
        })
        .sum()
}
