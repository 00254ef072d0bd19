//! Reading and writing the convolutional and recurrent layers (docs/FORMAT.md, "Convolution
//! and recurrent ops"). Sizes and shapes are checked by `validate` and `shape`; this stage only
//! resolves names to tensors.

use safetensors::Dtype;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::read::Tensors;
use super::schema_ops::{
    Conv2dDoc, ConvTranspose2dDoc, FlattenDoc, LstmDoc, MaxPool2dDoc, PaddingDoc, RepeatDoc,
    ReshapeDoc, Size2, Upsample2dDoc,
};
use super::KEY_GRAPH;
use crate::activation::Activation;
use crate::error::{Error, ErrorKind};
use crate::ir::{
    Conv2d, ConvTranspose2d, Layer, Lstm, MaxPool2d, Op, Padding, Repeat, Reshape, Tensor,
    Upsample2d,
};

/// Every op the format defines, for the "unknown op" message.
pub const ALL_OPS: &str = "dense, gaussian_head, conv2d, conv_transpose2d, max_pool2d, \
                           upsample2d, flatten, reshape, lstm, repeat";

/// The ops this module reads.
pub const OPS: &[&str] = &[
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "upsample2d",
    "flatten",
    "reshape",
    "lstm",
    "repeat",
];

/// Parses a layer whose `op` is one of [`OPS`]; `at` names it in messages.
pub(super) fn parse(
    op: &str,
    at: &str,
    value: &Value,
    tensors: &Tensors<'_>,
) -> Result<Layer, Vec<Error>> {
    match op {
        "conv2d" => {
            let d: Conv2dDoc = schema(at, value)?;
            let owner = format!("layer `{}`", d.name);
            let padding = padding(at, &d.padding);
            let tensors = tensors_of(tensors, &owner, &d.weight, d.bias.as_deref());
            let activation = Activation::from_json(&d.activation, &d.name);
            let ((weight, bias), activation, padding) = all3(tensors, activation, padding)?;
            let conv = Conv2d {
                in_channels: d.in_channels,
                out_channels: d.out_channels,
                kernel_size: d.kernel_size.pair(),
                stride: d.stride.pair(),
                padding,
                weight,
                bias,
            };
            Ok(Layer { name: d.name, op: Op::Conv2d(conv), activation })
        }
        "conv_transpose2d" => {
            let d: ConvTranspose2dDoc = schema(at, value)?;
            let owner = format!("layer `{}`", d.name);
            let tensors = tensors_of(tensors, &owner, &d.weight, d.bias.as_deref());
            let activation = Activation::from_json(&d.activation, &d.name);
            let ((weight, bias), activation, ()) = all3(tensors, activation, Ok(()))?;
            let conv = ConvTranspose2d {
                in_channels: d.in_channels,
                out_channels: d.out_channels,
                kernel_size: d.kernel_size.pair(),
                stride: d.stride.pair(),
                padding: d.padding.pair(),
                output_padding: d.output_padding.pair(),
                weight,
                bias,
            };
            Ok(Layer { name: d.name, op: Op::ConvTranspose2d(conv), activation })
        }
        "max_pool2d" => {
            let d: MaxPool2dDoc = schema(at, value)?;
            let kernel_size = d.kernel_size.pair();
            let stride = d.stride.map_or(kernel_size, Size2::pair);
            let op = Op::MaxPool2d(MaxPool2d { kernel_size, stride });
            Ok(Layer { name: d.name, op, activation: Activation::Linear })
        }
        "upsample2d" => {
            let d: Upsample2dDoc = schema(at, value)?;
            if d.mode != "nearest" {
                return Err(vec![Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "{at}: upsample2d mode `{}` is not supported, expected `nearest`",
                        d.mode
                    ),
                )
                .help("use nearest-neighbour upsampling, or a conv_transpose2d layer")]);
            }
            let op = Op::Upsample2d(Upsample2d { scale_factor: d.scale_factor.pair() });
            Ok(Layer { name: d.name, op, activation: Activation::Linear })
        }
        "flatten" => {
            let d: FlattenDoc = schema(at, value)?;
            Ok(Layer { name: d.name, op: Op::Flatten, activation: Activation::Linear })
        }
        "reshape" => {
            let d: ReshapeDoc = schema(at, value)?;
            let op = Op::Reshape(Reshape { shape: d.shape });
            Ok(Layer { name: d.name, op, activation: Activation::Linear })
        }
        "lstm" => {
            let d: LstmDoc = schema(at, value)?;
            let owner = format!("layer `{}`", d.name);
            let weight_ih = tensors.get(&d.weight_ih, &format!("the input weight of {owner}"));
            let weight_hh = tensors.get(&d.weight_hh, &format!("the recurrent weight of {owner}"));
            let bias_ih = d
                .bias_ih
                .as_deref()
                .map(|k| tensors.get(k, &format!("the input bias of {owner}")))
                .transpose();
            let bias_hh = d
                .bias_hh
                .as_deref()
                .map(|k| tensors.get(k, &format!("the recurrent bias of {owner}")))
                .transpose();
            match (weight_ih, weight_hh, bias_ih, bias_hh) {
                (Ok(weight_ih), Ok(weight_hh), Ok(bias_ih), Ok(bias_hh)) => {
                    let lstm = Lstm {
                        input_size: d.input_size,
                        hidden_size: d.hidden_size,
                        return_sequences: d.return_sequences,
                        weight_ih,
                        weight_hh,
                        bias_ih,
                        bias_hh,
                    };
                    Ok(Layer { name: d.name, op: Op::Lstm(lstm), activation: Activation::Linear })
                }
                (a, b, c, e) => {
                    Err([a.err(), b.err(), c.err(), e.err()].into_iter().flatten().collect())
                }
            }
        }
        "repeat" => {
            let d: RepeatDoc = schema(at, value)?;
            let op = Op::Repeat(Repeat { times: d.times });
            Ok(Layer { name: d.name, op, activation: Activation::Linear })
        }
        other => {
            Err(vec![Error::new(ErrorKind::BadMetadata, format!("{at}: unknown op `{other}`"))])
        }
    }
}

/// The three results, or every error among them.
fn all3<A, B, C>(
    a: Result<A, Vec<Error>>,
    b: Result<B, Error>,
    c: Result<C, Vec<Error>>,
) -> Result<(A, B, C), Vec<Error>> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => Err(a
            .err()
            .into_iter()
            .flatten()
            .chain(b.err())
            .chain(c.err().into_iter().flatten())
            .collect()),
    }
}

fn schema<T: DeserializeOwned>(at: &str, value: &Value) -> Result<T, Vec<Error>> {
    serde_json::from_value(value.clone()).map_err(|e| {
        vec![Error::new(ErrorKind::BadMetadata, format!("`{KEY_GRAPH}` {at}: {e}"))
            .help("see docs/FORMAT.md §Convolution and recurrent ops for this op's fields")]
    })
}

fn padding(at: &str, doc: &PaddingDoc) -> Result<Padding, Vec<Error>> {
    match doc {
        PaddingDoc::Name(n) if n == "valid" => Ok(Padding::Valid),
        PaddingDoc::Name(n) if n == "same" => Ok(Padding::Same),
        PaddingDoc::Name(other) => Err(vec![Error::new(
            ErrorKind::BadMetadata,
            format!("`{KEY_GRAPH}` {at}: unknown padding `{other}`, expected \"valid\", \"same\" or [ph, pw]"),
        )
        .help("write \"valid\", \"same\", or the rows and columns of zeros per side, e.g. [1, 1]")]),
        PaddingDoc::Size(s) => Ok(Padding::Explicit(s.pair())),
    }
}

fn tensors_of(
    tensors: &Tensors<'_>,
    owner: &str,
    weight: &str,
    bias: Option<&str>,
) -> Result<(Tensor, Option<Tensor>), Vec<Error>> {
    let weight = tensors.get(weight, &format!("the weight of {owner}"));
    let bias = bias.map(|b| tensors.get(b, &format!("the bias of {owner}"))).transpose();
    match (weight, bias) {
        (Ok(w), Ok(b)) => Ok((w, b)),
        (w, b) => Err(w.err().into_iter().chain(b.err()).collect()),
    }
}

/// A tensor as the container stores it.
pub(super) type Encoded = (String, Dtype, Vec<usize>, Vec<u8>);

/// The JSON document of one of this module's layers, collecting its tensors into `out`;
/// `None` for dense layers and Gaussian heads.
pub(super) fn write(
    layer: &Layer,
    encode: &dyn Fn(&Tensor) -> Encoded,
    out: &mut Vec<Encoded>,
) -> Option<Result<Value, serde_json::Error>> {
    let name = layer.name.clone();
    let key = |t: &Option<Tensor>| t.as_ref().map(|t| t.key.clone());
    let mut add = |tensors: Vec<&Tensor>| out.extend(tensors.into_iter().map(encode));
    let op = layer.op.name().to_owned();
    let activation = layer.activation.to_json();
    if !layer.op.takes_activation() && layer.activation != Activation::Linear {
        return Some(Err(serde::ser::Error::custom(format!(
            "layer `{}`: a {} layer has no activation, found `{}`",
            layer.name,
            layer.op.name(),
            layer.activation.name()
        ))));
    }
    let doc = match &layer.op {
        Op::Dense(_) | Op::GaussianHead(_) => return None,
        Op::Conv2d(c) => {
            add(layer.op.tensors());
            serde_json::to_value(Conv2dDoc {
                name,
                op,
                in_channels: c.in_channels,
                out_channels: c.out_channels,
                kernel_size: Size2::Two(c.kernel_size),
                stride: Size2::Two(c.stride),
                padding: match c.padding {
                    Padding::Valid => PaddingDoc::Name("valid".to_owned()),
                    Padding::Same => PaddingDoc::Name("same".to_owned()),
                    Padding::Explicit(p) => PaddingDoc::Size(Size2::Two(p)),
                },
                weight: c.weight.key.clone(),
                bias: key(&c.bias),
                activation,
            })
        }
        Op::ConvTranspose2d(c) => {
            add(layer.op.tensors());
            serde_json::to_value(ConvTranspose2dDoc {
                name,
                op,
                in_channels: c.in_channels,
                out_channels: c.out_channels,
                kernel_size: Size2::Two(c.kernel_size),
                stride: Size2::Two(c.stride),
                padding: Size2::Two(c.padding),
                output_padding: Size2::Two(c.output_padding),
                weight: c.weight.key.clone(),
                bias: key(&c.bias),
                activation,
            })
        }
        Op::MaxPool2d(p) => serde_json::to_value(MaxPool2dDoc {
            name,
            op,
            kernel_size: Size2::Two(p.kernel_size),
            stride: Some(Size2::Two(p.stride)),
        }),
        Op::Upsample2d(u) => serde_json::to_value(Upsample2dDoc {
            name,
            op,
            scale_factor: Size2::Two(u.scale_factor),
            mode: "nearest".to_owned(),
        }),
        Op::Flatten => serde_json::to_value(FlattenDoc { name, op }),
        Op::Reshape(r) => serde_json::to_value(ReshapeDoc { name, op, shape: r.shape.clone() }),
        Op::Lstm(l) => {
            add(layer.op.tensors());
            serde_json::to_value(LstmDoc {
                name,
                op,
                input_size: l.input_size,
                hidden_size: l.hidden_size,
                return_sequences: l.return_sequences,
                weight_ih: l.weight_ih.key.clone(),
                weight_hh: l.weight_hh.key.clone(),
                bias_ih: key(&l.bias_ih),
                bias_hh: key(&l.bias_hh),
            })
        }
        Op::Repeat(r) => serde_json::to_value(RepeatDoc { name, op, times: r.times }),
    };
    Some(doc)
}
