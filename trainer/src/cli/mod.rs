//! The `tinyae` command line: `train`, `inspect`, `eval`, `plot`, `score`, `tune`, `synth`,
//! `quantize`, `prune`, `import`, `calibrate`, `seal`.

mod calibrate;
mod data_args;
mod eval;
mod eval_events;
mod eval_reference;
mod import;
mod inspect;
mod plot;
mod progress;
mod prune;
mod qat;
mod quantize;
mod recipe;
mod score;
mod seal;
mod synth;
mod train;
mod tune;

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use data_args::DataArgs;
pub use inspect::summary;

/// Train autoencoders on real data and write tinyae model files for microcontrollers.
#[derive(Debug, Parser)]
#[command(name = "tinyae", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model from a TOML config and write its .safetensors file.
    Train(train::TrainArgs),
    /// Show a model file's layers, sizes per precision, scaling, threshold and provenance.
    Inspect(inspect::InspectArgs),
    /// Score labelled data: confusion matrix, precision, recall, F1, ROC-AUC, PR-AUC.
    Eval(eval::EvalArgs),
    /// Write PNGs: reconstructions, error histogram with threshold, latent scatter.
    Plot(plot::PlotArgs),
    /// Generate synthetic data sets (the seeds' sensor example).
    Synth(synth::SynthArgs),
    /// Store a trained model as int8 (calibrated), f16 or bf16; recalibrates the threshold.
    Quantize(quantize::QuantizeArgs),
    /// Prune the smallest weights to a target sparsity, fine-tuning in stages.
    Prune(prune::PruneArgs),
    /// Write the score and alarm of every reading (or row) of a data file as CSV.
    Score(score::ScoreArgs),
    /// Pick a series model's window by its training and validation parts only, and train it.
    Tune(tune::TuneArgs),
    /// Fine-tune with int8 simulated (quantization-aware training), then write int8.
    Qat(qat::QatArgs),
    /// Import an autoencoder from ONNX (PyTorch, tf2onnx) or TensorFlow Lite.
    Import(import::ImportArgs),
    /// Set a model's anomaly threshold (and optionally its input scaling) from normal data.
    Calibrate(calibrate::CalibrateArgs),
    /// Add the integrity hash of the tensor data to model files, without changing that data.
    Seal(seal::SealArgs),
}

/// Parses `args` and runs the command; errors are printed with their causes.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Train(a) => train::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Quantize(a) => quantize::run(a),
        Command::Prune(a) => prune::run(a),
        Command::Score(a) => score::run(a),
        Command::Tune(a) => tune::run(a),
        Command::Qat(a) => qat::run(a),
        Command::Import(a) => import::run(a),
        Command::Calibrate(a) => calibrate::run(a),
        Command::Seal(a) => seal::run(a),
    }
}
