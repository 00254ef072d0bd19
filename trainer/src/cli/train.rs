//! `tinyae train CONFIG`: progress bars, checkpoints, history CSV + loss PNG, the model file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::progress::Bars;
use crate::config::Config;
use crate::optim::OptimizerKind;
use crate::pipeline::{self, Prepared};
use crate::plots;
use crate::train::{EpochRecord, Outcome};

/// `tinyae train` flags; each override replaces the config's value for this run.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The TOML config (paths inside it are relative to its directory).
    pub config: PathBuf,
    /// Override `train.epochs`.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Override `train.batch_size`.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Override `train.learning_rate`.
    #[arg(long)]
    pub learning_rate: Option<f32>,
    /// Override `train.optimizer`.
    #[arg(long, value_parser = parse_optimizer)]
    pub optimizer: Option<OptimizerKind>,
    /// Override `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override `output` (relative to the current directory).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Override `train.threads`.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override `data.limit` (use at most this many training rows).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Continue from the checkpoint beside the output (same config, e.g. more --epochs).
    #[arg(long)]
    pub resume: bool,
    /// Do not write a checkpoint after each epoch.
    #[arg(long)]
    pub no_checkpoint: bool,
    /// No progress bars or per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_optimizer(s: &str) -> Result<OptimizerKind, String> {
    match s {
        "adam" => Ok(OptimizerKind::Adam),
        "adamax" => Ok(OptimizerKind::Adamax),
        "sgd" => Ok(OptimizerKind::Sgd),
        _ => Err(format!("unknown optimizer `{s}`; expected adam, adamax or sgd")),
    }
}

/// `models/x.safetensors` + `history.csv` → `models/x.history.csv`.
pub fn sibling(output: &Path, suffix: &str) -> PathBuf {
    let stem = output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    output.with_file_name(format!("{stem}.{suffix}"))
}

pub(super) fn run(a: TrainArgs) -> Result<ExitCode> {
    let mut config = Config::load(&a.config)?;
    apply_overrides(&mut config, &a);
    config.check()?;
    let prepared = pipeline::prepare(&config)?;
    let output = config.output.clone();
    let checkpoint = sibling(&output, "checkpoint.safetensors");
    if a.resume && !checkpoint.exists() {
        bail!("--resume: no checkpoint at {}; train without --resume first", checkpoint.display());
    }
    if !a.quiet {
        eprintln!("{}", describe(&prepared));
    }
    let batches = prepared.train.len().div_ceil(config.train.batch_size);
    let mut bars = Bars::new(&config.name, config.train.epochs, 0, batches, a.quiet)?;
    let started = Instant::now();
    let result = pipeline::train(
        &prepared,
        &mut bars,
        (!a.no_checkpoint).then_some(checkpoint.as_path()),
        a.resume.then_some(checkpoint.as_path()),
    );
    bars.finish();
    let trained = result?;
    let seconds = started.elapsed().as_secs_f64();
    let history = &trained.state.history;
    write_history(history, &sibling(&output, "history.csv"))?;
    plots::loss_curve(history, &format!("{}: loss", config.name), &sibling(&output, "loss.png"))?;
    if trained.outcome == Outcome::Interrupted {
        eprintln!(
            "interrupted after {} complete epochs; {}\nresume with: tinyae train {} --resume",
            trained.state.epochs_done,
            if a.no_checkpoint {
                "no checkpoint was kept (--no-checkpoint)".to_owned()
            } else {
                format!("checkpoint saved to {}", checkpoint.display())
            },
            a.config.display()
        );
        return Ok(ExitCode::from(130));
    }
    pipeline::write_model(&trained.model, &output)?;
    let p = &trained.model.provenance;
    let t = trained.model.anomaly.as_ref().map(|a| a.threshold).unwrap_or(f32::NAN);
    println!(
        "wrote {}: {} epochs run in {seconds:.1}s ({}), weights from epoch {}, train loss {}, \
         val loss {}, threshold {t:.6}",
        output.display(),
        trained.state.epochs_done,
        match trained.outcome {
            Outcome::EarlyStopped => "early stopping",
            _ => "completed",
        },
        p.epochs.unwrap_or(0),
        p.train_loss.map_or("-".into(), |v| format!("{v:.6}")),
        p.val_loss.map_or("-".into(), |v| format!("{v:.6}")),
    );
    Ok(ExitCode::SUCCESS)
}

fn apply_overrides(config: &mut Config, a: &TrainArgs) {
    let t = &mut config.train;
    t.epochs = a.epochs.unwrap_or(t.epochs);
    t.batch_size = a.batch_size.unwrap_or(t.batch_size);
    t.learning_rate = a.learning_rate.unwrap_or(t.learning_rate);
    t.optimizer = a.optimizer.unwrap_or(t.optimizer);
    t.threads = a.threads.or(t.threads);
    config.seed = a.seed.unwrap_or(config.seed);
    config.data.limit = a.limit.or(config.data.limit);
    if let Some(o) = &a.output {
        config.output = o.clone();
    }
}

fn describe(p: &Prepared) -> String {
    let a = &p.arch;
    // Dense models as widths (784-128-...-784), others as each layer's output shape.
    let widths: Vec<String> = match a.plan() {
        Ok(plan) if a.is_dense() => std::iter::once(p.train.features().to_string())
            .chain(plan.shapes[1..].iter().map(|s| s.iter().product::<usize>().to_string()))
            .collect(),
        Ok(plan) => plan.shapes.iter().map(|s| format!("{s:?}")).collect(),
        Err(e) => vec![format!("{e}")],
    };
    let c = &p.config;
    format!(
        "{}: {} training rows, {} validation rows, {} values each\n  {} {} ({}), {} loss, \
         {:?} lr {} batch {}, up to {} epochs, seed {}",
        c.name,
        p.train.len(),
        p.val.as_ref().map_or(0, |v| v.len()),
        p.train.features(),
        widths.join("-"),
        if a.kind == tinyae_core::ir::ModelKind::Vae { "VAE" } else { "autoencoder" },
        p.settings.objective.kind.name(),
        format!("{:?}", c.train.loss).to_lowercase(),
        c.train.optimizer,
        c.train.learning_rate,
        c.train.batch_size,
        c.train.epochs,
        c.seed
    )
}

/// Writes `epoch,train_loss,val_loss,seconds` atomically.
pub fn write_history(history: &[EpochRecord], path: &Path) -> Result<()> {
    let mut csv = String::from("epoch,train_loss,val_loss,seconds\n");
    for r in history {
        let val = r.val_loss.map_or(String::new(), |v| format!("{v:.9}"));
        csv.push_str(&format!("{},{:.9},{val},{:.3}\n", r.epoch, r.train_loss, r.seconds));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    tinyae_core::format::write_atomic(path, csv.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
