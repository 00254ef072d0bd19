//! Sizes and work of a model file derived from the IR: parameters, MACs, stored bytes, per layer
//! and in total ([`crate::emission`] turns them into the generated code's figures).

use crate::ir::{Layer, Model, Op, Storage, Tensor};

/// Figures of a model file, independent of how its code is generated (the generated code's
/// are [`crate::emission::emitted`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Weights plus biases.
    pub params: usize,
    /// Multiply-accumulates of one `reconstruct` (a VAE counts its mean head only).
    pub macs: usize,
    /// Bytes of all weights and biases as the file stores them.
    pub weight_bytes: usize,
    /// Values in one input sample.
    pub input_len: usize,
    /// Values in the latent code.
    pub latent_len: usize,
}

/// Computes the figures for a validated model.
pub fn cost(model: &Model) -> Cost {
    let mut totals = layers_cost_from(&model.layers, &model.input_shape);
    totals.macs -= fused_savings(model, 0..model.layers.len());
    Cost {
        params: totals.params,
        macs: totals.macs,
        weight_bytes: totals.weight_bytes,
        input_len: model.input_len(),
        latent_len: model.latent_len(),
    }
}

/// Parameters, MACs and stored bytes of some layers (e.g. only the encoder's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayersCost {
    /// Weights plus biases (both heads of a VAE's Gaussian layer).
    pub params: usize,
    /// Multiply-accumulates of one pass (a Gaussian layer counts its mean head only).
    pub macs: usize,
    /// Bytes of weights and biases as stored.
    pub weight_bytes: usize,
}

impl LayersCost {
    /// A layer of one weight tensor and an optional bias that performs `macs`
    /// multiply-accumulates.
    pub fn weight_and_bias(weight: &Tensor, bias: Option<&Tensor>, macs: usize) -> Self {
        let bytes = |t: &Tensor| t.numel() * t.storage.bytes();
        LayersCost {
            params: weight.numel() + bias.map_or(0, Tensor::numel),
            weight_bytes: bytes(weight) + bias.map_or(0, bytes),
            macs,
        }
    }
}

/// Sums [`LayersCost`] over `layers`, starting from a vector of the first layer's declared
/// width (for dense layers; see [`layers_cost_from`] for layers that need their input shape).
pub fn layers_cost(layers: &[Layer]) -> LayersCost {
    let width = layers.first().map_or(0, |l| l.op.in_features());
    layers_cost_from(layers, &[width])
}

/// Sums [`LayersCost`] over `layers` run on an input of shape `input_shape`.
pub fn layers_cost_from(layers: &[Layer], input_shape: &[usize]) -> LayersCost {
    let mut total = LayersCost::default();
    let mut shape = input_shape.to_vec();
    for layer in layers {
        let c = layer_cost(layer, &shape);
        total.params += c.params;
        total.weight_bytes += c.weight_bytes;
        total.macs += c.macs;
        shape = crate::shape::layer_output(layer, &shape).unwrap_or_default();
    }
    total
}

/// The cost of one layer given its input shape.
pub fn layer_cost(layer: &Layer, input_shape: &[usize]) -> LayersCost {
    layer.op.spec().cost(input_shape)
}

/// Bytes the same weights would take if stored as `storage` (for `inspect`'s per-precision
/// table).
pub fn weight_bytes_as(model: &Model, storage: Storage) -> usize {
    let values: usize = model.layers.iter().flat_map(|l| l.op.tensors()).map(|t| t.numel()).sum();
    values * storage.bytes()
}

/// The input-term MACs that the LSTMs among `layers` (indices) after a fused repeat
/// (`crate::plan::fused_repeat`) do not repeat: they compute them once instead of at every
/// step.
pub fn fused_savings(model: &Model, layers: std::ops::Range<usize>) -> usize {
    let shapes = model.shapes();
    layers
        .filter(|&j| j > 0 && crate::plan::fused_repeat(model, j - 1))
        .map(|j| match (&model.layers[j].op, shapes[j].as_slice()) {
            (Op::Lstm(l), &[steps, _]) => {
                steps.saturating_sub(1) * 4 * l.hidden_size * l.input_size
            }
            _ => 0,
        })
        .sum()
}
