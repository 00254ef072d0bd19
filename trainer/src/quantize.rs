//! Post-training precision reduction of a trained model (`tinyae quantize`): f16/bf16 storage,
//! or int8 calibrated on training rows, then the anomaly threshold recalibrated on the
//! validation rows with the reduced model, as training calibrated it with the f32 one.
//!
//! The arithmetic lives in `tinyae_core::quantize` (shared with the test fixtures); this
//! module picks the data and records what was done in the file's provenance.

use anyhow::{anyhow, Result};
use tinyae_core::ir::{Model, Storage};

use crate::calibrate::{calibrate, Method};
use crate::config::Config;
use crate::data::Dataset;
use crate::pipeline::Prepared;
use crate::scores::scores_with;

/// The precision to store a model in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// IEEE binary16 weights and biases, computed in f32.
    F16,
    /// bfloat16 weights and biases, computed in f32.
    Bf16,
    /// int8 weights (per-channel symmetric), i32 biases, int8 activations (per-tensor
    /// asymmetric), integer arithmetic.
    Int8,
}

impl Precision {
    /// The name on the command line and in provenance.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F16 => "f16",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

/// The rows int8 calibration runs on: the raw training rows, at most `limit` of them (evenly
/// spaced, so the choice does not depend on the file's order).
pub fn calibration_rows(train_raw: &Dataset, limit: usize) -> Vec<Vec<f32>> {
    let n = train_raw.len();
    let step = n.div_ceil(limit.max(1)).max(1);
    (0..n).step_by(step).map(|i| train_raw.row(i).to_vec()).collect()
}

/// `model` in `precision`, its threshold recalibrated on `prepared`'s validation rows.
pub fn reduce(
    model: &Model,
    precision: Precision,
    prepared: &Prepared,
    rows: usize,
) -> Result<Model> {
    let mut out = match precision {
        Precision::F16 => tinyae_core::quantize::to_float(model, Storage::F16),
        Precision::Bf16 => tinyae_core::quantize::to_float(model, Storage::Bf16),
        Precision::Int8 => {
            let data = calibration_rows(&prepared.train_raw, rows);
            let cal = tinyae_core::quantize::calibrate(model, &data).map_err(|e| anyhow!(e))?;
            let extra = format!(
                "post-training: int8 weights symmetric per output channel, i32 biases, int8 \
                 activations asymmetric per tensor from min/max over {} training rows",
                cal.rows
            );
            tinyae_core::quantize::to_int8(model, &cal).map(|mut m| {
                m.provenance.extra.push(("quantization".to_owned(), extra));
                m
            })
        }
    }
    .map_err(|e| anyhow!("cannot convert the model to {}: {e}", precision.name()))?;
    out.provenance.extra.retain(|(k, _)| k != "precision");
    out.provenance.extra.push(("precision".to_owned(), precision.name().to_owned()));
    recalibrate(&mut out, &prepared.config, prepared)?;
    tinyae_core::validate::validate(&out)
        .map_err(|e| anyhow!("the {} model does not validate:\n{e}", precision.name()))?;
    Ok(out)
}

/// Sets the anomaly threshold from the model's own errors on the validation rows (training
/// rows without a validation split), with the config's metric and method.
pub fn recalibrate(model: &mut Model, config: &Config, prepared: &Prepared) -> Result<()> {
    let (rows, split) = match &prepared.val_raw {
        Some(v) if !v.is_empty() => (v, "validation"),
        _ => (&prepared.train_raw, "train"),
    };
    let a = &config.anomaly;
    let errors = scores_with(model, rows, a.metric.metric());
    let method = match (a.percentile, a.mean_std) {
        (_, Some(k)) => Method::MeanStd(k),
        (p, None) => Method::Percentile(p.unwrap_or(95.0)),
    };
    model.anomaly = Some(calibrate(&errors, method, a.metric.metric(), split)?);
    Ok(())
}
