//! int8 semantics: the definition the reference interpreter and the generated code share
//! (docs/FORMAT.md, "int8 layers").
//!
//! A quantized dense layer holds int8 weights `q_w[o][i]` (symmetric per output channel,
//! `w ≈ weight_scale[o] · q_w`), an i32 bias in units of `input.scale · weight_scale[o]`, and
//! per-tensor asymmetric activation parameters for its input and output (`x ≈ scale · (q -
//! zero_point)`). Evaluation is integer only:
//!
//! 1. `acc[o] = bias[o] + Σ_i q_w[o][i] · (q_x[i] - input.zero_point)` in i32 (exact: the
//!    validator bounds every layer so no sum can overflow, so any order gives the same value);
//! 2. requantization with a fixed-point multiplier `m[o]` and shift `s[o]` derived from
//!    `input.scale · weight_scale[o] / target.scale` ([`Requant`]):
//!    `t = (acc · m + 2^(s-1)) >> s` (64-bit product, arithmetic shift: round half up), then
//!    `q = clamp(t + target.zero_point, -128, 127)`;
//! 3. the activation: `linear` keeps `q`; `relu` takes `max(q, output.zero_point)`; any other
//!    activation (and relu/linear when `pre_activation` is given) requantizes to the
//!    `pre_activation` parameters (by default the `output` parameters) and maps through a
//!    256-entry table [`lut`] built from the f32 activation, so reference and generated code
//!    share the same table.
//!
//! Floats appear only at the edges of a run of int8 layers ([`QParams::quantize`],
//! [`QParams::dequantize`]) and when tables and multipliers are derived, at compile time.

use crate::activation::Activation;
use crate::ir::{Dense, Layer, Op, Tensor};

/// Per-tensor affine quantization of activations: `x ≈ scale · (q - zero_point)`, `q` in
/// `[-128, 127]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QParams {
    /// Size of one step, finite and > 0.
    pub scale: f32,
    /// The integer that represents 0, in `[-128, 127]`.
    pub zero_point: i32,
}

impl QParams {
    /// `1 / scale` rounded to f32 once: quantizing multiplies by it (as input scaling does).
    pub fn inv_scale(self) -> f32 {
        1.0 / self.scale
    }

    /// `clamp(roundf(v · inv_scale) + zero_point, -128, 127)`: round half away from zero
    /// (`libm::roundf`), NaN maps to the zero point.
    pub fn quantize(self, v: f32) -> i8 {
        quantize_with(v, self.inv_scale(), self.zero_point)
    }

    /// `(q - zero_point) · scale` in f32 (the difference converts exactly).
    pub fn dequantize(self, q: i8) -> f32 {
        (i32::from(q) - self.zero_point) as f32 * self.scale
    }
}

/// [`QParams::quantize`] with the reciprocal already computed (what the generated code does).
pub fn quantize_with(v: f32, inv_scale: f32, zero_point: i32) -> i8 {
    tinyae_arith::quant::quantize(v, inv_scale, zero_point)
}

/// The int8 parameters of a quantized dense layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantization {
    /// `F32 [out]`: the scale of each output channel's weights.
    pub weight_scale: Tensor,
    /// The exact values of the layer's `I32` bias (empty without a bias). The bias tensor's
    /// `values` hold the nearest f32, for display only.
    pub bias: Vec<i32>,
    /// Quantization of the layer's input.
    pub input: QParams,
    /// Quantization of the layer's output (after the activation).
    pub output: QParams,
    /// Quantization of the value before the activation, for table activations.
    pub pre_activation: Option<QParams>,
}

/// A fixed-point multiplier: `t = (acc · multiplier + 2^(shift-1)) >> shift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requant {
    /// In `[2^30, 2^31)`.
    pub multiplier: i32,
    /// In `[1, 62]`.
    pub shift: u32,
}

impl Requant {
    /// The multiplier and shift for the real factor `input · weight / output`, computed in
    /// f64 (each operation rounded to nearest, so every platform gets the same bits):
    /// `m = (input · weight) / output = f · 2^e` with `f` in `[0.5, 1)`,
    /// `multiplier = round(f · 2^31)` (ties away from zero; `2^31` becomes `2^30` with `e + 1`),
    /// `shift = 31 - e`. `None` when the shift falls outside `[1, 62]` (a factor of at least
    /// 2^30 or below 2^-32) or the factor is not a positive finite number.
    pub fn new(input: f32, weight: f32, output: f32) -> Option<Requant> {
        let m = (f64::from(input) * f64::from(weight)) / f64::from(output);
        if !(m.is_finite() && m > 0.0) {
            return None;
        }
        let (f, mut e) = frexp(m);
        let mut q = (f * 2f64.powi(31)).round() as i64;
        if q == 1 << 31 {
            q = 1 << 30;
            e += 1;
        }
        let shift = 31 - e;
        if !(1..=62).contains(&shift) {
            return None;
        }
        Some(Requant { multiplier: q as i32, shift: shift as u32 })
    }

    /// `clamp(((acc · multiplier + 2^(shift-1)) >> shift) + zero_point, -128, 127)`.
    pub fn apply(self, acc: i32, zero_point: i32) -> i8 {
        tinyae_arith::quant::requantize(acc, self.multiplier, self.shift, zero_point)
    }
}

/// `m = f · 2^e` with `f` in `[0.5, 1)` for a positive normal f64.
fn frexp(m: f64) -> (f64, i32) {
    let bits = m.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let f = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (f, e)
}

/// The activation table of a layer: entry `q + 128` is
/// `output.quantize(activation(pre.dequantize(q)))`, every step in f32 as docs/FORMAT.md
/// defines the activation.
pub fn lut(activation: Activation, pre: QParams, output: QParams) -> [i8; 256] {
    let mut table = [0i8; 256];
    for (k, entry) in table.iter_mut().enumerate() {
        let q = (k as i32 - 128) as i8;
        *entry = output.quantize(activation.apply(pre.dequantize(q)));
    }
    table
}

/// How a quantized layer turns its accumulators into int8 outputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// Requantize to the output parameters.
    Linear,
    /// Requantize to the output parameters, then `max(q, output.zero_point)`.
    Relu,
    /// Requantize to the pre-activation parameters, then look up the table.
    Table(Box<[i8; 256]>),
}

/// A quantized layer's requantization: per output channel, and how it finishes. `None` for
/// a model that failed validation (a factor out of range).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// One per output channel.
    pub requant: Vec<Requant>,
    /// The zero point the requantization adds (output's or pre-activation's).
    pub zero_point: i32,
    /// What follows the requantization.
    pub finish: Finish,
}

/// The requantization plan of a quantized dense layer.
pub fn plan(d: &Dense, q: &Quantization, activation: Activation) -> Option<Plan> {
    let (target, finish) = match (q.pre_activation, activation) {
        (Some(pre), act) => (pre, Finish::Table(Box::new(lut(act, pre, q.output)))),
        (None, Activation::Linear) => (q.output, Finish::Linear),
        (None, Activation::Relu) => (q.output, Finish::Relu),
        // docs/FORMAT.md: `pre_activation` defaults to the `output` parameters.
        (None, act) => (q.output, Finish::Table(Box::new(lut(act, q.output, q.output)))),
    };
    let requant = (0..d.out_features)
        .map(|o| Requant::new(q.input.scale, *q.weight_scale.values.get(o)?, target.scale))
        .collect::<Option<Vec<_>>>()?;
    Some(Plan { requant, zero_point: target.zero_point, finish })
}

impl Plan {
    /// The int8 output of channel `o` for accumulator `acc`.
    pub fn output(&self, o: usize, acc: i32, output_zero_point: i32) -> i8 {
        let q = self.requant[o].apply(acc, self.zero_point);
        match &self.finish {
            Finish::Linear => q,
            Finish::Relu => q.max(output_zero_point as i8),
            Finish::Table(t) => t[(i32::from(q) + 128) as usize],
        }
    }
}

/// The quantization of a layer, if it is a quantized dense layer.
pub fn of(layer: &Layer) -> Option<(&Dense, &Quantization)> {
    match &layer.op {
        Op::Dense(d) => d.quant.as_deref().map(|q| (d, q)),
        _ => None,
    }
}

/// Whether any layer is quantized.
pub fn any_quantized(layers: &[Layer]) -> bool {
    layers.iter().any(|l| of(l).is_some())
}

/// Whether every layer is a quantized dense layer (what the int8 code generator takes).
pub fn all_quantized(layers: &[Layer]) -> bool {
    !layers.is_empty() && layers.iter().all(|l| of(l).is_some())
}

/// One quantized dense layer on int8 input rows of `in_features` values (time-distributed
/// when the input holds several rows). Weights are added in input order, zeros skipped; the
/// sum is exact, so the order does not matter.
pub fn dense(d: &Dense, q: &Quantization, activation: Activation, x: &[i8]) -> Vec<i8> {
    let Some(plan) = plan(d, q, activation) else { return Vec::new() };
    let zp = q.input.zero_point;
    x.chunks(d.in_features.max(1))
        .flat_map(|row| {
            let plan = &plan;
            (0..d.out_features).map(move |o| {
                let mut acc = q.bias.get(o).copied().unwrap_or(0);
                for (i, xi) in row.iter().enumerate() {
                    let w = d.w(o, i) as i32;
                    if w != 0 {
                        acc = acc.wrapping_add(w.wrapping_mul(i32::from(*xi) - zp));
                    }
                }
                plan.output(o, acc, q.output.zero_point)
            })
        })
        .collect()
}

/// Values between layers of a mixed run: f32, or int8 with their parameters.
enum Values {
    F32(Vec<f32>),
    I8(Vec<i8>, QParams),
}

/// Runs `layers` (some quantized) on scaled f32 values of shape `shape`: values are
/// quantized with a quantized layer's input parameters where they enter it and dequantized
/// with its output parameters where they leave a run of int8 layers.
pub fn run_from(layers: &[Layer], shape: &[usize], x: &[f32]) -> Vec<f32> {
    let mut shape = shape.to_vec();
    let mut h = Values::F32(x.to_vec());
    for l in layers {
        h = match of(l) {
            Some((d, q)) => {
                let xq = match h {
                    Values::I8(v, p) if p == q.input => v,
                    Values::I8(v, p) => {
                        v.iter().map(|v| q.input.quantize(p.dequantize(*v))).collect()
                    }
                    Values::F32(v) => v.iter().map(|v| q.input.quantize(*v)).collect(),
                };
                Values::I8(dense(d, q, l.activation, &xq), q.output)
            }
            None => {
                let xf = to_f32(h);
                Values::F32(crate::reference::layer_shaped(l, &shape, &xf))
            }
        };
        shape = crate::shape::layer_output(l, &shape).unwrap_or_else(|| vec![len(&h)]);
    }
    to_f32(h)
}

fn len(v: &Values) -> usize {
    match v {
        Values::F32(v) => v.len(),
        Values::I8(v, _) => v.len(),
    }
}

fn to_f32(v: Values) -> Vec<f32> {
    match v {
        Values::F32(v) => v,
        Values::I8(v, p) => v.iter().map(|q| p.dequantize(*q)).collect(),
    }
}

/// Runs int8 layers on int8 input (every layer quantized, as validated): the API for callers
/// that already hold int8 data.
pub fn run_q(layers: &[Layer], x: &[i8]) -> Vec<i8> {
    let mut h = x.to_vec();
    for l in layers {
        if let Some((d, q)) = of(l) {
            h = dense(d, q, l.activation, &h);
        }
    }
    h
}

/// The worst-case magnitude of a layer's accumulator: the bias plus every weight times the
/// largest input difference (255). Validation keeps it below 2^31.
pub fn accumulator_bound(d: &Dense, q: &Quantization) -> u64 {
    let bias = q.bias.iter().map(|b| u64::from(b.unsigned_abs())).max().unwrap_or(0);
    let weights = (0..d.out_features)
        .map(|o| (0..d.in_features).map(|i| d.w(o, i).abs() as u64).sum::<u64>())
        .max()
        .unwrap_or(0);
    bias + 255 * weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requant_matches_the_real_factor() {
        for &(i, w, o) in &[(0.02f32, 0.003f32, 0.05f32), (1.0, 1.0, 3.0), (0.5, 0.25, 1e-3)] {
            let r = Requant::new(i, w, o).expect("in range");
            assert!((1 << 30..1i64 << 31).contains(&i64::from(r.multiplier)));
            let m = f64::from(i) * f64::from(w) / f64::from(o);
            for acc in [-100_000, -12345, -1, 0, 1, 7, 999, 54_321] {
                let exact = (f64::from(acc) * m).clamp(-1e9, 1e9);
                let t = i64::from(r.apply(acc, 0));
                if exact.abs() < 120.0 {
                    assert!((t as f64 - exact).abs() <= 0.5 + 1e-6, "{acc}·{m}: {t}");
                }
            }
        }
        assert_eq!(Requant::new(1.0, 1.0, 1e-12), None, "factor 1e12 needs a left shift");
        assert_eq!(Requant::new(1.0, 0.0, 1.0), None);
    }

    #[test]
    fn rounding_is_half_up_and_saturates() {
        let r = Requant { multiplier: 1 << 30, shift: 31 }; // × 0.5
        assert_eq!(r.apply(1, 0), 1); // 0.5 → 1
        assert_eq!(r.apply(-1, 0), 0); // -0.5 → 0
        assert_eq!(r.apply(3, 0), 2); // 1.5 → 2
        assert_eq!(r.apply(-3, 0), -1); // -1.5 → -1
        assert_eq!(r.apply(1000, 0), 127);
        assert_eq!(r.apply(-1000, 5), -128);
    }

    #[test]
    fn quantize_rounds_half_away_and_clamps() {
        let p = QParams { scale: 0.5, zero_point: -3 };
        assert_eq!(p.quantize(0.25), -2); // 0.5 → 1
        assert_eq!(p.quantize(-0.25), -4); // -0.5 → -1
        assert_eq!(p.quantize(1e9), 127);
        assert_eq!(p.quantize(-1e9), -128);
        assert_eq!(p.quantize(f32::NAN), -3);
        assert_eq!(p.dequantize(-3), 0.0);
        assert_eq!(p.dequantize(1), 2.0);
    }

    #[test]
    fn table_follows_the_float_activation() {
        let pre = QParams { scale: 8.0 / 255.0, zero_point: 0 };
        let out = QParams { scale: 1.0 / 255.0, zero_point: -128 };
        let t = lut(Activation::Sigmoid, pre, out);
        assert_eq!(t[128], out.quantize(0.5));
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "monotone");
    }
}
