//! `tinyae train CONFIG`: progress bars, checkpoints, history CSV + loss PNG, the model file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::progress::Bars;
use crate::calibrate::warning_for;
use crate::config::Config;
use crate::optim::OptimizerKind;
use crate::orphans::remove_orphans;
use crate::pipeline::{self, Prepared};
use crate::plots;
use crate::train::{EpochRecord, Outcome};
use crate::warnings;

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
    let outputs = [
        output.clone(),
        checkpoint.clone(),
        sibling(&output, "history.csv"),
        sibling(&output, "loss.png"),
    ];
    let removed = remove_orphans(&outputs);
    if !removed.is_empty() {
        eprintln!("removed {} temporary file(s) left by killed runs", removed.len());
    }
    if !a.quiet {
        eprintln!("{}", describe(&prepared));
    }
    for w in warnings::before_training(&prepared) {
        eprintln!("{w}");
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
            "interrupted after {} complete epochs; {}",
            trained.state.epochs_done,
            if a.no_checkpoint {
                "no checkpoint was kept (--no-checkpoint)".to_owned()
            } else {
                format!(
                    "checkpoint saved to {}\nresume with: {}",
                    checkpoint.display(),
                    resume_command(&a)
                )
            },
        );
        return Ok(ExitCode::from(130));
    }
    pipeline::write_model(&trained.model, &output)?;
    if let Some(w) = trained.model.anomaly.as_ref().and_then(warning_for) {
        eprintln!("{w}");
    }
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

/// The command that resumes this run: the same config and every override given, plus
/// `--resume` (an override left out would resume a different run, which the checkpoint's
/// fingerprint then refuses).
pub fn resume_command(a: &TrainArgs) -> String {
    let quote = |s: String| {
        if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=".contains(c)) {
            s
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    let mut parts = vec!["tinyae train".to_owned(), quote(a.config.display().to_string())];
    let mut flag = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            parts.push(format!("--{name} {}", quote(v)));
        }
    };
    flag("epochs", a.epochs.map(|v| v.to_string()));
    flag("batch-size", a.batch_size.map(|v| v.to_string()));
    flag("learning-rate", a.learning_rate.map(|v| v.to_string()));
    flag("optimizer", a.optimizer.map(|v| format!("{v:?}").to_lowercase()));
    flag("seed", a.seed.map(|v| v.to_string()));
    flag("output", a.output.as_ref().map(|v| v.display().to_string()));
    flag("threads", a.threads.map(|v| v.to_string()));
    flag("limit", a.limit.map(|v| v.to_string()));
    if a.quiet {
        parts.push("--quiet".into());
    }
    parts.push("--resume".into());
    parts.join(" ")
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn the_resume_hint_keeps_every_override() {
        #[derive(Debug, Parser)]
        struct Wrap {
            #[command(flatten)]
            a: TrainArgs,
        }
        let w = Wrap::parse_from([
            "t",
            "my configs/x.toml",
            "--seed",
            "9",
            "--epochs",
            "50",
            "--learning-rate",
            "0.003",
            "--optimizer",
            "adamax",
            "-o",
            "out/m.safetensors",
            "--limit",
            "100",
            "-q",
        ]);
        assert_eq!(
            resume_command(&w.a),
            "tinyae train 'my configs/x.toml' --epochs 50 --learning-rate 0.003 --optimizer \
             adamax --seed 9 --output out/m.safetensors --limit 100 --quiet --resume"
        );
    }
}
