//! The reference interpreter: evaluates any valid model with plain f32 loops.
//!
//! It is the oracle of every parity test, so it is written for obviousness, not speed, and
//! fixes the evaluation order the generated code follows:
//!
//! - input scaling: `x' = (x - offset) * scale`, feature by feature;
//! - dense: `y[o] = b[o] + w[o][0] * x[0] + w[o][1] * x[1] + ...`, summed in input order,
//!   starting from `+0.0` when there is no bias, no fused multiply-add, terms with a zero
//!   weight skipped; quantized (int8) layers follow `crate::quant`. The `*_with` functions
//!   take the multiply-accumulate form ([`Mac`]): with [`Mac::Fused`] (the macro's `fma`
//!   option) every term of a dense layer or Gaussian head is `w.mul_add(x, acc)` instead, in
//!   the same order;
//! - activation: [`Activation::apply`](crate::Activation::apply) on every output;
//! - output unscaling: `x = x' * range + offset`;
//! - anomaly score: the metric's terms summed in feature order in the scaled space, divided
//!   by the feature count.
//!
//! A VAE's encoder output is the mean of its Gaussian head; `reconstruct` decodes the mean.
//! Every op's evaluation, with its summation order, is its `reference` (`crate::op`).

use crate::ir::{Dense, Layer, Metric, Model, Op};
pub use tinyae_arith::mac::Mac;

/// Applies one dense layer (without activation): [`Dense::apply`].
pub fn dense(d: &Dense, x: &[f32]) -> Vec<f32> {
    d.apply(x)
}

/// Applies one layer, activation included, to a flat input (for layers that need no input
/// shape: dense layers and Gaussian heads; see [`layer_shaped`]). A Gaussian head yields its
/// mean.
pub fn layer(l: &Layer, x: &[f32]) -> Vec<f32> {
    layer_shaped(l, &[x.len()], x)
}

/// Applies one layer, activation included, to an input of shape `shape` (CHW feature maps,
/// `[steps, features]` sequences; each op's `reference` documents its order).
pub fn layer_shaped(l: &Layer, shape: &[usize], x: &[f32]) -> Vec<f32> {
    layer_shaped_with(l, shape, x, Mac::Separate)
}

/// [`layer_shaped`] with the multiply-accumulate form `mac`.
pub fn layer_shaped_with(l: &Layer, shape: &[usize], x: &[f32], mac: Mac) -> Vec<f32> {
    let mut y = l.op.spec().reference_with(shape, x, mac);
    for v in &mut y {
        *v = l.activation.apply(*v);
    }
    y
}

/// Maps raw inputs to the model's scaled space.
pub fn scale_input(model: &Model, x: &[f32]) -> Vec<f32> {
    match model.preprocessing.affine(model.input_len()) {
        None => x.to_vec(),
        Some(a) => x.iter().enumerate().map(|(i, v)| (v - a.offset[i]) * a.scale[i]).collect(),
    }
}

/// Maps model outputs back to user units.
pub fn unscale_output(model: &Model, y: &[f32]) -> Vec<f32> {
    match model.preprocessing.affine(model.input_len()) {
        None => y.to_vec(),
        Some(a) => y.iter().enumerate().map(|(i, v)| v * a.range[i] + a.offset[i]).collect(),
    }
}

/// Runs layers `layers` on already-scaled values, taken as a vector (for layers that need
/// no input shape; see [`run_from`]).
pub fn run(layers: &[Layer], x: &[f32]) -> Vec<f32> {
    run_from(layers, &[x.len()], x)
}

/// Runs layers `layers` on already-scaled values of shape `shape` (e.g. the model's
/// `input_shape`, or the latent layer's output shape for the decoder).
pub fn run_from(layers: &[Layer], shape: &[usize], x: &[f32]) -> Vec<f32> {
    run_from_with(layers, shape, x, Mac::Separate)
}

/// [`run_from`] with the multiply-accumulate form `mac` (int8 layers have none: integer sums).
pub fn run_from_with(layers: &[Layer], shape: &[usize], x: &[f32], mac: Mac) -> Vec<f32> {
    if crate::quant::any_quantized(layers) {
        // int8 layers: quantized on entry, dequantized on exit (`crate::quant`).
        return crate::quant::run_from(layers, shape, x);
    }
    let mut shape = shape.to_vec();
    let mut h = x.to_vec();
    for l in layers {
        h = layer_shaped_with(l, &shape, &h, mac);
        shape = crate::shape::layer_output(l, &shape).unwrap_or_else(|| vec![h.len()]);
    }
    h
}

/// The latent code of a raw input (a VAE's mean).
pub fn encode(model: &Model, x: &[f32]) -> Vec<f32> {
    encode_with(model, x, Mac::Separate)
}

/// [`encode`] with the multiply-accumulate form `mac`.
pub fn encode_with(model: &Model, x: &[f32], mac: Mac) -> Vec<f32> {
    run_from_with(model.encoder(), &model.input_shape, &scale_input(model, x), mac)
}

/// The decoder's output for a latent code, in user units.
pub fn decode(model: &Model, z: &[f32]) -> Vec<f32> {
    decode_with(model, z, Mac::Separate)
}

/// [`decode`] with the multiply-accumulate form `mac`.
pub fn decode_with(model: &Model, z: &[f32], mac: Mac) -> Vec<f32> {
    let latent_shape = &model.shapes()[model.latent_layer + 1];
    unscale_output(model, &run_from_with(model.decoder(), latent_shape, z, mac))
}

/// The reconstruction of a raw input, in user units.
pub fn reconstruct(model: &Model, x: &[f32]) -> Vec<f32> {
    reconstruct_with(model, x, Mac::Separate)
}

/// [`reconstruct`] with the multiply-accumulate form `mac`.
pub fn reconstruct_with(model: &Model, x: &[f32], mac: Mac) -> Vec<f32> {
    let ys = run_from_with(&model.layers, &model.input_shape, &scale_input(model, x), mac);
    unscale_output(model, &ys)
}

/// The reconstruction error of a raw input in the scaled space (the model's anomaly metric,
/// MSE when the file has no anomaly section).
pub fn anomaly_score(model: &Model, x: &[f32]) -> f32 {
    anomaly_score_with(model, x, Mac::Separate)
}

/// [`anomaly_score`] with the multiply-accumulate form `mac` (the score's own sum is never
/// fused: `rt::score` adds its terms separately).
pub fn anomaly_score_with(model: &Model, x: &[f32], mac: Mac) -> f32 {
    let xs = scale_input(model, x);
    let ys = run_from_with(&model.layers, &model.input_shape, &xs, mac);
    let metric = model.anomaly.as_ref().map_or(Metric::Mse, |a| a.metric);
    score(metric, &xs, &ys)
}

/// The metric between two equally long vectors, summed in order then divided by the length.
pub fn score(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        sum += match metric {
            Metric::Mse => d * d,
            Metric::Mae => d.abs(),
        };
    }
    sum / a.len() as f32
}

/// Whether the score exceeds the calibrated threshold (`None` without an anomaly section).
pub fn is_anomaly(model: &Model, x: &[f32]) -> Option<bool> {
    let threshold = model.anomaly.as_ref()?.threshold;
    Some(anomaly_score(model, x) > threshold)
}

/// A VAE's latent sample `mu + exp(0.5 * log_var) * eps` for caller-supplied noise `eps`;
/// `None` for a plain autoencoder.
pub fn sample_latent(model: &Model, x: &[f32], eps: &[f32]) -> Option<Vec<f32>> {
    let latent = &model.layers[model.latent_layer];
    let Op::GaussianHead(head) = &latent.op else { return None };
    let h =
        run_from(&model.layers[..model.latent_layer], &model.input_shape, &scale_input(model, x));
    let mu = dense(&head.mu, &h);
    let log_var = dense(&head.log_var, &h);
    Some(
        mu.iter()
            .zip(&log_var)
            .zip(eps)
            .map(|((m, lv), e)| tinyae_arith::activation::reparameterize(*m, *lv, *e))
            .collect(),
    )
}
