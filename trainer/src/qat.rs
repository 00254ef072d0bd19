//! Quantization-aware training (`tinyae qat`): a trained f32 dense model is fine-tuned with
//! its int8 arithmetic simulated in the forward pass ("fake quantization"), then converted to
//! int8 like `tinyae quantize` does after training.
//!
//! The forward pass rounds what the int8 code rounds, with the same rules as
//! `tinyae_core::quantize`: every dense weight to its output channel's symmetric scale
//! (`max |w| / 127`), and the input, every pre-activation that goes through a table
//! (activations other than linear and relu) and every layer output to the asymmetric per-tensor
//! parameters calibrated from min/max over training rows of the starting model. Gradients pass
//! through the rounding unchanged (the straight-through estimator: `x + const(q(x) - x)`), and
//! the optimizer updates the float "shadow" weights, which are rounded again before the next
//! batch. The activation ranges stay fixed during fine-tuning; the final conversion
//! recalibrates them on the fine-tuned model.

use anyhow::{ensure, Result};
use dfdx::prelude::*;
use rand::{rngs::StdRng, SeedableRng};
use tinyae_core::ir::Model;
use tinyae_core::quant::QParams;
use tinyae_core::quantize::Calibration;
use tinyae_core::Activation;

use crate::export::from_model;
use crate::net::{activate, Mat, Net};
use crate::objective::Loss;
use crate::pipeline::{build_model, Prepared};
use crate::quantize::{calibration_rows, reduce, Precision};
use crate::train::{derive_seed, validation_loss, Outcome, State};

/// The stream of QAT's shuffling generator, distinct from training's and pruning's.
const STREAM: u64 = 9;

/// `x` with its values replaced by their int8 round trip `(q(x) - zp) · scale`, the gradient
/// passing straight through.
fn fake_quant<T: Tape<f32, Cpu>>(x: Mat<T>, q: QParams) -> Mat<T> {
    let values = x.as_vec();
    let delta: Vec<f32> = values.iter().map(|&v| q.dequantize(q.quantize(v)) - v).collect();
    let delta = x.device().tensor_from_vec(delta, *x.shape());
    x + delta
}

/// Weights rounded to int8 per output channel (columns of the `(in, out)` matrices); biases
/// and other tensors unchanged.
pub fn fake_quant_weights(net: &Net, shadow: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let shapes = net.param_shapes();
    let names = net.param_names();
    shadow
        .iter()
        .zip(shapes.iter().zip(&names))
        .map(|(w, (shape, name))| match shape.as_slice() {
            [rows, cols] if name.ends_with("weight") => {
                let mut q = w.clone();
                for o in 0..*cols {
                    let max = (0..*rows).fold(0.0f32, |m, i| m.max(w[i * cols + o].abs()));
                    let s = if max > 0.0 { max / 127.0 } else { 1.0 };
                    for i in 0..*rows {
                        let v = (f64::from(w[i * cols + o]) / f64::from(s))
                            .round()
                            .clamp(-127.0, 127.0);
                        q[i * cols + o] = v as f32 * s;
                    }
                }
                q
            }
            _ => w.clone(),
        })
        .collect()
}

/// The forward pass of the int8 model, simulated: `input` scaled (f32), output in the scaled
/// space. `raw_last` leaves the output layer's activation out (BCE logits; no output rounding).
pub fn forward<T: Tape<f32, Cpu> + Merge<T>>(
    net: &Net,
    cal: &Calibration,
    input: Mat<T>,
    raw_last: bool,
) -> Mat<T> {
    let last = net.layers.len() - 1;
    let mut h = fake_quant(input, cal.layers[0].0.qparams());
    for (j, (layer, ranges)) in net.layers.iter().zip(&cal.layers).enumerate() {
        let pre = net.run(j..j + 1, h, true);
        if raw_last && j == last {
            return pre;
        }
        let pre = match layer.activation {
            Activation::Linear | Activation::Relu => pre,
            _ => fake_quant(pre, ranges.1.qparams()),
        };
        h = fake_quant(activate(pre, layer.activation), ranges.2.qparams());
    }
    h
}

/// Fine-tunes `model` (f32, dense) for `epochs` with int8 simulated, then converts it to int8
/// calibrated on `rows` training rows. Returns the int8 model and the f32 validation loss of
/// the shadow weights after each epoch.
pub fn qat(
    model: &Model,
    prepared: &Prepared,
    epochs: usize,
    rows: usize,
    mut log: impl FnMut(&str),
) -> Result<(Model, Vec<f64>)> {
    ensure!(epochs >= 1, "--epochs must be at least 1");
    let cal = tinyae_core::quantize::calibrate(model, &calibration_rows(&prepared.train_raw, rows))
        .map_err(|e| anyhow::anyhow!("cannot calibrate for int8: {e}"))?;
    let mut net = from_model(model)?;
    let settings = &prepared.settings;
    let mut state = State::new(&net, settings.optimizer);
    let mut shadow = net.param_values();
    let train = &prepared.train;
    let n = train.features();
    let mut losses = Vec::new();
    for epoch in 1..=epochs {
        let mut rng = StdRng::seed_from_u64(derive_seed(settings.seed, epoch, STREAM));
        let mut order: Vec<usize> = (0..train.len()).collect();
        rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rng);
        for chunk in order.chunks(settings.batch_size) {
            net.set_param_values(&fake_quant_weights(&net, &shadow));
            let mut x = Vec::with_capacity(chunk.len() * n);
            for &i in chunk {
                x.extend_from_slice(train.row(i));
            }
            let target = match &settings.targets {
                Some(t) => {
                    net.batch(chunk.iter().flat_map(|&i| t.row(i).to_vec()).collect(), chunk.len())
                }
                None => net.batch(x.clone(), chunk.len()),
            };
            let raw = settings.objective.loss == Loss::Bce;
            let input = net.batch(x, chunk.len()).traced(Gradients::leaky());
            let loss = settings.objective.recon(forward(&net, &cal, input, raw), &target);
            let value = loss.array();
            ensure!(value.is_finite(), "the loss became {value} during QAT (epoch {epoch})");
            let grads = loss.backward();
            state.optimizer.update(&mut shadow, &net.param_grads(&grads));
        }
        net.set_param_values(&shadow);
        let val = prepared.val.as_ref().unwrap_or(train);
        let loss = validation_loss(&net, &settings.objective, val, settings.batch_size);
        log(&format!("epoch {epoch}/{epochs}: validation loss (f32 shadow weights) {loss:.6}"));
        losses.push(loss);
    }
    state.epochs_done = epochs;
    let tuned = build_model(prepared, &net, &state, Outcome::Completed)?;
    let mut out = reduce(&tuned, Precision::Int8, prepared, rows)?;
    out.provenance.extra.push((
        "quantization_aware_training".to_owned(),
        format!(
            "{epochs} epochs of fine-tuning with int8 weights, inputs, outputs and table \
             pre-activations simulated (straight-through gradients), ranges from {} training rows",
            cal.rows
        ),
    ));
    Ok((out, losses))
}
