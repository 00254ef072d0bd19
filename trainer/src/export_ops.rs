//! Net ⇄ IR, op by op. The file keeps PyTorch's layouts; the trainer keeps the product forms
//! dfdx multiplies (`crate::net`, `crate::layers`), so weights are reordered both ways, values
//! copied bit for bit. The same conversion builds a fresh network from the planned IR.

use anyhow::{bail, Result};
use dfdx::prelude::*;
use rand::rngs::StdRng;
use tinyae_core::ir::{
    Conv2d, ConvTranspose2d, Dense, Lstm, MaxPool2d, Op, Repeat, Reshape, Storage,
    Tensor as IrTensor, Upsample2d,
};

use crate::layers::{ConvGeometry, ConvParams, Gather, LstmParams};
use crate::net::{image, DenseParams, NetOp};

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

/// The IR op of a layer named `name`, its tensors keyed `{name}.weight`, `{name}.bias`, ...
pub fn to_op(op: &NetOp, name: &str) -> Op {
    let bias =
        |values: Vec<f32>| Some(IrTensor::f32(format!("{name}.bias"), vec![values.len()], values));
    match op {
        NetOp::Dense(d) => Op::Dense(dense_ir(d, name)),
        NetOp::Gaussian { mu, log_var } => Op::GaussianHead(tinyae_core::ir::GaussianHead {
            mu: dense_ir(mu, &format!("{name}.mu")),
            log_var: dense_ir(log_var, &format!("{name}.log_var")),
        }),
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
    }
}

/// A dense layer in the file's layout, `[out, in]`.
fn dense_ir(d: &DenseParams, prefix: &str) -> Dense {
    let (inputs, outputs) = (d.in_features(), d.out_features());
    Dense {
        in_features: inputs,
        out_features: outputs,
        weight: IrTensor::f32(
            format!("{prefix}.weight"),
            vec![outputs, inputs],
            transpose(&d.w.as_vec(), inputs, outputs),
        ),
        bias: Some(IrTensor::f32(format!("{prefix}.bias"), vec![outputs], d.b.as_vec())),
        quant: None,
    }
}

/// How a layer's parameters are filled: drawn fresh, or copied from the IR op's tensors.
#[derive(Debug)]
pub enum Weights<'a> {
    /// Fresh, from this generator (the layer's own initialization, in layer order).
    Init(&'a mut StdRng),
    /// The op's tensor values (f32 only).
    Copy,
}

/// The trainer's form of an IR op whose input has shape `input`, its parameters filled as
/// `weights` says (`layer` names it in messages).
pub fn net_op(
    dev: &Cpu,
    op: &Op,
    input: &[usize],
    layer: &str,
    weights: Weights<'_>,
) -> Result<NetOp> {
    let rng = match weights {
        Weights::Init(rng) => Some(rng),
        Weights::Copy => {
            if op.tensors().iter().any(|t| t.storage != Storage::F32) {
                bail!("layer `{layer}`: only f32 weights can be loaded for training");
            }
            None
        }
    };
    Ok(match op {
        Op::Dense(d) => NetOp::Dense(dense(dev, d, rng)),
        Op::GaussianHead(h) => match rng {
            Some(rng) => {
                let mu = dense(dev, &h.mu, Some(&mut *rng));
                NetOp::Gaussian { mu, log_var: dense(dev, &h.log_var, Some(rng)) }
            }
            None => NetOp::Gaussian {
                mu: dense(dev, &h.mu, None),
                log_var: dense(dev, &h.log_var, None),
            },
        },
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
            NetOp::Conv(match rng {
                Some(rng) => ConvParams::init(dev, g, rng),
                // [out][c][ky][kx] → (taps, out).
                None => {
                    let w = transpose(&c.weight.values, c.out_channels, g.taps());
                    let b = (0..c.out_channels).map(|o| c.b(o)).collect();
                    ConvParams::with_values(dev, g, w, b)
                }
            })
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
            NetOp::Conv(match rng {
                Some(rng) => ConvParams::init(dev, g, rng),
                None => transposed_values(dev, c, g),
            })
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
        Op::Lstm(l) => NetOp::Lstm(match rng {
            Some(rng) => {
                LstmParams::init(dev, l.input_size, l.hidden_size, l.return_sequences, rng)
            }
            None => lstm_values(dev, l),
        }),
        Op::Repeat(r) => NetOp::Repeat {
            times: r.times,
            gather: Gather::repeat(dev, input.iter().product(), r.times),
        },
    })
}

/// A dense layer's parameters, `(in, out)` for `x · W`: Glorot-uniform weights and zero biases
/// from `rng`, or the file's `[out, in]` weights transposed.
fn dense(dev: &Cpu, d: &Dense, rng: Option<&mut StdRng>) -> DenseParams {
    let (inputs, outputs) = (d.in_features, d.out_features);
    let Some(rng) = rng else {
        let w = transpose(&d.weight.values, outputs, inputs);
        let b: Vec<f32> = (0..outputs).map(|o| d.b(o)).collect();
        return DenseParams {
            w: dev.tensor_from_vec(w, (inputs, outputs)),
            b: dev.tensor_from_vec(b, (outputs,)),
        };
    };
    DenseParams::init(dev, inputs, outputs, rng)
}

/// A transposed convolution's parameters from the file's `[in][out][ky][kx]` weights.
fn transposed_values(dev: &Cpu, c: &ConvTranspose2d, g: ConvGeometry) -> ConvParams {
    let (cin, out, k) = (c.in_channels, c.out_channels, c.kernel_size[0] * c.kernel_size[1]);
    let mut by_out = vec![0.0f32; c.weight.values.len()];
    for ci in 0..cin {
        for o in 0..out {
            for t in 0..k {
                by_out[(o * cin + ci) * k + t] = c.weight.values[(ci * out + o) * k + t];
            }
        }
    }
    let w = transpose(&by_out, out, g.taps());
    let b = (0..out).map(|o| c.b(o)).collect();
    ConvParams::with_values(dev, g, w, b)
}

/// An LSTM's parameters from the file's weights, `bias_ih + bias_hh` added in f32 as the
/// reference interpreter adds them.
fn lstm_values(dev: &Cpu, l: &Lstm) -> LstmParams {
    let (i, h) = (l.input_size, l.hidden_size);
    let g = 4 * h;
    let b: Vec<f32> = (0..g).map(|r| l.b(r)).collect();
    LstmParams {
        w_ih: dev.tensor_from_vec(transpose(&l.weight_ih.values, g, i), (i, g)),
        w_hh: dev.tensor_from_vec(transpose(&l.weight_hh.values, g, h), (h, g)),
        b: dev.tensor_from_vec(b, (g,)),
        return_sequences: l.return_sequences,
    }
}
