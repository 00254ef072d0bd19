//! Element-wise scale and shift (BatchNormalization, Mul/Add/Sub/Div by constants) folded away:
//! into the layer before (when it has no activation yet), into the dense layer after (when
//! the layer before has one), or into the file's input scaling (when nothing comes before).

use tinyae_core::ir::{Dense, Op, Tensor};
use tinyae_core::Activation;

use crate::builder::{Builder, Taken};
use crate::error::{Result, Site};
use crate::view::View;

/// Which element-wise op a constant comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// `x + c`
    Add,
    /// `x - c`
    Sub,
    /// `x · c`
    Mul,
    /// `x / c`
    Div,
}

impl Arith {
    fn affine(self, c: f64) -> (f64, f64) {
        match self {
            Arith::Add => (1.0, c),
            Arith::Sub => (1.0, -c),
            Arith::Mul => (c, 0.0),
            Arith::Div => (1.0 / c, 0.0),
        }
    }
}

/// `x · scale + shift` per element of the current value, not yet folded anywhere.
#[derive(Debug, Clone)]
pub struct Pending {
    scale: Vec<f64>,
    shift: Vec<f64>,
}

impl Pending {
    /// Per consumer column `k`, the affine of value `need[k]`.
    pub fn columns(&self, need: &[usize]) -> (Vec<f64>, Vec<f64>) {
        (
            need.iter().map(|&i| self.scale[i]).collect(),
            need.iter().map(|&i| self.shift[i]).collect(),
        )
    }
}

impl Builder {
    /// Applies `x op c` element-wise, `c` given per element of `view` (already broadcast).
    pub fn affine(&mut self, site: &Site, view: &View, op: Arith, c: &[f64]) -> Result<()> {
        let n = self.len();
        let mut scale = vec![f64::NAN; n];
        let mut shift = vec![0.0; n];
        for (&i, &v) in view.idx.iter().zip(c) {
            let (s, t) = op.affine(v);
            let i = i as usize;
            if !scale[i].is_nan() && (scale[i], shift[i]) != (s, t) {
                return Err(site
                    .err("applies different constants to copies of the same value")
                    .help("apply the scaling before the values are repeated or upsampled"));
            }
            (scale[i], shift[i]) = (s, t);
        }
        if !(s_all_finite(&scale, &shift)) {
            return Err(site.err("divides by zero or scales by a non-finite constant"));
        }
        for s in &mut scale {
            if s.is_nan() {
                *s = 1.0;
            }
        }
        let p = match self.pending.take() {
            None => Pending { scale, shift },
            Some(old) => Pending {
                scale: old.scale.iter().zip(&scale).map(|(a, b)| a * b).collect(),
                shift: old
                    .shift
                    .iter()
                    .zip(&scale)
                    .zip(&shift)
                    .map(|((t, s), u)| t * s + u)
                    .collect(),
            },
        };
        self.pending = Some(p);
        if self.layers.is_empty() || producer_is_linear(self) {
            flush_pending(self, site)?;
        }
        Ok(())
    }
}

fn s_all_finite(scale: &[f64], shift: &[f64]) -> bool {
    scale.iter().all(|s| s.is_nan() || s.is_finite()) && shift.iter().all(|t| t.is_finite())
}

fn producer_is_linear(b: &Builder) -> bool {
    b.layers.last().is_some_and(|l| {
        l.activation == Activation::Linear
            && match &l.op {
                Op::Dense(d) => d.quant.is_none(),
                Op::Conv2d(_) | Op::ConvTranspose2d(_) => true,
                _ => false,
            }
    })
}

/// Folds the pending affine into the input scaling (no layer yet) or into the last layer (no
/// activation yet); an error where neither is possible.
pub fn flush_pending(b: &mut Builder, site: &Site) -> Result<()> {
    let Some(p) = b.pending.take() else { return Ok(()) };
    if p.scale.iter().all(|&s| s == 1.0) && p.shift.iter().all(|&t| t == 0.0) {
        return Ok(());
    }
    if b.layers.is_empty() {
        return fold_into_input(b, site, &p);
    }
    let shape = b.shape();
    let last = b.layers.last_mut().expect("a layer");
    let channels_first = matches!(last.op, Op::Conv2d(_) | Op::ConvTranspose2d(_));
    let (rows, features) = match (channels_first, shape.as_slice()) {
        (true, &[c, h, w]) => (c, h * w),
        (false, s) => {
            let f = *s.last().unwrap_or(&1);
            (f, 1)
        }
        _ => (0, 0),
    };
    // One (scale, shift) per output channel: constant over positions (and over steps).
    let per_channel = |k: usize| if channels_first { k / features } else { k % rows.max(1) };
    let mut ch = vec![None; rows];
    let consistent = (0..p.scale.len()).all(|k| {
        let c = per_channel(k);
        let v = (p.scale[k], p.shift[k]);
        *ch[c].get_or_insert(v) == v
    });
    if last.activation != Activation::Linear || !consistent || rows == 0 {
        return Err(site
            .err(format!(
                "scales or shifts the output of `{}` ({}), which tinyae cannot fold into a layer",
                last.name,
                last.op.name()
            ))
            .help("put normalization (BatchNorm, Mul/Add by constants) right after a dense or convolution layer or before a dense layer"));
    }
    let ch: Vec<(f64, f64)> = ch.into_iter().map(|v| v.unwrap_or((1.0, 0.0))).collect();
    match &mut last.op {
        Op::Dense(d) => scale_rows(&mut d.weight, &mut d.bias, &ch, &last.name),
        Op::Conv2d(c) => scale_rows(&mut c.weight, &mut c.bias, &ch, &last.name),
        // The weight is [in, out, kh, kw]: output channel o is every (in, o) block.
        Op::ConvTranspose2d(c) => {
            let block = c.kernel_size[0] * c.kernel_size[1];
            for (j, w) in c.weight.values.iter_mut().enumerate() {
                let o = j / block % c.out_channels;
                *w = (f64::from(*w) * ch[o].0) as f32;
            }
            shift_bias(&mut c.bias, &ch, &last.name);
        }
        _ => unreachable!("producer_is_linear checked the op"),
    }
    Ok(())
}

/// Rows of a `[out, ...]` weight scaled, bias scaled and shifted.
fn scale_rows(weight: &mut Tensor, bias: &mut Option<Tensor>, ch: &[(f64, f64)], name: &str) {
    let per = weight.values.len() / ch.len().max(1);
    for (j, w) in weight.values.iter_mut().enumerate() {
        *w = (f64::from(*w) * ch[j / per].0) as f32;
    }
    shift_bias(bias, ch, name);
}

fn shift_bias(bias: &mut Option<Tensor>, ch: &[(f64, f64)], name: &str) {
    let b = bias.get_or_insert_with(|| {
        Tensor::f32(format!("{name}.bias"), vec![ch.len()], vec![0.0; ch.len()])
    });
    for (v, (s, t)) in b.values.iter_mut().zip(ch) {
        *v = (f64::from(*v) * s + t) as f32;
    }
}

/// `x' = x · s + t` on raw inputs, as the file's scaling `x' = (x - offset) / range`.
fn fold_into_input(b: &mut Builder, site: &Site, p: &Pending) -> Result<()> {
    let n = p.scale.len();
    let (mut offset, mut range) = b.input_affine.take().unwrap_or((vec![0.0; n], vec![1.0; n]));
    for i in 0..n {
        // ((x - o) / r) · s + t = (x - (o - t·r/s)) / (r / s)
        offset[i] -= p.shift[i] * range[i] / p.scale[i];
        range[i] /= p.scale[i];
        if !(range[i] > 0.0 && range[i].is_finite() && offset[i].is_finite()) {
            return Err(site
                .err("normalizes the input with a non-positive or non-finite scale")
                .help("normalize with a positive scale (x - mean) / std"));
        }
    }
    b.input_affine = Some((offset, range));
    Ok(())
}

/// Reorders the outputs of the last layer, a dense layer producing the whole current value,
/// so that value `k` is its former value `need[k]`; false when the last layer is not one.
pub fn permute_outputs(b: &mut Builder, need: &[usize]) -> bool {
    let shape = b.shape();
    let Some(last) = b.layers.last_mut() else { return false };
    let Op::Dense(d) = &mut last.op else { return false };
    if shape != [d.out_features] || d.quant.is_some() {
        return false;
    }
    let k = d.in_features;
    let w = d.weight.values.clone();
    for (o, &from) in need.iter().enumerate() {
        d.weight.values[o * k..(o + 1) * k].copy_from_slice(&w[from * k..(from + 1) * k]);
    }
    if let Some(bias) = &mut d.bias {
        let old = bias.values.clone();
        for (o, &from) in need.iter().enumerate() {
            bias.values[o] = old[from];
        }
    }
    true
}

/// A dense layer from the framework's `[out, in]` weight (columns in the framework's input
/// order), with the column permutation and pending affine of `taken` folded in.
pub fn dense(
    name: &str,
    out: usize,
    inp: usize,
    weight: Vec<f32>,
    bias: Option<Vec<f32>>,
    taken: &Taken,
) -> Dense {
    let mut w = vec![0.0f32; out * inp];
    let mut b: Option<Vec<f64>> = bias.map(|b| b.iter().map(|&v| f64::from(v)).collect());
    for o in 0..out {
        for k in 0..inp {
            let col = taken.perm.as_ref().map_or(k, |p| p[k]);
            let mut v = f64::from(weight[o * inp + k]);
            if let Some((s, t)) = &taken.affine {
                // W (x·s + t) + b = (W·s) x + (b + W·t)
                let bias = b.get_or_insert_with(|| vec![0.0; out]);
                bias[o] += v * t[k];
                v *= s[k];
            }
            w[o * inp + col] = v as f32;
        }
    }
    Dense {
        in_features: inp,
        out_features: out,
        weight: Tensor::f32(format!("{name}.weight"), vec![out, inp], w),
        bias: b.map(|b| {
            Tensor::f32(format!("{name}.bias"), vec![out], b.iter().map(|&v| v as f32).collect())
        }),
        quant: None,
    }
}
