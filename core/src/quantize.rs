//! Post-training conversion of an f32 model: to f16/bf16 storage, or to int8 with calibration
//! data (docs/QUANTIZATION.md). The trainer's `tinyae quantize` and the test fixtures both use
//! it, so a quantized file is the same whoever writes it.
//!
//! int8: weights symmetric per output channel (`scale = max |w| / 127`), biases in i32 units
//! of `input.scale · weight_scale`, activations asymmetric per tensor from the minimum and
//! maximum each layer's input, pre-activation and output reach on the calibration rows (run
//! through the f32 model), widened to include 0 so zero is exact.

use crate::activation::Activation;
use crate::ir::{Dense, Layer, Model, Op, QParams, Quantization, Storage, Tensor};

/// The model with every weight and bias stored as `storage` (F32, F16 or BF16): values are
/// rounded to nearest even once, exactly as the writer would.
pub fn to_float(model: &Model, storage: Storage) -> Result<Model, String> {
    let round = |v: f32| -> f32 {
        match storage {
            Storage::F16 => half::f16::from_f32(v).to_f32(),
            Storage::Bf16 => half::bf16::from_f32(v).to_f32(),
            _ => v,
        }
    };
    if !matches!(storage, Storage::F32 | Storage::F16 | Storage::Bf16) {
        return Err(format!("{} is not a float storage", storage.dtype_name()));
    }
    let mut m = model.clone();
    for layer in &mut m.layers {
        for_each_dense(&mut layer.op, &mut |d| {
            if d.quant.is_some() {
                return Err(format!("layer is already int8 (`{}`)", d.weight.key));
            }
            for t in std::iter::once(&mut d.weight).chain(d.bias.as_mut()) {
                t.storage = storage;
                t.values.iter_mut().for_each(|v| *v = round(*v));
            }
            Ok(())
        })?;
    }
    Ok(m)
}

fn for_each_dense(
    op: &mut Op,
    f: &mut dyn FnMut(&mut Dense) -> Result<(), String>,
) -> Result<(), String> {
    match op {
        Op::Dense(d) => f(d),
        Op::GaussianHead(h) => {
            f(&mut h.mu)?;
            f(&mut h.log_var)
        }
        other => Err(format!("{} layers keep their precision", other.name())),
    }
}

/// Observed range of one tensor of activations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest value seen.
    pub min: f32,
    /// Largest value seen.
    pub max: f32,
}

impl Range {
    fn empty() -> Self {
        Range { min: f32::INFINITY, max: f32::NEG_INFINITY }
    }

    fn add(&mut self, values: &[f32]) {
        for v in values.iter().filter(|v| v.is_finite()) {
            self.min = self.min.min(*v);
            self.max = self.max.max(*v);
        }
    }

    /// Asymmetric int8 parameters covering `[min(min, 0), max(max, 0)]`.
    pub fn qparams(self) -> QParams {
        let (lo, hi) = (f64::from(self.min.min(0.0)), f64::from(self.max.max(0.0)));
        let span = if hi - lo > 1e-12 { hi - lo } else { 1e-6 };
        let scale = (span / 255.0) as f32;
        let zp = (-128.0 - lo / f64::from(scale)).round().clamp(-128.0, 127.0) as i32;
        QParams { scale, zero_point: zp }
    }
}

/// Per dense layer: ranges of its input, pre-activation and output over the calibration rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// `(input, pre_activation, output)` per layer.
    pub layers: Vec<(Range, Range, Range)>,
    /// Rows seen.
    pub rows: usize,
}

/// Runs the f32 model on raw calibration rows and records every layer's ranges.
pub fn calibrate(model: &Model, rows: &[Vec<f32>]) -> Result<Calibration, String> {
    let mut layers = vec![(Range::empty(), Range::empty(), Range::empty()); model.layers.len()];
    for row in rows {
        let mut h = crate::reference::scale_input(model, row);
        for (l, ranges) in model.layers.iter().zip(&mut layers) {
            let Op::Dense(d) = &l.op else {
                return Err(format!(
                    "layer `{}` is a {}: int8 quantization covers dense layers only",
                    l.name,
                    l.op.name()
                ));
            };
            ranges.0.add(&h);
            let pre = d.apply_rows(&h);
            ranges.1.add(&pre);
            h = pre.iter().map(|v| l.activation.apply(*v)).collect();
            ranges.2.add(&h);
        }
    }
    if rows.is_empty() {
        return Err("no calibration rows".to_owned());
    }
    Ok(Calibration { layers, rows: rows.len() })
}

/// The int8 model: every dense layer quantized with the calibrated ranges (a layer's input
/// parameters are the previous layer's output parameters, so int8 values pass unchanged).
pub fn to_int8(model: &Model, calibration: &Calibration) -> Result<Model, String> {
    let mut m = model.clone();
    let mut input = calibration.layers.first().map(|l| l.0.qparams());
    for (layer, ranges) in m.layers.iter_mut().zip(&calibration.layers) {
        let Layer { op: Op::Dense(d), activation, .. } = layer else {
            return Err(format!(
                "layer `{}`: int8 quantization covers dense layers only",
                layer.name
            ));
        };
        if d.quant.is_some() {
            return Err(format!("layer `{}` is already int8", layer.name));
        }
        let input_q = input.unwrap_or_else(|| ranges.0.qparams());
        let output = ranges.2.qparams();
        let pre_activation = match activation {
            Activation::Linear | Activation::Relu => None,
            _ => Some(ranges.1.qparams()),
        };
        quantize_dense(d, input_q, output, pre_activation);
        input = Some(output);
    }
    Ok(m)
}

/// Quantizes one dense layer's tensors in place.
fn quantize_dense(d: &mut Dense, input: QParams, output: QParams, pre: Option<QParams>) {
    let (n_in, n_out) = (d.in_features, d.out_features);
    let mut scales = Vec::with_capacity(n_out);
    let mut q = Vec::with_capacity(n_in * n_out);
    for o in 0..n_out {
        let row = &d.weight.values[o * n_in..(o + 1) * n_in];
        let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let s = if max > 0.0 { max / 127.0 } else { 1.0 };
        scales.push(s);
        q.extend(
            row.iter().map(|w| (f64::from(*w) / f64::from(s)).round().clamp(-127.0, 127.0) as f32),
        );
    }
    let bias: Vec<i32> = match &d.bias {
        Some(b) => (0..n_out)
            .map(|o| {
                let unit = f64::from(input.scale) * f64::from(scales[o]);
                (f64::from(b.values[o]) / unit).round().clamp(-2e9, 2e9) as i32
            })
            .collect(),
        None => Vec::new(),
    };
    let prefix = d.weight.key.strip_suffix(".weight").unwrap_or(&d.weight.key).to_owned();
    d.weight.storage = Storage::I8;
    d.weight.values = q;
    if let Some(b) = &mut d.bias {
        b.storage = Storage::I32;
        b.values = bias.iter().map(|v| *v as f32).collect();
    }
    d.quant = Some(Box::new(Quantization {
        weight_scale: Tensor::f32(format!("{prefix}.weight_scale"), vec![n_out], scales),
        bias,
        input,
        output,
        pre_activation: pre,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    fn rows(n: usize, width: usize) -> Vec<Vec<f32>> {
        let mut rng = synth::Rng::new(5);
        (0..n).map(|_| (0..width).map(|_| rng.symmetric(1.0)).collect()).collect()
    }

    #[test]
    fn int8_model_round_trips_and_tracks_the_float_model() {
        let m =
            synth::dense_autoencoder(&[12, 6, 3, 6, 12], Activation::Relu, Activation::Sigmoid, 9);
        let data = rows(64, 12);
        let q = to_int8(&m, &calibrate(&m, &data).unwrap()).unwrap();
        crate::validate::validate(&q).unwrap();
        let bytes = crate::format::to_bytes(&q).unwrap();
        let back = crate::load(&bytes).unwrap();
        assert_eq!(back, q, "the file keeps every int8 value");
        let mut worst = 0.0f32;
        for x in &data {
            let (a, b) =
                (crate::reference::reconstruct(&m, x), crate::reference::reconstruct(&q, x));
            worst = a.iter().zip(&b).fold(worst, |w, (a, b)| w.max((a - b).abs()));
        }
        assert!(worst < 0.05, "int8 vs f32: {worst}");
    }

    #[test]
    fn f16_and_bf16_round_trip() {
        let m = synth::dense_autoencoder(&[5, 3, 5], Activation::Tanh, Activation::Linear, 2);
        for st in [Storage::F16, Storage::Bf16] {
            let h = to_float(&m, st).unwrap();
            let back = crate::load(&crate::format::to_bytes(&h).unwrap()).unwrap();
            assert_eq!(back, h);
        }
    }
}
