//! The intermediate representation: plain data, no `syn`, every tensor resolved.
//!
//! A model is a sequence of layers. The output of layer [`Model::latent_layer`] is the latent
//! code: layers up to and including it form the encoder, the rest the decoder. Every layer keeps
//! its name and the tensor keys it came from, so any later stage can name them in messages.

use crate::activation::Activation;
pub use crate::format::data::DataRecipe;
pub use crate::op::conv2d::{Padding, Pads};
pub use crate::op::{
    Conv2d, ConvTranspose2d, Dense, Flatten, GaussianHead, Lstm, MaxPool2d, Op, OpSpec, Repeat,
    Reshape, Upsample2d,
};
pub use crate::quant::{QParams, Quantization};

/// Plain autoencoder or variational autoencoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Deterministic encoder and decoder.
    Autoencoder,
    /// The latent layer is a [`Op::GaussianHead`]; `encode` returns its mean.
    Vae,
}

impl ModelKind {
    /// The name used in the file.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Autoencoder => "autoencoder",
            ModelKind::Vae => "vae",
        }
    }
}

/// How tensor values are stored in the file (and in the generated code's flash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// IEEE binary32.
    F32,
    /// IEEE binary16, widened to f32 for computation.
    F16,
    /// bfloat16, widened to f32 for computation.
    Bf16,
    /// int8, the weights of a quantized layer (values exact in `Tensor::values`).
    I8,
    /// int32, the bias of a quantized layer (exact values in [`Quantization::bias`]).
    I32,
}

impl Storage {
    /// Bytes per stored value.
    pub fn bytes(self) -> usize {
        match self {
            Storage::F32 => 4,
            Storage::F16 | Storage::Bf16 => 2,
            Storage::I8 => 1,
            Storage::I32 => 4,
        }
    }

    /// The safetensors dtype name.
    pub fn dtype_name(self) -> &'static str {
        match self {
            Storage::F32 => "F32",
            Storage::F16 => "F16",
            Storage::Bf16 => "BF16",
            Storage::I8 => "I8",
            Storage::I32 => "I32",
        }
    }
}

/// A tensor from the file, with its values widened to f32 (exactly: f16/bf16 ⊂ f32).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The safetensors key, for messages.
    pub key: String,
    /// The shape as stored.
    pub shape: Vec<usize>,
    /// How it is stored.
    pub storage: Storage,
    /// Row-major values.
    pub values: Vec<f32>,
}

impl Tensor {
    /// An f32 tensor.
    pub fn f32(key: impl Into<String>, shape: Vec<usize>, values: Vec<f32>) -> Self {
        Tensor { key: key.into(), shape, storage: Storage::F32, values }
    }

    /// Number of elements the shape describes.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// One layer: an op followed by an element-wise activation.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Unique name, e.g. `enc.0`.
    pub name: String,
    /// What it computes.
    pub op: Op,
    /// Applied to every output.
    pub activation: Activation,
}

/// Per-feature affine input scaling: `x' = (x - offset) * scale`, inverse `x = x' * range +
/// offset`. `scale` is `1 / range` rounded to f32 once, when the file is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Preprocessing {
    /// Inputs are used as given.
    None,
    /// `x' = (x - min) / (max - min)`, mapping the training range to [0, 1].
    MinMax {
        /// Per-feature minimum (one value broadcasts to every feature).
        min: Vec<f32>,
        /// Per-feature maximum.
        max: Vec<f32>,
    },
    /// `x' = (x - mean) / std`.
    Standard {
        /// Per-feature mean (one value broadcasts).
        mean: Vec<f32>,
        /// Per-feature standard deviation.
        std: Vec<f32>,
    },
}

/// The affine form of a [`Preprocessing`], expanded to one entry per feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    /// Subtracted first.
    pub offset: Vec<f32>,
    /// Multiplied after subtracting: `1 / range` in f32.
    pub scale: Vec<f32>,
    /// Multiplied when mapping back to user units.
    pub range: Vec<f32>,
}

impl Affine {
    /// Whether every feature has the same offset, scale and range (bit for bit): one constant
    /// serves all features.
    pub fn is_uniform(&self) -> bool {
        let same = |v: &[f32]| v.iter().all(|x| x.to_bits() == v[0].to_bits());
        same(&self.offset) && same(&self.scale) && same(&self.range)
    }
}

impl Preprocessing {
    /// The name used in the file.
    pub fn name(&self) -> &'static str {
        match self {
            Preprocessing::None => "none",
            Preprocessing::MinMax { .. } => "min_max",
            Preprocessing::Standard { .. } => "standard",
        }
    }

    /// The per-feature affine map for `n` features, or `None` when inputs are used as given.
    /// Assumes a validated model (lengths 1 or `n`).
    pub fn affine(&self, n: usize) -> Option<Affine> {
        let (offset, range): (Vec<f32>, Vec<f32>) = match self {
            Preprocessing::None => return None,
            Preprocessing::MinMax { min, max } => (0..n)
                .map(|i| {
                    let (lo, hi) = (pick(min, i), pick(max, i));
                    (lo, hi - lo)
                })
                .unzip(),
            Preprocessing::Standard { mean, std } => {
                (0..n).map(|i| (pick(mean, i), pick(std, i))).unzip()
            }
        };
        let scale = range.iter().map(|r| 1.0 / r).collect();
        Some(Affine { offset, scale, range })
    }
}

fn pick(values: &[f32], i: usize) -> f32 {
    if values.len() == 1 {
        values[0]
    } else {
        values[i]
    }
}

/// The reconstruction-error metric, computed in the scaled space the model was trained in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Mean of squared differences.
    Mse,
    /// Mean of absolute differences.
    Mae,
}

impl Metric {
    /// The name used in the file.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Mse => "mse",
            Metric::Mae => "mae",
        }
    }
}

/// How the anomaly threshold was chosen (recorded, not used by inference).
#[derive(Debug, Clone, PartialEq)]
pub enum Calibration {
    /// The `percentile`-th percentile of `samples` reconstruction errors on `split`.
    Percentile {
        /// In (0, 100].
        percentile: f64,
        /// How many errors it was taken over.
        samples: Option<u64>,
        /// Which data: "validation", "train", ...
        split: Option<String>,
    },
    /// Mean plus `k` standard deviations of the errors.
    MeanStd {
        /// Number of standard deviations.
        k: f64,
        /// How many errors.
        samples: Option<u64>,
        /// Which data.
        split: Option<String>,
    },
    /// Set by hand.
    Manual,
}

/// Anomaly detection settings: `is_anomaly(x)` is `score(x) > threshold`.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    /// How the score is computed.
    pub metric: Metric,
    /// Scores above it are anomalies.
    pub threshold: f32,
    /// How the threshold was chosen.
    pub calibration: Calibration,
}

/// Where the model came from; all fields optional, shown by `tinyae inspect`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// The producing tool and its version, e.g. `tinyae-trainer 0.1.0`.
    pub tool: Option<String>,
    /// Data set name or path.
    pub dataset: Option<String>,
    /// Epochs trained.
    pub epochs: Option<u64>,
    /// Random seed.
    pub seed: Option<u64>,
    /// Final training loss.
    pub train_loss: Option<f64>,
    /// Final (or best) validation loss.
    pub val_loss: Option<f64>,
    /// Anything else the producer recorded (string values).
    pub extra: Vec<(String, String)>,
}

/// A whole model file, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Plain or variational.
    pub kind: ModelKind,
    /// Shape of one input sample (e.g. `[3]`, `[140]`, `[784]`).
    pub input_shape: Vec<usize>,
    /// Layers in evaluation order.
    pub layers: Vec<Layer>,
    /// Index of the layer whose output is the latent code.
    pub latent_layer: usize,
    /// Applied to raw inputs before the first layer, undone after the last.
    pub preprocessing: Preprocessing,
    /// Threshold and metric, if the model was calibrated.
    pub anomaly: Option<Anomaly>,
    /// Where it came from.
    pub provenance: Provenance,
    /// How the training data was read, windowed, labelled and split (`tinyae.data`), if known.
    pub data: Option<DataRecipe>,
}

impl Model {
    /// A graph alone: no input scaling, threshold, provenance or data recipe (what a trainer,
    /// importer or generator starts from before it calibrates).
    pub fn bare(
        kind: ModelKind,
        input_shape: Vec<usize>,
        layers: Vec<Layer>,
        latent_layer: usize,
    ) -> Model {
        Model {
            kind,
            input_shape,
            layers,
            latent_layer,
            preprocessing: Preprocessing::None,
            anomaly: None,
            provenance: Provenance::default(),
            data: None,
        }
    }

    /// Elements in one input sample.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Elements in the latent code.
    pub fn latent_len(&self) -> usize {
        self.shapes().get(self.latent_layer + 1).map_or(0, |s| s.iter().product())
    }

    /// Elements in the reconstruction.
    pub fn output_len(&self) -> usize {
        self.shapes().last().map_or(0, |s| s.iter().product())
    }

    /// The shape of the input (index 0) and of every layer's output (index `j + 1`), by
    /// [`crate::shape::infer`]. Assumes a valid model; past an inconsistency the shapes are
    /// best effort.
    pub fn shapes(&self) -> Vec<Vec<usize>> {
        crate::shape::infer(self).shapes()
    }

    /// The encoder's layers (up to and including the latent layer).
    pub fn encoder(&self) -> &[Layer] {
        &self.layers[..=self.latent_layer]
    }

    /// The decoder's layers.
    pub fn decoder(&self) -> &[Layer] {
        &self.layers[self.latent_layer + 1..]
    }
}
