//! Sizes and work derived from the IR: what `inspect` prints and the macro's constants state.

use crate::ir::{Dense, Layer, Model, Storage};
use crate::plan::buffer_plan;

/// Static figures of a model, independent of how its code is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Weights plus biases.
    pub params: usize,
    /// Multiply-accumulates of one `reconstruct` (a VAE counts its mean head only).
    pub macs: usize,
    /// Bytes of all weights and biases as stored (the flash they take in the generated code).
    pub weight_bytes: usize,
    /// f32 values of scratch the `*_into` functions need.
    pub scratch_len: usize,
    /// Values in one input sample.
    pub input_len: usize,
    /// Values in the latent code.
    pub latent_len: usize,
}

impl Cost {
    /// Bytes of scratch the `*_into` functions need.
    pub fn scratch_bytes(&self) -> usize {
        self.scratch_len * 4
    }

    /// Bytes of buffers the by-value functions keep on the stack: the scratch, the largest
    /// array they fill and the copy of it they return (LLVM does not elide that copy). The
    /// generated `BUFFER_BYTES` of a whole f32 model; call frames come on top (`FRAME_BYTES`).
    pub fn stack_buffer_bytes(&self) -> usize {
        (self.scratch_len + 2 * self.input_len.max(self.latent_len)) * 4
    }
}

/// Computes the figures for a validated model.
pub fn cost(model: &Model) -> Cost {
    let mut totals = layers_cost_from(&model.layers, &model.input_shape);
    totals.macs -= crate::cost_ops::fused_savings(model, 0..model.layers.len());
    Cost {
        params: totals.params,
        macs: totals.macs,
        weight_bytes: totals.weight_bytes,
        scratch_len: buffer_plan(model).scratch_len,
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
    let parts = layer.op.dense_parts();
    if let Some(first) = parts.first() {
        let n: usize = input_shape.iter().product();
        // A dense layer runs once per row of `in_features` values (time-distributed).
        let rows = n.checked_div(first.in_features).unwrap_or(0).max(1);
        return LayersCost {
            params: parts.iter().map(|d| dense_params(d)).sum(),
            weight_bytes: parts.iter().map(|d| dense_bytes(d)).sum(),
            macs: rows * first.in_features * first.out_features,
        };
    }
    crate::cost_ops::layer_cost(&layer.op, input_shape)
}

/// Bytes the same weights would take if stored as `storage` (for `inspect`'s per-precision
/// table).
pub fn weight_bytes_as(model: &Model, storage: Storage) -> usize {
    let dense = model.layers.iter().flat_map(|l| l.op.dense_parts()).map(dense_params);
    let other = model
        .layers
        .iter()
        .filter(|l| l.op.dense_parts().is_empty())
        .map(|l| crate::cost_ops::stored_values(&l.op));
    (dense.sum::<usize>() + other.sum::<usize>()) * storage.bytes()
}

fn dense_params(d: &Dense) -> usize {
    d.in_features * d.out_features + d.bias.as_ref().map_or(0, |_| d.out_features)
}

fn dense_bytes(d: &Dense) -> usize {
    d.weight.numel() * d.weight.storage.bytes()
        + d.bias.as_ref().map_or(0, |b| b.numel() * b.storage.bytes())
}
