//! The precision a model is stored in: f32, f16, bf16, int8 (calibrated, as `tinyae quantize`
//! does), pruned (magnitude masks, as `tinyae prune` does), or pruned and then converted.

use super::values::Gen;
use super::{Choices, Domain};
use crate::ir::{Model, Op, QParams, Storage};
use crate::quantize::{calibrate, to_float, to_int8};
use crate::sparse::{apply_masks, magnitude_masks, Scope};

/// How the generated model's weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// As built.
    F32,
    /// Every float weight rounded to IEEE half.
    F16,
    /// Every float weight rounded to bfloat16.
    Bf16,
    /// Every layer int8 (all-dense models only; others stay f32).
    Int8,
}

/// Prunes (sometimes), then converts to a random precision.
pub(super) fn apply<C: Choices>(g: &mut Gen<'_, C>, model: &mut Model) {
    if g.c.below(3) == 0 {
        let sparsity = f64::from(g.uniform(0.3, 0.95));
        let scope = if g.c.coin() { Scope::Global } else { Scope::PerLayer };
        *model = apply_masks(model, &magnitude_masks(model, sparsity, scope));
    }
    match g.c.pick(&[Precision::F32, Precision::F16, Precision::Bf16, Precision::Int8]) {
        Precision::F32 => {}
        Precision::F16 => float(g, model, Storage::F16),
        Precision::Bf16 => float(g, model, Storage::Bf16),
        Precision::Int8 => int8(g, model),
    }
}

/// f16/bf16 dense weights (what `tinyae quantize` converts); in the anything domain the
/// convolution and LSTM tensors too, which keep their precision in every tool.
fn float<C: Choices>(g: &mut Gen<'_, C>, model: &mut Model, storage: Storage) {
    if let Ok(m) = to_float(model, storage) {
        *model = m;
        return;
    }
    let everything = g.bend(2);
    for layer in &mut model.layers {
        let tensors = match &mut layer.op {
            Op::Conv2d(c) if everything => vec![&mut c.weight],
            Op::Lstm(l) if everything => vec![&mut l.weight_ih, &mut l.weight_hh],
            op => op.dense_parts_mut().into_iter().map(|d| &mut d.weight).collect(),
        };
        for t in tensors {
            t.storage = storage;
            let round = |v: f32| match storage {
                Storage::F16 => half::f16::from_f32(v).to_f32(),
                _ => half::bf16::from_f32(v).to_f32(),
            };
            t.values.iter_mut().for_each(|v| *v = round(*v));
        }
    }
}

/// Calibrates on random rows and quantizes every layer; in the anything domain, then bends
/// the quantization parameters.
fn int8<C: Choices>(g: &mut Gen<'_, C>, model: &mut Model) {
    let n = model.input_len();
    let rows: Vec<Vec<f32>> =
        (0..1 + g.c.below(8)).map(|_| (0..n).map(|_| g.uniform(-1.0, 1.0)).collect()).collect();
    let Ok(calibration) = calibrate(model, &rows) else { return };
    let Ok(quantized) = to_int8(model, &calibration) else { return };
    *model = quantized;
    for d in model.layers.iter_mut().flat_map(|l| l.op.dense_parts_mut()) {
        let Some(q) = d.quant.as_mut() else { continue };
        if g.bend(3) {
            bend_qparams(g, &mut q.input);
        }
        if g.bend(3) {
            bend_qparams(g, &mut q.output);
        }
        if g.bend(4) {
            q.pre_activation = if g.c.coin() { None } else { Some(q.output) };
        }
        if g.bend(4) {
            let i = g.c.below(q.weight_scale.values.len());
            q.weight_scale.values[i] = g.hostile();
        }
        if g.bend(4) && !q.bias.is_empty() {
            let i = g.c.below(q.bias.len());
            q.bias[i] = g.c.bits() as i32;
        }
        if g.bend(4) {
            let i = g.c.below(d.weight.values.len());
            d.weight.values[i] = g.c.pick(&[-128.0, 127.0, -127.0, 0.0]);
        }
    }
    // The docs allow any finite positive output scale on the last layer (nothing follows it).
    let last = model.layers.last_mut().and_then(|l| l.op.dense_parts_mut().pop());
    if let (Domain::Documented, Some(q)) = (g.domain, last.and_then(|d| d.quant.as_mut())) {
        q.output.scale = g.positive(1e-3, 0.1);
    }
}

fn bend_qparams<C: Choices>(g: &mut Gen<'_, C>, q: &mut QParams) {
    if g.c.coin() {
        q.scale = if g.c.coin() { g.positive(1e-4, 1.0) } else { g.hostile() };
    } else {
        q.zero_point = g.c.below(601) as i32 - 300;
    }
}
