//! `tinyae import MODEL.onnx|MODEL.tflite -o OUT.safetensors`: a PyTorch, Keras or TFLite
//! autoencoder as a tinyae model file, optionally calibrated on the user's normal data.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::Args;
use tinyae_import::{import_file, Options};

use super::calibrate::{apply, normal_rows, ThresholdArgs};
use super::data_args::{DataArgs, FormatArg};
use super::inspect::summary;
use crate::pipeline::write_model;

/// `tinyae import` flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The exported model: `.onnx` (torch.onnx.export, tf2onnx) or `.tflite` (TFLiteConverter).
    pub model: PathBuf,
    /// Where to write the tinyae model.
    #[arg(long, short)]
    pub output: PathBuf,
    /// The latent layer, by name or index (default: the first layer with the fewest outputs).
    #[arg(long, value_name = "LAYER")]
    pub latent: Option<String>,
    /// Calibrate the anomaly threshold on this file of normal samples (CSV/TSV/IDX).
    #[arg(long, value_name = "DATA")]
    pub calibrate: Option<PathBuf>,
    /// Layout of --calibrate (default: from the extension).
    #[arg(long, value_enum, requires = "calibrate")]
    pub format: Option<FormatArg>,
    /// CSV/TSV: label column of --calibrate, 0-based index or header name.
    #[arg(long, value_name = "COLUMN", requires = "calibrate")]
    pub label_column: Option<String>,
    /// Labels of --calibrate that count as normal (comma-separated); other rows are skipped.
    #[arg(long, value_delimiter = ',', value_name = "LABELS", requires = "calibrate")]
    pub normal: Vec<String>,
    /// With --calibrate: threshold and scaling choices.
    #[command(flatten)]
    pub threshold: ThresholdArgs,
}

pub(super) fn run(a: ImportArgs) -> Result<ExitCode> {
    let options = Options { latent: a.latent.clone() };
    let mut model =
        import_file(&a.model, &options).map_err(|e| anyhow!("{}: {e}", a.model.display()))?;
    for (_, note) in model.provenance.extra.iter().filter(|(k, _)| k == "import_notes") {
        for n in note.split("; ") {
            eprintln!("warning: {n}");
        }
    }
    let mut report = String::new();
    if let Some(path) = &a.calibrate {
        let data = DataArgs {
            data: Some(path.clone()),
            format: a.format,
            label_column: a.label_column.clone(),
            normal: a.normal.clone(),
            ..DataArgs::default()
        };
        let (data, normal) = data.load()?;
        report = apply(&mut model, &normal_rows(data, &normal)?, &a.threshold)?;
    } else if a.threshold.percentile.is_some()
        || a.threshold.k_std.is_some()
        || a.threshold.scaling.is_some()
    {
        eprintln!("warning: threshold and scaling flags need --calibrate DATA; the model is written without a threshold");
    }
    write_model(&model, &a.output)?;
    print!("{}", summary(&model, &a.output.display().to_string()));
    println!(
        "wrote {}{}",
        a.output.display(),
        if report.is_empty() { String::new() } else { format!(": {report}") }
    );
    if model.anomaly.is_none() {
        println!(
            "no threshold yet: run `tinyae calibrate {} --data NORMAL.csv` to set one",
            a.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
