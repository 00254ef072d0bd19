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

/// `t` as `[a][b][k]` with its first two axes swapped: `[b][a][k]`.
fn swap_axes(t: &[f32], a: usize, b: usize, k: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; t.len()];
    for i in 0..a {
        for j in 0..b {
            out[(j * a + i) * k..][..k].copy_from_slice(&t[(i * b + j) * k..][..k]);
        }
    }
    out
}

/// `t` transposed: `(rows, cols)` row-major → `(cols, rows)`.
fn transpose(t: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    swap_axes(t, rows, cols, 1)
}

/// A product-form `(inputs, outputs)` matrix as the file's `[outputs, inputs]` tensor `name`.
fn file_matrix(name: String, w: &[f32], inputs: usize, outputs: usize) -> IrTensor {
    IrTensor::f32(name, vec![outputs, inputs], transpose(w, inputs, outputs))
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
                let weight = swap_axes(&by_out, out, cin, kh * kw);
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
                weight_ih: file_matrix(format!("{name}.weight_ih"), &l.w_ih.as_vec(), i, g),
                weight_hh: file_matrix(format!("{name}.weight_hh"), &l.w_hh.as_vec(), h, g),
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
        weight: file_matrix(format!("{prefix}.weight"), &d.w.as_vec(), inputs, outputs),
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
            let g = ConvGeometry::conv(
                image(input),
                c.out_channels,
                c.kernel_size,
                c.stride,
                c.padding,
            );
            let unfit = "the kernel does not fit its input";
            conv_op(dev, g, rng, layer, unfit, |g| {
                conv_values(dev, g, &c.weight.values, |o| c.b(o))
            })?
        }
        Op::ConvTranspose2d(c) => {
            let g = ConvGeometry::transposed(
                image(input),
                c.out_channels,
                c.kernel_size,
                c.stride,
                c.padding,
                c.output_padding,
            );
            let unfit = "the padding leaves no output";
            conv_op(dev, g, rng, layer, unfit, |g| transposed_values(dev, c, g))?
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
    let by_out = swap_axes(&c.weight.values, cin, out, k);
    conv_values(dev, g, &by_out, |o| c.b(o))
}

/// A convolution's parameters from weights `[out][c][ky][kx]` (→ `(taps, out)`) and bias
/// `b(o)` of every output channel.
fn conv_values(dev: &Cpu, g: ConvGeometry, by_out: &[f32], b: impl Fn(usize) -> f32) -> ConvParams {
    let w = transpose(by_out, g.out_channels, g.taps());
    let b = (0..g.out_channels).map(b).collect();
    ConvParams::with_values(dev, g, w, b)
}

/// A convolution on geometry `g` (`None`: it does not fit, as `unfit` says), its parameters
/// fresh from `rng` or, without one, from `values`.
fn conv_op(
    dev: &Cpu,
    g: Option<ConvGeometry>,
    rng: Option<&mut StdRng>,
    layer: &str,
    unfit: &str,
    values: impl FnOnce(ConvGeometry) -> ConvParams,
) -> Result<NetOp> {
    let Some(g) = g else {
        bail!("layer `{layer}`: {unfit}");
    };
    Ok(NetOp::Conv(match rng {
        Some(rng) => ConvParams::init(dev, g, rng),
        None => values(g),
    }))
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
