//! `tinyae calibrate MODEL --data FILE`: the anomaly threshold (and optionally the input
//! scaling) of any model file, from the user's normal data; the file is rewritten atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use tinyae_core::ir::{Metric, Model, Preprocessing};

use super::data_args::DataArgs;
use super::inspect::load_model;
use crate::calibrate::{calibrate, Method};
use crate::data::{Dataset, LabelSet};
use crate::pipeline::{clean_path, write_model};
use crate::scores::scores_with;

/// Below this many normal samples a percentile threshold is mostly noise.
const FEW_SAMPLES: usize = 50;

/// `tinyae calibrate` flags.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The model file (any tinyae model: trained, imported, quantized).
    pub model: PathBuf,
    /// The normal data to calibrate on.
    #[command(flatten)]
    pub data: DataArgs,
    /// Threshold and scaling choices.
    #[command(flatten)]
    pub threshold: ThresholdArgs,
    /// Where to write the calibrated model (default: over MODEL, atomically).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// How the threshold (and the scaling) are chosen; shared by `calibrate` and `import`.
#[derive(Debug, Clone, Args)]
pub struct ThresholdArgs {
    /// Threshold at this percentile of the normal samples' scores [default: 95].
    #[arg(long, value_name = "P", conflicts_with = "k_std")]
    pub percentile: Option<f64>,
    /// Threshold at mean + K standard deviations of the scores instead.
    #[arg(long, value_name = "K")]
    pub k_std: Option<f64>,
    /// The reconstruction error scored.
    #[arg(long, value_enum, default_value_t = MetricArg::Mse)]
    pub metric: MetricArg,
    /// First fit the input scaling to the data (one range for all values; see --per-feature).
    #[arg(long, value_enum)]
    pub scaling: Option<ScalingArg>,
    /// With --scaling: one range per input feature instead of one for all.
    #[arg(long, requires = "scaling")]
    pub per_feature: bool,
    /// Set min-max input scaling to this range, e.g. `0,255` for 8-bit pixels a model saw as /255.
    #[arg(
        long,
        value_name = "MIN,MAX",
        value_delimiter = ',',
        num_args = 1,
        allow_hyphen_values = true,
        conflicts_with = "scaling"
    )]
    pub scaling_range: Option<Vec<f32>>,
}

/// `--metric` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
}

/// `--scaling` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScalingArg {
    /// `(x - min) / (max - min)`.
    MinMax,
    /// `(x - mean) / std`.
    Standard,
}

pub(super) fn run(a: CalibrateArgs) -> Result<ExitCode> {
    let mut model = load_model(&a.model)?;
    let (data, normal) = a.data.load()?;
    let data = normal_rows(data, &normal)?;
    let report = apply(&mut model, &data, &a.threshold)?;
    let path = a.output.unwrap_or_else(|| a.model.clone());
    write_model(&model, &path)?;
    println!("wrote {}: {report}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Only the rows labelled normal, when the data has labels.
pub fn normal_rows(data: Dataset, normal: &[String]) -> Result<Dataset> {
    match (&data.labels, normal.is_empty()) {
        (Some(labels), true) => bail!(
            "{}: the data is labelled; say which labels are normal with --normal (labels found: {})",
            data.source,
            LabelSet::distinct(labels)
        ),
        (Some(_), false) => data.keep_labels(&LabelSet::new(normal)),
        (None, _) => Ok(data),
    }
}

/// Sets the scaling (when asked) and the threshold of `model` from normal `data`; returns a
/// one-line report.
pub fn apply(model: &mut Model, data: &Dataset, t: &ThresholdArgs) -> Result<String> {
    super::data_args::check_width(data, model.input_len())?;
    if data.is_empty() {
        bail!("{}: no samples to calibrate on", data.source);
    }
    let mut notes = Vec::new();
    if let Some(p) = scaling(model, data, t)? {
        notes.push(format!("input scaling {}", p.name()));
        model.preprocessing = p;
    }
    let metric = match t.metric {
        MetricArg::Mse => Metric::Mse,
        MetricArg::Mae => Metric::Mae,
    };
    let method = match (t.percentile, t.k_std) {
        (_, Some(k)) => Method::MeanStd(k),
        (p, None) => Method::Percentile(p.unwrap_or(95.0)),
    };
    if let Method::Percentile(p) = method {
        if !(p > 0.0 && p <= 100.0) {
            bail!("--percentile {p}: expected a number in (0, 100]");
        }
    }
    let errors = scores_with(model, data, metric);
    let split = clean_path(std::path::Path::new(&data.source));
    let anomaly = calibrate(&errors, method, metric, &split)?;
    let how = match method {
        Method::Percentile(p) => format!("{p}th percentile"),
        Method::MeanStd(k) => format!("mean + {k}·std"),
    };
    notes.push(format!(
        "threshold {} ({how} of {} {} scores)",
        anomaly.threshold,
        errors.len(),
        metric.name()
    ));
    if errors.len() < FEW_SAMPLES {
        eprintln!(
            "warning: the threshold comes from only {} samples; with fewer than {FEW_SAMPLES} it is unreliable (give more normal data)",
            errors.len()
        );
    }
    model.anomaly = Some(anomaly);
    Ok(notes.join(", "))
}

/// The input scaling the flags ask for, fitted to `data`.
fn scaling(model: &Model, data: &Dataset, t: &ThresholdArgs) -> Result<Option<Preprocessing>> {
    if t.scaling.is_none() && t.scaling_range.is_none() {
        return Ok(None);
    }
    if model.preprocessing != Preprocessing::None {
        bail!(
            "the model already scales its input ({}); calibrating a second scaling would change what it computes",
            model.preprocessing.name()
        );
    }
    if let Some(r) = &t.scaling_range {
        let &[lo, hi] = r.as_slice() else { bail!("--scaling-range: expected MIN,MAX") };
        if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
            bail!("--scaling-range {lo},{hi}: MAX must be above MIN");
        }
        return Ok(Some(Preprocessing::MinMax { min: vec![lo], max: vec![hi] }));
    }
    let n = data.features();
    let columns: Vec<Vec<f32>> = if t.per_feature {
        (0..n).map(|f| (0..data.len()).map(|i| data.row(i)[f]).collect()).collect()
    } else {
        vec![data.x.clone()]
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for c in &columns {
        match t.scaling {
            Some(ScalingArg::MinMax) => {
                let lo = c.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                // A constant feature has no range: 1 keeps it (docs/FORMAT.md).
                a.push(lo);
                b.push(if hi > lo { hi } else { lo + 1.0 });
            }
            _ => {
                let (m, s) = crate::calibrate::mean_std(c);
                a.push(m as f32);
                b.push(if s > 0.0 { s as f32 } else { 1.0 });
            }
        }
    }
    Ok(Some(match t.scaling {
        Some(ScalingArg::MinMax) => Preprocessing::MinMax { min: a, max: b },
        _ => Preprocessing::Standard { mean: a, std: b },
    }))
}
