//! Parameters, multiply-accumulates and flash of the convolutional and recurrent ops.
//!
//! MACs count the multiply-adds the generated code performs: a convolution skips the taps that
//! fall on padding, a transposed convolution the taps that fall outside the output, so the
//! figure is exact, not the nominal `out · oh · ow · in · kh · kw`.

use crate::cost::LayersCost;
use crate::ir::{Model, Op, Tensor};

/// The cost of a non-dense op on an input of shape `input` (a valid model's shapes).
pub fn layer_cost(op: &Op, input: &[usize]) -> LayersCost {
    let bytes = |t: &Tensor| t.numel() * t.storage.bytes();
    match (op, input) {
        (Op::Conv2d(c), &[ch, h, w]) => {
            let Some(([top, left, _, _], [oh, ow])) = c.geometry([h, w]) else {
                return LayersCost::default();
            };
            let taps = |n: usize, k: usize, s: usize, pad: usize, out: usize| -> usize {
                // For each output position, the kernel taps that land inside the input.
                (0..out)
                    .map(|o| {
                        (0..k)
                            .filter(|&t| (o * s + t).checked_sub(pad).is_some_and(|i| i < n))
                            .count()
                    })
                    .sum()
            };
            let rows = taps(h, c.kernel_size[0], c.stride[0], top, oh);
            let cols = taps(w, c.kernel_size[1], c.stride[1], left, ow);
            LayersCost {
                params: c.weight.numel() + c.bias.as_ref().map_or(0, Tensor::numel),
                weight_bytes: bytes(&c.weight) + c.bias.as_ref().map_or(0, bytes),
                macs: c.out_channels * ch * rows * cols,
            }
        }
        (Op::ConvTranspose2d(c), &[ch, h, w]) => {
            let Some([oh, ow]) = c.output_size([h, w]) else { return LayersCost::default() };
            // For each tap, the input positions whose contribution lands inside the output.
            let hits = |n: usize, k: usize, s: usize, pad: usize, out: usize| -> usize {
                (0..k)
                    .map(|t| {
                        (0..n)
                            .filter(|&i| (i * s + t).checked_sub(pad).is_some_and(|o| o < out))
                            .count()
                    })
                    .sum()
            };
            let rows = hits(h, c.kernel_size[0], c.stride[0], c.padding[0], oh);
            let cols = hits(w, c.kernel_size[1], c.stride[1], c.padding[1], ow);
            LayersCost {
                params: c.weight.numel() + c.bias.as_ref().map_or(0, Tensor::numel),
                weight_bytes: bytes(&c.weight) + c.bias.as_ref().map_or(0, bytes),
                macs: c.out_channels * ch * rows * cols,
            }
        }
        (Op::Lstm(l), &[steps, _]) => {
            let g = 4 * l.hidden_size;
            let biases = l.bias_ih.iter().chain(&l.bias_hh);
            // The generated code folds `bias_ih + bias_hh` into one array of 4 · hidden.
            let bias_bytes = if l.bias_ih.is_some() || l.bias_hh.is_some() { g * 4 } else { 0 };
            LayersCost {
                params: l.weight_ih.numel()
                    + l.weight_hh.numel()
                    + biases.map(Tensor::numel).sum::<usize>(),
                weight_bytes: bytes(&l.weight_ih) + bytes(&l.weight_hh) + bias_bytes,
                macs: steps * g * (l.input_size + l.hidden_size),
            }
        }
        _ => LayersCost::default(),
    }
}

/// Values of the tensors of a non-dense op (for flash at another precision).
pub fn stored_values(op: &Op) -> usize {
    op.tensors().iter().map(|t| t.numel()).sum()
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
