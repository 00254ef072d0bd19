//! The layers of a network as a config describes them, and their planning: every layer's
//! resolved sizes, input and output shapes and activation, checked before any weight exists.
//!
//! In a config, `model.encoder` and `model.decoder` list layers: a plain number is a dense
//! layer of that width (the dense models' form), a table names an op:
//!
//! ```toml
//! encoder = [
//!   { op = "conv2d", channels = 16, kernel = 3, padding = "same" },
//!   { op = "max_pool2d", kernel = 2 },
//!   { op = "lstm", units = 32 },                     # the last hidden state, when last
//! ]
//! decoder = [
//!   { op = "conv_transpose2d", channels = 8, kernel = 2, stride = 2 },
//!   { op = "upsample2d", factor = 2 },
//!   { op = "repeat" },                               # times: the input's steps
//!   { op = "dense", units = 1, activation = "sigmoid" },  # at every step after an LSTM
//!   { op = "flatten" }, { op = "reshape", shape = [16, 7, 7] },
//! ]
//! ```

use anyhow::{bail, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tinyae_core::ir::Padding;
use tinyae_core::Activation;

use crate::layers::ConvGeometry;

/// One layer of `model.encoder` or `model.decoder`.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerSpec {
    /// A dense layer of this width (a plain number in the config).
    Width(usize),
    /// A layer given as a table.
    Layer(LayerTable),
}

impl LayerSpec {
    /// Dense layers of these widths.
    pub fn widths(widths: &[usize]) -> Vec<LayerSpec> {
        widths.iter().map(|w| LayerSpec::Width(*w)).collect()
    }

    /// The table form (a width is a dense layer without an activation override).
    pub fn table(&self) -> LayerTable {
        match self {
            LayerSpec::Width(units) => LayerTable::Dense { units: *units, activation: None },
            LayerSpec::Layer(t) => t.clone(),
        }
    }
}

impl Serialize for LayerSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LayerSpec::Width(w) => w.serialize(s),
            LayerSpec::Layer(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for LayerSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(d)? {
            toml::Value::Integer(w) => usize::try_from(w)
                .map(LayerSpec::Width)
                .map_err(|_| D::Error::custom(format!("layer width {w} must be positive"))),
            toml::Value::Table(t) => LayerTable::deserialize(toml::Value::Table(t))
                .map(LayerSpec::Layer)
                .map_err(|e| D::Error::custom(format!("invalid layer: {e}"))),
            other => Err(D::Error::custom(format!(
                "a layer is a width (e.g. 32) or a table (e.g. {{ op = \"conv2d\", channels = 16, kernel = 3 }}), found {other}"
            ))),
        }
    }
}

/// `padding = "same" | "valid" | 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PaddingSpec {
    /// `"same"` or `"valid"`.
    Name(PaddingName),
    /// Zeros on every side.
    Size(usize),
}

/// Named paddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaddingName {
    /// Output size `ceil(input / stride)`.
    Same,
    /// No padding.
    Valid,
}

impl Default for PaddingSpec {
    fn default() -> Self {
        PaddingSpec::Name(PaddingName::Valid)
    }
}

impl PaddingSpec {
    /// The IR padding.
    pub fn padding(self) -> Padding {
        match self {
            PaddingSpec::Name(PaddingName::Same) => Padding::Same,
            PaddingSpec::Name(PaddingName::Valid) => Padding::Valid,
            PaddingSpec::Size(p) => Padding::Explicit([p, p]),
        }
    }
}

fn one() -> usize {
    1
}

/// A layer given as a table; `op` names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerTable {
    /// Fully connected; after an LSTM that returns sequences, applied at every step.
    Dense {
        /// Output width.
        units: usize,
        /// Instead of the model's default for this position.
        activation: Option<toml::Value>,
    },
    /// Square-kernel convolution.
    Conv2d {
        /// Output channels.
        channels: usize,
        /// Kernel height and width.
        kernel: usize,
        /// Stride on both axes.
        #[serde(default = "one")]
        stride: usize,
        /// `"same"`, `"valid"` (default) or zeros per side.
        #[serde(default)]
        padding: PaddingSpec,
        /// Instead of the model's default for this position.
        activation: Option<toml::Value>,
    },
    /// Square-kernel transposed convolution: output
    /// `(in - 1)·stride - 2·padding + kernel + output_padding` (PyTorch's).
    ConvTranspose2d {
        /// Output channels.
        channels: usize,
        /// Kernel height and width.
        kernel: usize,
        /// Stride on both axes.
        #[serde(default = "one")]
        stride: usize,
        /// Rows and columns removed from each side.
        #[serde(default)]
        padding: usize,
        /// Extra rows and columns at the bottom and right, below the stride.
        #[serde(default)]
        output_padding: usize,
        /// Instead of the model's default for this position.
        activation: Option<toml::Value>,
    },
    /// Max pooling without padding.
    MaxPool2d {
        /// Window height and width.
        kernel: usize,
        /// Default: the window size.
        stride: Option<usize>,
    },
    /// Nearest-neighbour upsampling.
    Upsample2d {
        /// Factor on both axes.
        factor: usize,
    },
    /// To one axis.
    Flatten,
    /// To `shape`.
    Reshape {
        /// The shape of one sample after the layer.
        shape: Vec<usize>,
    },
    /// LSTM over `[steps, features]`.
    Lstm {
        /// Hidden units.
        units: usize,
        /// Every step's hidden state, or the last only; default: the last when this layer is
        /// the code (the encoder's last layer), every step otherwise.
        return_sequences: Option<bool>,
    },
    /// `[features]` → `[times, features]`.
    Repeat {
        /// Default: the steps of the model's input (`input_shape[0]`).
        times: Option<usize>,
    },
}

/// A layer with every size resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// Dense over the whole input, or (`rows > 1`) at every row of `inputs`.
    Dense {
        /// Input width (per row).
        inputs: usize,
        /// Output width.
        units: usize,
    },
    /// Convolution or transposed convolution.
    Conv {
        /// Sizes and padding, resolved for the input.
        geometry: ConvGeometry,
    },
    /// Max pooling.
    MaxPool {
        /// Window.
        kernel: usize,
        /// Stride.
        stride: usize,
    },
    /// Nearest upsampling.
    Upsample {
        /// Factor.
        factor: usize,
    },
    /// Flatten.
    Flatten,
    /// Reshape.
    Reshape {
        /// Target.
        shape: Vec<usize>,
    },
    /// LSTM.
    Lstm {
        /// Features per step.
        inputs: usize,
        /// Hidden units.
        units: usize,
        /// All steps or the last.
        return_sequences: bool,
    },
    /// Repeat.
    Repeat {
        /// Copies.
        times: usize,
    },
}

impl Planned {
    /// Whether the layer carries an activation.
    pub fn takes_activation(&self) -> bool {
        matches!(self, Planned::Dense { .. } | Planned::Conv { .. })
    }
}

/// One planned layer: what it is, where it sits, its shapes and activation.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLayer {
    /// `enc.j` or `dec.j`.
    pub name: String,
    /// Resolved op.
    pub op: Planned,
    /// Input shape of one sample.
    pub input: Vec<usize>,
    /// Output shape of one sample.
    pub output: Vec<usize>,
    /// Applied after the op (linear for ops without one).
    pub activation: Activation,
}

/// The activation a layer gets when it does not name one.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// Hidden layers.
    pub hidden: Activation,
    /// The encoder's last layer.
    pub latent: Activation,
    /// The decoder's last layer.
    pub output: Activation,
}

fn positive(at: &str, values: &[(&str, usize)]) -> Result<()> {
    for (name, v) in values {
        if *v == 0 {
            bail!("{at}: `{name}` must be at least 1");
        }
    }
    Ok(())
}

fn numel(s: &[usize]) -> usize {
    s.iter().product()
}

/// Plans the layers `encoder` then `decoder` on samples of `input_shape`. Errors name the
/// layer and say what it expected.
pub fn plan(
    input_shape: &[usize],
    encoder: &[LayerSpec],
    decoder: &[LayerSpec],
    defaults: Defaults,
    activation_of: &dyn Fn(&toml::Value, &str) -> Result<Activation>,
) -> Result<Vec<PlannedLayer>> {
    let mut out = Vec::new();
    let mut shape = input_shape.to_vec();
    // Whether `shape` is a sequence an LSTM or a repeat produced: a dense layer then runs at
    // every step. On the model's input a dense layer takes all values (the dense models, whose
    // samples may be [28, 28]).
    let mut sequence = false;
    let steps = match input_shape {
        [t, _] => Some(*t),
        _ => None,
    };
    let all = encoder.iter().map(|s| ("enc", s)).chain(decoder.iter().map(|s| ("dec", s)));
    let total = encoder.len() + decoder.len();
    for (j, (part, spec)) in all.enumerate() {
        let index = if part == "enc" { j } else { j - encoder.len() };
        let name = format!("{part}.{index}");
        let is_latent = j + 1 == encoder.len();
        let is_last = j + 1 == total;
        let at = format!(
            "`model.{}[{index}]` (layer `{name}`)",
            if part == "enc" { "encoder" } else { "decoder" }
        );
        let table = spec.table();
        let image = |shape: &[usize]| -> Result<[usize; 3]> {
            match *shape {
                [c, h, w] => Ok([c, h, w]),
                _ => bail!(
                    "{at}: expects a [channels, height, width] input, found {shape:?}; set \
                     `model.input_shape` (e.g. [1, 28, 28]) or add {{ op = \"reshape\", shape = [..] }}"
                ),
            }
        };
        let (op, output, explicit) = match &table {
            LayerTable::Dense { units, activation } => {
                let n = numel(&shape);
                let (inputs, output) = match shape.split_last() {
                    Some((&last, lead)) if sequence && n != last => {
                        (last, lead.iter().copied().chain([*units]).collect())
                    }
                    _ => (n, vec![*units]),
                };
                (Planned::Dense { inputs, units: *units }, output, activation.as_ref())
            }
            LayerTable::Conv2d { channels, kernel, stride, padding, activation } => {
                let [c, h, w] = image(&shape)?;
                positive(
                    &at,
                    &[("channels", *channels), ("kernel", *kernel), ("stride", *stride)],
                )?;
                let file_padding = padding.padding();
                let Some(geometry) = ConvGeometry::conv(
                    [c, h, w],
                    *channels,
                    [*kernel; 2],
                    [*stride; 2],
                    file_padding,
                ) else {
                    bail!("{at}: a {kernel}×{kernel} kernel does not fit the {h}×{w} input");
                };
                let [oh, ow] = geometry.output;
                let op = Planned::Conv { geometry };
                (op, vec![*channels, oh, ow], activation.as_ref())
            }
            LayerTable::ConvTranspose2d {
                channels,
                kernel,
                stride,
                padding,
                output_padding,
                activation,
            } => {
                let [c, h, w] = image(&shape)?;
                positive(
                    &at,
                    &[("channels", *channels), ("kernel", *kernel), ("stride", *stride)],
                )?;
                if output_padding >= stride {
                    bail!(
                        "{at}: output_padding {output_padding} must be below the stride {stride}"
                    );
                }
                let Some(geometry) = ConvGeometry::transposed(
                    [c, h, w],
                    *channels,
                    [*kernel; 2],
                    [*stride; 2],
                    [*padding; 2],
                    [*output_padding; 2],
                ) else {
                    bail!("{at}: padding {padding} leaves no output for the {h}×{w} input");
                };
                let [oh, ow] = geometry.output;
                let op = Planned::Conv { geometry };
                (op, vec![*channels, oh, ow], activation.as_ref())
            }
            LayerTable::MaxPool2d { kernel, stride } => {
                let [c, h, w] = image(&shape)?;
                let stride = stride.unwrap_or(*kernel);
                positive(&at, &[("kernel", *kernel), ("stride", stride)])?;
                if *kernel > h || *kernel > w {
                    bail!("{at}: a {kernel}×{kernel} window does not fit the {h}×{w} input");
                }
                let out = vec![c, (h - kernel) / stride + 1, (w - kernel) / stride + 1];
                (Planned::MaxPool { kernel: *kernel, stride }, out, None)
            }
            LayerTable::Upsample2d { factor } => {
                let [c, h, w] = image(&shape)?;
                positive(&at, &[("factor", *factor)])?;
                (Planned::Upsample { factor: *factor }, vec![c, h * factor, w * factor], None)
            }
            LayerTable::Flatten => (Planned::Flatten, vec![numel(&shape)], None),
            LayerTable::Reshape { shape: target } => {
                if numel(target) != numel(&shape) {
                    bail!(
                        "{at}: reshape to {target:?} needs {} values, its input {shape:?} has {}",
                        numel(target),
                        numel(&shape)
                    );
                }
                (Planned::Reshape { shape: target.clone() }, target.clone(), None)
            }
            LayerTable::Lstm { units, return_sequences } => {
                let [t, f] = match *shape {
                    [t, f] => [t, f],
                    _ => bail!(
                        "{at}: an LSTM expects a [steps, features] input, found {shape:?}; set \
                         `model.input_shape` (e.g. [140, 1] for windows of one series)"
                    ),
                };
                let seq = return_sequences.unwrap_or(!is_latent);
                let out = if seq { vec![t, *units] } else { vec![*units] };
                (Planned::Lstm { inputs: f, units: *units, return_sequences: seq }, out, None)
            }
            LayerTable::Repeat { times } => {
                let [f] = match *shape {
                    [f] => [f],
                    _ => bail!("{at}: repeat expects a vector, found {shape:?}; add {{ op = \"flatten\" }} before it"),
                };
                let Some(times) = times.or(steps) else {
                    bail!("{at}: give `times` (the input is not a [steps, features] sequence)");
                };
                (Planned::Repeat { times }, vec![times, f], None)
            }
        };
        if [&output[..], &[numel(&output)]].iter().any(|s| s.contains(&0)) {
            bail!("{at}: produces an empty output {output:?}");
        }
        let activation = match explicit {
            Some(v) => {
                if !op.takes_activation() {
                    bail!("{at}: this layer has no activation");
                }
                activation_of(v, &name)?
            }
            None if !op.takes_activation() => Activation::Linear,
            None if is_last => defaults.output,
            None if is_latent => defaults.latent,
            None => defaults.hidden,
        };
        sequence = match op {
            Planned::Lstm { return_sequences, .. } => return_sequences,
            Planned::Repeat { .. } => true,
            Planned::Dense { .. } => sequence && output.len() == 2,
            _ => false,
        };
        out.push(PlannedLayer {
            name,
            op,
            input: shape.clone(),
            output: output.clone(),
            activation,
        });
        shape = output;
    }
    if numel(&shape) != numel(input_shape) {
        bail!(
            "the decoder ends with {shape:?} = {} values, but an autoencoder reconstructs its \
             input {input_shape:?} = {} values",
            numel(&shape),
            numel(input_shape)
        );
    }
    Ok(out)
}
