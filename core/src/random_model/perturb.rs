//! Edits that make a well-formed model inconsistent in one place, the way hand-edited or
//! half-converted files are: a declared size that disagrees with its tensor, a tensor of the
//! wrong length or dtype, a value that is not finite, a size out of range, a misplaced latent
//! layer. Validation must name each; nothing may panic.

use super::values::Gen;
use super::Choices;
use crate::ir::{Model, Op, Preprocessing, Storage, Tensor};

/// Sizes at the edges of what the format allows, and past them.
const SIZES: [usize; 7] = [0, 1, 2, 1 << 20, (1 << 20) + 1, u32::MAX as usize, usize::MAX];

/// One random edit.
pub(super) fn one<C: Choices>(g: &mut Gen<'_, C>, model: &mut Model) {
    let j = g.c.below(model.layers.len().max(1));
    match g.c.below(8) {
        0 => model.latent_layer = g.c.below(model.layers.len() + 2),
        1 => {
            let i = g.c.below(model.input_shape.len());
            model.input_shape[i] = size(g, model.input_shape[i]);
        }
        2 => preprocessing(g, &mut model.preprocessing),
        _ => {
            if let Some(layer) = model.layers.get_mut(j) {
                op(g, &mut layer.op);
            }
        }
    }
}

/// A size next to `v`, or one at the edges.
fn size<C: Choices>(g: &mut Gen<'_, C>, v: usize) -> usize {
    match g.c.below(3) {
        0 => v.saturating_add(1),
        1 => v.saturating_sub(1),
        _ => g.c.pick(&SIZES),
    }
}

fn op<C: Choices>(g: &mut Gen<'_, C>, op: &mut Op) {
    if g.c.coin() {
        if let Some(t) = op_tensors(op).into_iter().nth(g.c.below(4)) {
            tensor(g, t);
            return;
        }
    }
    match op {
        Op::Dense(d) => match g.c.below(2) {
            0 => d.in_features = size(g, d.in_features),
            _ => d.out_features = size(g, d.out_features),
        },
        Op::GaussianHead(h) => h.log_var.out_features = size(g, h.log_var.out_features),
        Op::Conv2d(c) => match g.c.below(4) {
            0 => c.in_channels = size(g, c.in_channels),
            1 => c.kernel_size[g.c.below(2)] = size(g, c.kernel_size[0]),
            2 => c.stride[g.c.below(2)] = size(g, c.stride[0]),
            _ => c.out_channels = size(g, c.out_channels),
        },
        Op::ConvTranspose2d(c) => match g.c.below(4) {
            0 => c.output_padding[g.c.below(2)] = size(g, c.output_padding[0]),
            1 => c.padding[g.c.below(2)] = size(g, c.padding[0]),
            2 => c.stride[g.c.below(2)] = size(g, c.stride[0]),
            _ => c.out_channels = size(g, c.out_channels),
        },
        Op::MaxPool2d(p) => p.kernel_size[g.c.below(2)] = size(g, p.kernel_size[0]),
        Op::Upsample2d(u) => u.scale_factor[g.c.below(2)] = size(g, u.scale_factor[0]),
        Op::Reshape(r) => match g.c.below(2) {
            0 => r.shape.push(size(g, 1)),
            _ => r.shape.iter_mut().for_each(|d| *d = size(g, *d)),
        },
        Op::Repeat(r) => r.times = size(g, r.times),
        Op::Lstm(l) => match g.c.below(3) {
            0 => l.input_size = size(g, l.input_size),
            1 => l.hidden_size = size(g, l.hidden_size),
            _ => l.return_sequences = !l.return_sequences,
        },
        Op::Flatten(_) => {}
    }
}

fn op_tensors(op: &mut Op) -> Vec<&mut Tensor> {
    match op {
        Op::Conv2d(c) => std::iter::once(&mut c.weight).chain(c.bias.as_mut()).collect(),
        Op::ConvTranspose2d(c) => std::iter::once(&mut c.weight).chain(c.bias.as_mut()).collect(),
        Op::Lstm(l) => [&mut l.weight_ih, &mut l.weight_hh]
            .into_iter()
            .chain(l.bias_ih.as_mut())
            .chain(l.bias_hh.as_mut())
            .collect(),
        op => op
            .dense_parts_mut()
            .into_iter()
            .flat_map(|d| std::iter::once(&mut d.weight).chain(d.bias.as_mut()))
            .collect(),
    }
}

/// A tensor with a bad value, the wrong length, shape or dtype, or another tensor's key.
fn tensor<C: Choices>(g: &mut Gen<'_, C>, t: &mut Tensor) {
    match g.c.below(5) {
        0 if !t.values.is_empty() => {
            let i = g.c.below(t.values.len());
            t.values[i] = g.hostile();
        }
        1 => {
            let keep = g.c.below(t.values.len() + 1);
            t.values.truncate(keep);
        }
        2 if !t.shape.is_empty() => {
            let i = g.c.below(t.shape.len());
            t.shape[i] = size(g, t.shape[i]);
        }
        3 => t.storage = g.c.pick(&[Storage::I8, Storage::I32, Storage::F16, Storage::Bf16]),
        _ => t.key = g.c.pick(&["enc.0.weight", "dec.1.bias", ""]).to_owned(),
    }
}

fn preprocessing<C: Choices>(g: &mut Gen<'_, C>, p: &mut Preprocessing) {
    let values = match p {
        Preprocessing::None => return,
        Preprocessing::MinMax { min, max } => {
            if g.c.coin() {
                min
            } else {
                max
            }
        }
        Preprocessing::Standard { mean, std } => {
            if g.c.coin() {
                mean
            } else {
                std
            }
        }
    };
    match g.c.below(3) {
        0 => values.push(g.hostile()),
        1 => values.clear(),
        _ => {
            let i = g.c.below(values.len().max(1));
            if let Some(v) = values.get_mut(i) {
                *v = g.hostile();
            }
        }
    }
}
