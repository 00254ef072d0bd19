//! A config's layers lowered to the core's IR, planned and checked by the core: every layer's
//! sizes resolved against its input, its output shape from the core's shape inference, the
//! whole model through the core's validation, before any weight exists.
//!
//! The lowered layers declare their tensors (shapes, no values): the trainer initializes the
//! weights (`crate::export_ops::net_op`) and exports them under the same keys.

use anyhow::{bail, Result};
use tinyae_core::ir::{
    Conv2d, ConvTranspose2d, Dense, Flatten, GaussianHead, Layer, Lstm, MaxPool2d, Model,
    ModelKind, Op, Repeat, Reshape, Tensor, Upsample2d,
};
use tinyae_core::op::ShapeSite;
use tinyae_core::Activation;

use crate::spec::{Defaults, LayerSpec, LayerTable};

/// A network's layers as IR, every shape known.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Kind, input shape, layers (tensors declared, without values) and latent layer.
    pub model: Model,
    /// The input shape (index 0) and every layer's output shape (index `j + 1`).
    pub shapes: Vec<Vec<usize>>,
}

/// Why a VAE's latent layer must be a dense width on a vector.
const VAE_LATENT: &str = "a VAE's last encoder layer becomes its Gaussian head, so it must be a \
     dense width on a vector; add { op = \"flatten\" } and a width at the end of `model.encoder`";

/// A tensor of the shape the layer will have, without values yet.
fn declared(key: String, shape: Vec<usize>) -> Tensor {
    Tensor::f32(key, shape, Vec::new())
}

/// Where a layer sits in the config, for its sizes' defaults and for messages.
struct Site<'a> {
    /// `enc.j` or `dec.j`.
    name: String,
    /// `model.encoder[j]` or `model.decoder[j]`, in backticks.
    at: String,
    /// The encoder's last layer (the code).
    is_latent: bool,
    /// Whether the input is a sequence that a dense layer runs on step by step.
    sequence: bool,
    /// The model's input steps, when it is a `[steps, features]` sequence.
    steps: Option<usize>,
    /// The model's kind.
    kind: ModelKind,
    /// The activation a table gives, if any.
    activation: Option<&'a toml::Value>,
}

/// Plans `encoder` then `decoder` on samples of `input_shape`. Errors name the config's
/// layer and say what the core found.
pub fn plan(
    kind: ModelKind,
    input_shape: &[usize],
    (encoder, decoder): (&[LayerSpec], &[LayerSpec]),
    defaults: Defaults,
    activation_of: &dyn Fn(&toml::Value, &str) -> Result<Activation>,
) -> Result<Plan> {
    let steps = match input_shape {
        [t, _] => Some(*t),
        _ => None,
    };
    let mut layers: Vec<Layer> = Vec::new();
    let mut shapes = vec![input_shape.to_vec()];
    let mut sequence = false;
    let all = encoder.iter().map(|s| ("encoder", s)).chain(decoder.iter().map(|s| ("decoder", s)));
    let total = encoder.len() + decoder.len();
    for (j, (part, spec)) in all.enumerate() {
        let index = if part == "encoder" { j } else { j - encoder.len() };
        let name = format!("{}.{index}", &part[..3]);
        let table = spec.table();
        let site = Site {
            at: format!("`model.{part}[{index}]`"),
            name,
            is_latent: j + 1 == encoder.len(),
            sequence,
            steps,
            kind,
            activation: explicit_activation(&table),
        };
        let input = &shapes[j];
        let op = lower(&table, &site, input)?;
        let activation = match site.activation {
            Some(_) if !op.takes_activation() => bail!("{}: this layer has no activation", site.at),
            Some(v) => activation_of(v, &site.name)?,
            None if !op.takes_activation() => Activation::Linear,
            None if j + 1 == total => defaults.output,
            None if site.is_latent => defaults.latent,
            None => defaults.hidden,
        };
        let layer = Layer { name: site.name.clone(), op, activation };
        // As the core validates a file: sizes first, then the shapes computed from them.
        let mut errors = Vec::new();
        layer.op.spec().check_dims(&layer.name, &mut errors);
        if let Some(e) = errors.first() {
            bail!("{}: {e}", site.at);
        }
        let shape_site = ShapeSite { layer: &layer, previous: layers.last(), input_shape };
        let output = layer
            .op
            .spec()
            .output_shape(input, &shape_site)
            .map_err(|e| anyhow::anyhow!("{}: {e}", site.at))?;
        sequence = match &layer.op {
            Op::Lstm(l) => l.return_sequences,
            Op::Repeat(_) => true,
            Op::Dense(_) => sequence && output.len() == 2,
            _ => false,
        };
        layers.push(layer);
        shapes.push(output);
    }
    let (last, n) = (&shapes[total], input_shape.iter().product::<usize>());
    if last.iter().product::<usize>() != n {
        bail!(
            "the decoder ends with {last:?} = {} values, but an autoencoder reconstructs its \
             input {input_shape:?} = {n} values",
            last.iter().product::<usize>()
        );
    }
    let latent = encoder.len().saturating_sub(1);
    if kind == ModelKind::Vae
        && !matches!(layers.get(latent).map(|l| &l.op), Some(Op::GaussianHead(_)))
    {
        bail!("{VAE_LATENT}");
    }
    let model = Model::bare(kind, input_shape.to_vec(), layers, latent);
    tinyae_core::validate::validate(&model).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Plan { model, shapes })
}

/// The activation a table names, if it names one.
fn explicit_activation(table: &LayerTable) -> Option<&toml::Value> {
    match table {
        LayerTable::Dense { activation, .. }
        | LayerTable::Conv2d { activation, .. }
        | LayerTable::ConvTranspose2d { activation, .. } => activation.as_ref(),
        _ => None,
    }
}

/// The IR op a table describes on an input of shape `input`, its sizes resolved: a dense
/// layer's inputs, a convolution's input channels, an LSTM's features and output, a repeat's
/// copies.
fn lower(table: &LayerTable, site: &Site<'_>, input: &[usize]) -> Result<Op> {
    let name = &site.name;
    let key = |suffix: &str| format!("{name}.{suffix}");
    // A convolution's input channels are the first axis; on an input that is not a feature
    // map the core's shape inference reports the rank it expected.
    let input_channels = input.first().copied().unwrap_or(1);
    Ok(match *table {
        LayerTable::Dense { units, .. } => {
            let n = input.iter().product::<usize>();
            let inputs = match input.last() {
                Some(&last) if site.sequence && n != last => last,
                _ => n,
            };
            let dense = |prefix: &str| Dense {
                in_features: inputs,
                out_features: units,
                weight: declared(format!("{prefix}.weight"), vec![units, inputs]),
                bias: Some(declared(format!("{prefix}.bias"), vec![units])),
                quant: None,
            };
            if site.kind == ModelKind::Vae && site.is_latent {
                if inputs != n {
                    bail!("{}: {VAE_LATENT}", site.at);
                }
                Op::GaussianHead(GaussianHead {
                    mu: dense(&key("mu")),
                    log_var: dense(&key("log_var")),
                })
            } else {
                Op::Dense(dense(name))
            }
        }
        LayerTable::Conv2d { channels, kernel, stride, padding, .. } => {
            let cin = input_channels;
            Op::Conv2d(Conv2d {
                in_channels: cin,
                out_channels: channels,
                kernel_size: [kernel; 2],
                stride: [stride; 2],
                padding: padding.padding(),
                weight: declared(key("weight"), vec![channels, cin, kernel, kernel]),
                bias: Some(declared(key("bias"), vec![channels])),
            })
        }
        LayerTable::ConvTranspose2d {
            channels, kernel, stride, padding, output_padding, ..
        } => {
            let cin = input_channels;
            Op::ConvTranspose2d(ConvTranspose2d {
                in_channels: cin,
                out_channels: channels,
                kernel_size: [kernel; 2],
                stride: [stride; 2],
                padding: [padding; 2],
                output_padding: [output_padding; 2],
                weight: declared(key("weight"), vec![cin, channels, kernel, kernel]),
                bias: Some(declared(key("bias"), vec![channels])),
            })
        }
        LayerTable::MaxPool2d { kernel, stride } => {
            let stride = stride.unwrap_or(kernel);
            Op::MaxPool2d(MaxPool2d { kernel_size: [kernel; 2], stride: [stride; 2] })
        }
        LayerTable::Upsample2d { factor } => {
            Op::Upsample2d(Upsample2d { scale_factor: [factor; 2] })
        }
        LayerTable::Flatten => Op::Flatten(Flatten),
        LayerTable::Reshape { ref shape } => Op::Reshape(Reshape { shape: shape.clone() }),
        LayerTable::Lstm { units, return_sequences } => {
            let &[_, features] = input else {
                bail!(
                    "{}: an LSTM expects a [steps, features] input, found {input:?}; set \
                     `model.input_shape` (e.g. [140, 1] for windows of one series)",
                    site.at
                );
            };
            let g = 4 * units;
            Op::Lstm(Lstm {
                input_size: features,
                hidden_size: units,
                return_sequences: return_sequences.unwrap_or(!site.is_latent),
                weight_ih: declared(key("weight_ih"), vec![g, features]),
                weight_hh: declared(key("weight_hh"), vec![g, units]),
                // The trainer keeps one bias per gate row (`bias_ih + bias_hh` in the file).
                bias_ih: Some(declared(key("bias_ih"), vec![g])),
                bias_hh: None,
            })
        }
        LayerTable::Repeat { times } => {
            let Some(times) = times.or(site.steps) else {
                bail!("{}: give `times` (the input is not a [steps, features] sequence)", site.at);
            };
            Op::Repeat(Repeat { times })
        }
    })
}
