//! The TOML training config: one file per model, every field checked, unknown keys rejected.
//!
//! Paths inside a config are relative to the config file's directory, so
//! `tinyae train configs/ecg5000.toml` works from any working directory.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use tinyae_core::ir::{Metric, ModelKind};
use tinyae_core::Activation;

use crate::data::DataSpec;
use crate::net::Architecture;
use crate::objective::{Kind, Loss, Noise, Sparsity};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::spec::LayerSpec;

/// A whole training config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Short name, shown in progress bars and provenance.
    pub name: String,
    /// Where the model file goes (history, plot and checkpoint go beside it).
    pub output: PathBuf,
    /// Seeds weight initialization, the validation split, shuffling and noise.
    #[serde(default = "one")]
    pub seed: u64,
    /// What to train on.
    pub data: DataSpec,
    /// The network.
    pub model: ModelConfig,
    /// How to train it.
    pub train: TrainConfig,
    /// How to calibrate the anomaly threshold.
    #[serde(default)]
    pub anomaly: AnomalyConfig,
    /// Train toward a teacher model's reconstructions (knowledge distillation).
    pub distill: Option<crate::distill::DistillConfig>,
    /// The config file itself (set by [`Config::load`]), for provenance.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

fn one() -> u64 {
    1
}

/// The `[model]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// `vanilla`, `denoising`, `sparse`, `contractive`, `vae` or `adversarial`.
    #[serde(default)]
    pub kind: KindName,
    /// The shape of one sample as the network sees it (same number of values as the data's):
    /// `[1, 28, 28]` for convolutions on MNIST, `[140, 1]` for an LSTM on ECG5000 beats.
    /// Default: the data's shape.
    pub input_shape: Option<Vec<usize>>,
    /// Encoder layers after the input; the last one's output is the code. A number is a dense
    /// layer of that width; a table names another op (`crate::spec`).
    pub encoder: Vec<LayerSpec>,
    /// Decoder layers. Dense models: widths before the output layer, default the encoder's
    /// hidden widths reversed. Others: every layer, the last producing the input's shape.
    pub decoder: Option<Vec<LayerSpec>>,
    /// After hidden layers: a name (`"relu"`) or a table (`{ kind = "leaky_relu", alpha = 0.2 }`).
    #[serde(default = "relu")]
    pub hidden_activation: toml::Value,
    /// After the latent layer; default: the hidden activation (linear for a VAE).
    pub latent_activation: Option<toml::Value>,
    /// After the last layer.
    #[serde(default = "sigmoid")]
    pub output_activation: toml::Value,
    /// Denoising settings.
    pub denoising: Option<Noise>,
    /// Sparse settings.
    pub sparse: Option<Sparsity>,
    /// Contractive settings.
    pub contractive: Option<ContractiveConfig>,
    /// VAE settings.
    pub vae: Option<VaeConfig>,
    /// Adversarial autoencoder settings.
    pub adversarial: Option<crate::adversarial::Adversarial>,
}

fn relu() -> toml::Value {
    toml::Value::String("relu".into())
}
fn sigmoid() -> toml::Value {
    toml::Value::String("sigmoid".into())
}

/// Autoencoder kinds by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    /// Plain undercomplete autoencoder.
    #[default]
    Vanilla,
    /// Trained to undo input noise.
    Denoising,
    /// Activity penalty on the code.
    Sparse,
    /// Penalty on the encoder Jacobian.
    Contractive,
    /// Variational.
    Vae,
    /// Adversarial: a discriminator pushes the code toward a Gaussian prior.
    Adversarial,
}

/// `[model.contractive]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractiveConfig {
    /// Weight λ of the squared Frobenius norm of the encoder Jacobian.
    pub weight: f32,
}

/// `[model.vae]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaeConfig {
    /// Weight β of the KL term (β-VAE; 1 is the plain VAE).
    #[serde(default = "beta")]
    pub beta: f32,
}

fn beta() -> f32 {
    1.0
}

/// The `[train]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// `adam`, `adamax` or `sgd`.
    pub optimizer: OptimizerKind,
    /// Step size.
    pub learning_rate: f32,
    /// Adam/Adamax β1 (default 0.9).
    pub beta1: Option<f32>,
    /// Adam/Adamax β2 (default 0.999).
    pub beta2: Option<f32>,
    /// Adam/Adamax ε (default 1e-7).
    pub epsilon: Option<f32>,
    /// SGD momentum (default 0.9).
    pub momentum: Option<f32>,
    /// Samples per update.
    pub batch_size: usize,
    /// Passes over the training data (an upper bound with early stopping).
    pub epochs: usize,
    /// `mse`, `mae` or `bce`.
    #[serde(default)]
    pub loss: Loss,
    /// Stop when the validation loss has not improved for `patience` epochs; the best
    /// weights are restored.
    pub early_stopping: Option<EarlyStopping>,
    /// Worker threads for dfdx's matrix products (default: all cores). Results do not depend
    /// on it (see docs/TRAINER.md).
    pub threads: Option<usize>,
}

/// Early-stopping settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Smallest decrease that counts as an improvement.
    #[serde(default)]
    pub min_delta: f64,
}

/// The `[anomaly]` section: how the threshold is calibrated on validation errors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyConfig {
    /// `mse` or `mae`, in the scaled space.
    #[serde(default = "mse")]
    pub metric: MetricName,
    /// Threshold = this percentile of validation errors (default 95, the seeds' choice).
    pub percentile: Option<f64>,
    /// Threshold = mean + k·std of validation errors (instead of a percentile).
    pub mean_std: Option<f64>,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig { metric: MetricName::Mse, percentile: None, mean_std: None }
    }
}

fn mse() -> MetricName {
    MetricName::Mse
}

/// Anomaly metric names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricName {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
}

impl MetricName {
    /// The IR metric.
    pub fn metric(self) -> Metric {
        match self {
            MetricName::Mse => Metric::Mse,
            MetricName::Mae => Metric::Mae,
        }
    }
}

impl Config {
    /// Reads, parses and checks a config; relative paths become relative to its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        let mut config: Config =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.data.resolve(base);
        if config.output.is_relative() {
            config.output = PathBuf::from(crate::pipeline::clean_path(&base.join(&config.output)));
        }
        if let Some(d) = config.distill.as_mut().filter(|d| d.teacher.is_relative()) {
            d.teacher = PathBuf::from(crate::pipeline::clean_path(&base.join(&d.teacher)));
        }
        config.path = Some(path.to_path_buf());
        config.check().with_context(|| format!("{}: invalid config", path.display()))?;
        Ok(config)
    }

    /// Checks everything that does not need the data.
    pub fn check(&self) -> Result<()> {
        self.data.check()?;
        self.architecture_for(None)?;
        self.kind()?;
        let t = &self.train;
        if t.batch_size == 0 || t.epochs == 0 {
            bail!("`train.batch_size` and `train.epochs` must be at least 1");
        }
        if !(t.learning_rate > 0.0 && t.learning_rate.is_finite()) {
            bail!("`train.learning_rate` must be a positive number, found {}", t.learning_rate);
        }
        if t.threads == Some(0) {
            bail!("`train.threads` must be at least 1");
        }
        if let Some(d) = &self.distill {
            d.check(t.loss)?;
        }
        if t.loss == Loss::Bce
            && self.activation(&self.model.output_activation, "output")? != Activation::Sigmoid
        {
            bail!(
                "`train.loss = \"bce\"` needs `model.output_activation = \"sigmoid\"` (outputs \
                 must be probabilities); use \"mse\" for other outputs"
            );
        }
        let a = &self.anomaly;
        if a.percentile.is_some() && a.mean_std.is_some() {
            bail!("set one of `anomaly.percentile` and `anomaly.mean_std`, not both");
        }
        if let Some(p) = a.percentile {
            if !(p > 0.0 && p <= 100.0) {
                bail!("`anomaly.percentile` must be in (0, 100], found {p}");
            }
        }
        if let Some(k) = a.mean_std {
            if !k.is_finite() {
                bail!("`anomaly.mean_std` must be a finite number, found {k}");
            }
        }
        Ok(())
    }

    /// The optimizer settings.
    pub fn optimizer(&self) -> OptimizerConfig {
        let t = &self.train;
        let mut c = OptimizerConfig::new(t.optimizer, t.learning_rate);
        c.beta1 = t.beta1.unwrap_or(c.beta1);
        c.beta2 = t.beta2.unwrap_or(c.beta2);
        c.epsilon = t.epsilon.unwrap_or(c.epsilon);
        c.momentum = t.momentum.unwrap_or(c.momentum);
        c
    }

    fn activation(&self, v: &toml::Value, which: &str) -> Result<Activation> {
        let json = serde_json::to_value(v).context("activation")?;
        Activation::from_json(&json, which)
            .map_err(|e| anyhow::anyhow!("`model.{which}_activation`: {e}"))
    }

    /// The network for samples of the data's shape `data_shape` (or `model.input_shape`, which
    /// must hold as many values), every layer planned.
    pub fn architecture(&self, data_shape: &[usize]) -> Result<Architecture> {
        self.architecture_for(Some(data_shape))
    }

    /// The network; without the data's shape, layers are planned only when `model.input_shape`
    /// is given or the model is dense (whose widths do not depend on the input).
    fn architecture_for(&self, data_shape: Option<&[usize]>) -> Result<Architecture> {
        let m = &self.model;
        let width_zero = |specs: &[LayerSpec]| specs.contains(&LayerSpec::Width(0));
        if m.encoder.is_empty() || width_zero(&m.encoder) {
            bail!("`model.encoder` must list at least the latent width, all widths ≥ 1");
        }
        let all_widths =
            |specs: &[LayerSpec]| specs.iter().all(|s| matches!(s, LayerSpec::Width(_)));
        let decoder = match &m.decoder {
            Some(d) => d.clone(),
            None if all_widths(&m.encoder) => {
                m.encoder[..m.encoder.len() - 1].iter().rev().cloned().collect()
            }
            None => bail!(
                "`model.decoder` is required when `model.encoder` has layers other than dense \
                 widths: list the decoder's layers, the last producing the input's shape"
            ),
        };
        if width_zero(&decoder) {
            bail!("`model.decoder` widths must be at least 1");
        }
        if m.kind == KindName::Contractive && !all_widths(&m.encoder) {
            bail!("a contractive autoencoder needs a dense encoder (its penalty is the dense layers' Jacobian)");
        }
        let numel = |s: &[usize]| s.iter().product::<usize>();
        let input_shape = match (&m.input_shape, data_shape) {
            (Some(s), Some(d)) if numel(s) != numel(d) => bail!(
                "`model.input_shape` {s:?} holds {} values, but the data's samples {d:?} have {}",
                numel(s),
                numel(d)
            ),
            (Some(s), _) => s.clone(),
            (None, Some(d)) => d.to_vec(),
            (None, None) => vec![1],
        };
        let vae = m.kind == KindName::Vae;
        let hidden = self.activation(&m.hidden_activation, "hidden")?;
        let latent = match &m.latent_activation {
            Some(v) => self.activation(v, "latent")?,
            None if vae => Activation::Linear,
            None => hidden,
        };
        if vae && latent != Activation::Linear {
            bail!("a VAE's latent layer is its Gaussian head; `model.latent_activation` must be \"linear\"");
        }
        let arch = Architecture {
            kind: if vae { ModelKind::Vae } else { ModelKind::Autoencoder },
            input_shape,
            encoder: m.encoder.clone(),
            decoder,
            hidden,
            latent,
            output: self.activation(&m.output_activation, "output")?,
        };
        if data_shape.is_some() || m.input_shape.is_some() || arch.is_dense() {
            let plan = arch.plan()?;
            let last = plan.model.layers.last().map(|l| l.op.takes_activation());
            if last == Some(false) {
                bail!(
                    "the decoder's last layer carries `model.output_activation`, so it must be dense \
                     or a convolution"
                );
            }
        }
        Ok(arch)
    }

    /// The training objective's kind, checking that only the matching section is set.
    pub fn kind(&self) -> Result<Kind> {
        let m = &self.model;
        let sections = [
            ("denoising", m.denoising.is_some(), KindName::Denoising),
            ("sparse", m.sparse.is_some(), KindName::Sparse),
            ("contractive", m.contractive.is_some(), KindName::Contractive),
            ("vae", m.vae.is_some(), KindName::Vae),
            ("adversarial", m.adversarial.is_some(), KindName::Adversarial),
        ];
        for (name, set, kind) in sections {
            if set && m.kind != kind {
                bail!(
                    "`[model.{name}]` is set but `model.kind` is {:?}; set `kind = \"{name}\"`",
                    m.kind
                );
            }
        }
        let kind = match m.kind {
            KindName::Vanilla => Kind::Vanilla,
            KindName::Denoising => Kind::Denoising(m.denoising.unwrap_or_default()),
            KindName::Sparse => Kind::Sparse(m.sparse.unwrap_or_default()),
            KindName::Contractive => {
                Kind::Contractive { weight: m.contractive.map_or(1e-4, |c| c.weight) }
            }
            KindName::Vae => Kind::Vae { beta: m.vae.map_or(1.0, |v| v.beta) },
            KindName::Adversarial => Kind::Adversarial(m.adversarial.unwrap_or_default()),
        };
        kind.check()?;
        if let Kind::Sparse(Sparsity::Kl { .. }) = kind {
            let latent = self.architecture_for(None)?.latent;
            if latent != Activation::Sigmoid {
                bail!(
                    "the KL sparsity penalty needs codes in (0, 1): set \
                     `model.latent_activation = \"sigmoid\"` or use `penalty = \"l1\"`"
                );
            }
        }
        Ok(kind)
    }
}
