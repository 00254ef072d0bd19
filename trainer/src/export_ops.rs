//! Net ⇄ IR for the convolutional and recurrent layers. The file keeps PyTorch's layouts; the
//! trainer keeps the product forms dfdx multiplies (`crate::layers`), so weights are
//! reordered both ways, values copied bit for bit.

use anyhow::{bail, Result};
use dfdx::prelude::*;
use tinyae_core::ir::Storage;
use tinyae_core::ir::{
    Conv2d, ConvTranspose2d, Lstm, MaxPool2d, Op, Repeat, Reshape, Tensor as IrTensor, Upsample2d,
};

use crate::layers::{ConvGeometry, ConvParams, Gather, LstmParams};
use crate::net::{image, NetOp};

/// `t` transposed: `(rows, cols)` row-major → `(cols, rows)`.
fn transpose(t: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; t.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = t[r * cols + c];
        }
    }
    out
}

/// The IR op of a non-dense layer named `name` (`None` for dense layers and Gaussian heads).
pub fn to_op(op: &NetOp, name: &str) -> Option<Op> {
    let bias =
        |values: Vec<f32>| Some(IrTensor::f32(format!("{name}.bias"), vec![values.len()], values));
    Some(match op {
        NetOp::Dense(_) | NetOp::Gaussian { .. } => return None,
        NetOp::Conv(c) => {
            let g = &c.geometry;
            let [cin, _, _] = g.input;
            let (taps, out) = (g.taps(), g.out_channels);
            // (taps, out) with taps (c, ky, kx) → [out][c][ky][kx], or [c][out][ky][kx] transposed.
            let by_out = transpose(&c.w.as_vec(), taps, out);
            let [kh, kw] = g.kernel;
            if g.transposed {
                let k = kh * kw;
                let mut weight = vec![0.0f32; by_out.len()];
                for o in 0..out {
                    for ci in 0..cin {
                        for t in 0..k {
                            weight[(ci * out + o) * k + t] = by_out[(o * cin + ci) * k + t];
                        }
                    }
                }
                Op::ConvTranspose2d(ConvTranspose2d {
                    in_channels: cin,
                    out_channels: out,
                    kernel_size: g.kernel,
                    stride: g.stride,
                    padding: g.before,
                    output_padding: g.output_padding,
                    weight: IrTensor::f32(format!("{name}.weight"), vec![cin, out, kh, kw], weight),
                    bias: bias(c.b.as_vec()),
                })
            } else {
                Op::Conv2d(Conv2d {
                    in_channels: cin,
                    out_channels: out,
                    kernel_size: g.kernel,
                    stride: g.stride,
                    padding: g.padding,
                    weight: IrTensor::f32(format!("{name}.weight"), vec![out, cin, kh, kw], by_out),
                    bias: bias(c.b.as_vec()),
                })
            }
        }
        NetOp::MaxPool { kernel, stride, .. } => {
            Op::MaxPool2d(MaxPool2d { kernel_size: *kernel, stride: *stride })
        }
        NetOp::Upsample { factor, .. } => Op::Upsample2d(Upsample2d { scale_factor: *factor }),
        NetOp::Flatten => Op::Flatten(tinyae_core::ir::Flatten),
        NetOp::Reshape(shape) => Op::Reshape(Reshape { shape: shape.clone() }),
        NetOp::Lstm(l) => {
            let (i, h) = (l.inputs(), l.hidden());
            let g = 4 * h;
            Op::Lstm(Lstm {
                input_size: i,
                hidden_size: h,
                return_sequences: l.return_sequences,
                weight_ih: IrTensor::f32(
                    format!("{name}.weight_ih"),
                    vec![g, i],
                    transpose(&l.w_ih.as_vec(), i, g),
                ),
                weight_hh: IrTensor::f32(
                    format!("{name}.weight_hh"),
                    vec![g, h],
                    transpose(&l.w_hh.as_vec(), h, g),
                ),
                bias_ih: Some(IrTensor::f32(format!("{name}.bias_ih"), vec![g], l.b.as_vec())),
                bias_hh: None,
            })
        }
        NetOp::Repeat { times, .. } => Op::Repeat(Repeat { times: *times }),
    })
}

/// The trainer's form of a non-dense IR op whose input has shape `input` (`None` for dense
/// layers and Gaussian heads).
pub fn from_op(dev: &Cpu, op: &Op, input: &[usize], layer: &str) -> Option<Result<NetOp>> {
    let f32_only = |tensors: Vec<&IrTensor>| -> Result<()> {
        if tensors.iter().any(|t| t.storage != Storage::F32) {
            bail!("layer `{layer}`: only f32 weights can be loaded for training");
        }
        Ok(())
    };
    if matches!(op, Op::Dense(_) | Op::GaussianHead(_)) {
        return None;
    }
    let result = || -> Result<NetOp> {
        f32_only(op.tensors())?;
        Ok(match op {
            Op::Conv2d(c) => {
                let Some(g) = ConvGeometry::conv(
                    image(input),
                    c.out_channels,
                    c.kernel_size,
                    c.stride,
                    c.padding,
                ) else {
                    bail!("layer `{layer}`: the kernel does not fit its input");
                };
                // [out][c][ky][kx] → (taps, out).
                let w = transpose(&c.weight.values, c.out_channels, g.taps());
                let b = (0..c.out_channels).map(|o| c.b(o)).collect();
                NetOp::Conv(ConvParams::with_values(dev, g, w, b))
            }
            Op::ConvTranspose2d(c) => {
                let Some(g) = ConvGeometry::transposed(
                    image(input),
                    c.out_channels,
                    c.kernel_size,
                    c.stride,
                    c.padding,
                    c.output_padding,
                ) else {
                    bail!("layer `{layer}`: the padding leaves no output");
                };
                let (cin, out, k) =
                    (c.in_channels, c.out_channels, c.kernel_size[0] * c.kernel_size[1]);
                let mut by_out = vec![0.0f32; c.weight.values.len()];
                for ci in 0..cin {
                    for o in 0..out {
                        for t in 0..k {
                            by_out[(o * cin + ci) * k + t] =
                                c.weight.values[(ci * out + o) * k + t];
                        }
                    }
                }
                let w = transpose(&by_out, out, g.taps());
                let b = (0..out).map(|o| c.b(o)).collect();
                NetOp::Conv(ConvParams::with_values(dev, g, w, b))
            }
            Op::MaxPool2d(p) => NetOp::MaxPool {
                kernel: p.kernel_size,
                stride: p.stride,
                gather: Gather::max_pool(dev, image(input), p.kernel_size, p.stride),
            },
            Op::Upsample2d(u) => NetOp::Upsample {
                factor: u.scale_factor,
                gather: Gather::upsample(dev, image(input), u.scale_factor),
            },
            Op::Flatten(_) => NetOp::Flatten,
            Op::Reshape(r) => NetOp::Reshape(r.shape.clone()),
            Op::Lstm(l) => {
                let (i, h) = (l.input_size, l.hidden_size);
                let g = 4 * h;
                // bias_ih + bias_hh in f32, as the reference interpreter adds them.
                let b: Vec<f32> = (0..g).map(|r| l.b(r)).collect();
                NetOp::Lstm(LstmParams {
                    w_ih: dev.tensor_from_vec(transpose(&l.weight_ih.values, g, i), (i, g)),
                    w_hh: dev.tensor_from_vec(transpose(&l.weight_hh.values, g, h), (h, g)),
                    b: dev.tensor_from_vec(b, (g,)),
                    return_sequences: l.return_sequences,
                })
            }
            Op::Repeat(r) => NetOp::Repeat {
                times: r.times,
                gather: Gather::repeat(dev, input.iter().product(), r.times),
            },
            Op::Dense(_) | Op::GaussianHead(_) => {
                bail!("layer `{layer}`: not a convolutional or recurrent op")
            }
        })
    };
    Some(result())
}
