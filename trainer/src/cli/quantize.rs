//! `tinyae quantize MODEL --config CONFIG --precision int8|f16|bf16`: a trained model in a
//! smaller precision, calibrated on the config's training rows, threshold recalibrated.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use tinyae_core::ir::Model;

use super::inspect::load_model;
use crate::config::Config;
use crate::pipeline::{self, write_model, Prepared};
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
    /// int8: quantize only this half and keep the other in float (mixed precision, e.g. an
    /// int8 encoder on the device and an f32 decoder).
    #[arg(long, value_enum, value_name = "HALF")]
    pub only: Option<HalfArg>,
}

/// `--only` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HalfArg {
    /// Layers up to and including the latent layer.
    Encoder,
    /// Layers after the latent layer.
    Decoder,
}

impl HalfArg {
    fn name(self) -> &'static str {
        match self {
            HalfArg::Encoder => "encoder",
            HalfArg::Decoder => "decoder",
        }
    }
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
    if a.only.is_some() && precision != Precision::Int8 {
        bail!("--only works with --precision int8, found --precision {}\nhelp: drop --only to store every layer as {}", precision.name(), precision.name());
    }
    let mut out = reduce(&model, precision, &prepared, a.calibration_rows)?;
    if let Some(half) = a.only {
        keep_float(&mut out, &model, half, &prepared)?;
    }
    out.provenance.extra.push(("converted_from".to_owned(), pipeline::clean_path(&a.model)));
    let suffix = match a.only {
        Some(half) => format!("{}-{}.safetensors", half.name(), precision.name()),
        None => format!("{}.safetensors", precision.name()),
    };
    let path = a.output.unwrap_or_else(|| super::train::sibling(&a.model, &suffix));
    write_model(&out, &path)?;
    let before = tinyae_core::cost::cost(&model).weight_bytes;
    let after = tinyae_core::cost::cost(&out).weight_bytes;
    println!(
        "wrote {}: {}{} weights, {after} bytes of weights and biases in the file (f32: {before}), threshold {}",
        path.display(),
        a.only.map_or(String::new(), |h| format!("{} ", h.name())),
        precision.name(),
        out.anomaly.as_ref().map_or(f32::NAN, |a| a.threshold)
    );
    Ok(ExitCode::SUCCESS)
}

/// Puts the float layers of `original` back into the half of the int8 model `out` that
/// `--only` leaves out (the int8 half keeps the parameters calibrated on the float model), then
/// recalibrates the threshold of the mixed model.
fn keep_float(out: &mut Model, original: &Model, only: HalfArg, prepared: &Prepared) -> Result<()> {
    let k = original.latent_layer;
    for (j, layer) in out.layers.iter_mut().enumerate() {
        if (j <= k) != (only == HalfArg::Encoder) {
            *layer = original.layers[j].clone();
        }
    }
    out.provenance.extra.retain(|(key, _)| key != "precision");
    out.provenance.extra.push(("precision".to_owned(), format!("int8 {}", only.name())));
    crate::quantize::recalibrate(out, &prepared.config, prepared)?;
    tinyae_core::validate::validate(out)
        .map_err(|e| anyhow::anyhow!("the mixed-precision model does not validate:\n{e}"))
}
