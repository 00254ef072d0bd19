//! The layers of a network as a config describes them. `crate::lower` turns them into the
//! core's IR, whose shape inference and validation check them before any weight exists.
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

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tinyae_core::ir::Padding;
use tinyae_core::Activation;

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
