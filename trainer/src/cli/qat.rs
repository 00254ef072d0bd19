//! `tinyae qat CONFIG --from MODEL --epochs N -o OUT`: quantization-aware fine-tuning of a
//! trained f32 dense model, written as int8 with its threshold recalibrated.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::inspect::load_model;
use crate::config::Config;
use crate::pipeline::{self, write_model};
use crate::qat::qat;

/// `tinyae qat` flags.
#[derive(Debug, Args)]
pub struct QatArgs {
    /// The training config (data, optimizer, loss, threshold rule).
    pub config: PathBuf,
    /// The trained f32 model to fine-tune.
    #[arg(long, value_name = "MODEL")]
    pub from: PathBuf,
    /// Fine-tuning epochs with int8 simulated.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Step size for fine-tuning (default: the config's `train.learning_rate`).
    #[arg(long)]
    pub learning_rate: Option<f32>,
    /// Calibrate int8 ranges on at most this many training rows (evenly spaced).
    #[arg(long, default_value_t = 2000)]
    pub calibration_rows: usize,
    /// Where to write the int8 model.
    #[arg(long, short)]
    pub output: PathBuf,
    /// No per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
}

pub(super) fn run(a: QatArgs) -> Result<ExitCode> {
    let model = load_model(&a.from)?;
    let mut config = Config::load(&a.config)?;
    config.train.learning_rate = a.learning_rate.unwrap_or(config.train.learning_rate);
    let prepared = pipeline::prepare(&config)?;
    let pool = pipeline::thread_pool(&config)?;
    let quiet = a.quiet;
    let (mut out, _) = pool.install(|| {
        qat(&model, &prepared, a.epochs, a.calibration_rows, |line| {
            if !quiet {
                eprintln!("{line}");
            }
        })
    })?;
    out.provenance.extra.push(("qat_from".to_owned(), pipeline::clean_path(&a.from)));
    out.provenance
        .extra
        .push(("qat_learning_rate".to_owned(), config.train.learning_rate.to_string()));
    write_model(&out, &a.output)?;
    println!(
        "wrote {}: int8 after {} epochs of quantization-aware training, threshold {}",
        a.output.display(),
        a.epochs,
        out.anomaly.as_ref().map_or(f32::NAN, |t| t.threshold)
    );
    Ok(ExitCode::SUCCESS)
}
