//! `tinyae quantize MODEL --config CONFIG --precision int8|f16|bf16`: a trained model in a
//! smaller precision, calibrated on the config's training rows, threshold recalibrated.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::inspect::load_model;
use crate::config::Config;
use crate::pipeline::{self, write_model};
use crate::quantize::{reduce, Precision};

/// `tinyae quantize` flags.
#[derive(Debug, Args)]
pub struct QuantizeArgs {
    /// The trained f32 model file.
    pub model: PathBuf,
    /// The training config (its data calibrates int8 ranges and the threshold).
    #[arg(long, value_name = "TOML")]
    pub config: PathBuf,
    /// The precision to store.
    #[arg(long, value_enum)]
    pub precision: PrecisionArg,
    /// Where to write the model (default: `<model>.<precision>.safetensors`).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// int8: calibrate on at most this many training rows (evenly spaced).
    #[arg(long, default_value_t = 2000)]
    pub calibration_rows: usize,
}

/// `--precision` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrecisionArg {
    /// int8 weights and activations, integer arithmetic.
    Int8,
    /// f16 weights, f32 arithmetic.
    F16,
    /// bf16 weights, f32 arithmetic.
    Bf16,
}

pub(super) fn run(a: QuantizeArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    let config = Config::load(&a.config)?;
    let prepared = pipeline::prepare(&config)?;
    let precision = match a.precision {
        PrecisionArg::Int8 => Precision::Int8,
        PrecisionArg::F16 => Precision::F16,
        PrecisionArg::Bf16 => Precision::Bf16,
    };
    let mut out = reduce(&model, precision, &prepared, a.calibration_rows)?;
    out.provenance.extra.push(("converted_from".to_owned(), pipeline::clean_path(&a.model)));
    let path = a.output.unwrap_or_else(|| {
        super::train::sibling(&a.model, &format!("{}.safetensors", precision.name()))
    });
    write_model(&out, &path)?;
    let before = tinyae_core::cost::cost(&model).weight_bytes;
    let after = tinyae_core::cost::cost(&out).weight_bytes;
    println!(
        "wrote {}: {} weights, {after} bytes of weights and biases in the file (f32: {before}), threshold {}",
        path.display(),
        precision.name(),
        out.anomaly.as_ref().map_or(f32::NAN, |a| a.threshold)
    );
    Ok(ExitCode::SUCCESS)
}
