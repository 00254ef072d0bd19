//! `tinyae tune CONFIG`: picks a series model's window and threshold percentile by looking only
//! at the training and validation parts, never the test part.
//!
//! Each window is trained as `tinyae train` would and each percentile calibrated on its
//! validation part; its windows over every reading before the test part are scored, alarms raised as `eval` raises them, and the candidate with the best
//! NAB standard score on the labelled anomaly windows of those readings wins (they were kept
//! out of training, whose windows hold no labelled reading). A series with no labelled window
//! before its test part has nothing to choose by: the config's own settings win. The winner is
//! written to the config's output, like `tinyae train`, with its config beside it
//! (`<output>.tuned.toml`) for `tinyae eval --config`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use tinyae_core::Model;

use super::eval_events::readings_above;
use crate::calibrate::{calibrate, Method};
use crate::config::Config;
use crate::data::{chronological_parts, DataFormat, Span};
use crate::events::{events, labelled_windows, raise_alarms};
use crate::nab::PROFILES;
use crate::pipeline;
use crate::scores::{scores, scores_with};
use crate::train::Silent;

/// `tinyae tune` flags.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The series config (its window and percentile are the first candidate).
    pub config: PathBuf,
    /// Windows to try, readings or durations (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = Span::parse, default_value = "4h,12h,1d")]
    pub windows: Vec<Span>,
    /// Threshold percentiles to try (comma-separated; the config's own is tried first).
    #[arg(long, value_delimiter = ',', default_value = "99,99.5,99.9")]
    pub percentiles: Vec<f64>,
    /// Override `output`.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

struct Candidate {
    window: Span,
    percentile: Option<f64>,
    model: Model,
    nab: Option<f64>,
    detected: (usize, usize),
    false_events: usize,
    val_loss: f64,
}

pub(super) fn run(a: TuneArgs) -> Result<ExitCode> {
    let base = Config::load(&a.config)?;
    if base.data.format != DataFormat::Series {
        bail!("`tinyae tune` picks a series window; {} is not a series config", a.config.display());
    }
    let mut windows = vec![base.data.window.clone().unwrap_or(Span::Rows(1))];
    for w in &a.windows {
        if !windows.contains(w) {
            windows.push(w.clone());
        }
    }
    let mut percentiles = vec![base.anomaly.percentile];
    for p in a.percentiles.iter().map(|&p| Some(p)) {
        if !percentiles.contains(&p) {
            percentiles.push(p);
        }
    }
    let mut candidates = Vec::new();
    for window in &windows {
        let mut config = base.clone();
        config.data.window = Some(window.clone());
        match evaluate(&config, &percentiles) {
            Ok(found) => {
                for c in found {
                    report(&c);
                    candidates.push(c);
                }
            }
            Err(e) => eprintln!("window {window}: skipped: {e}"),
        }
    }
    let labelled = candidates.iter().any(|c| c.nab.is_some());
    // The first candidate (the config's own settings) unless another scores better.
    let mut best = candidates.first().map(|c| (0, c));
    for (i, c) in candidates.iter().enumerate().skip(1).filter(|_| labelled) {
        let better = |b: &Candidate| {
            let key = |x: &Candidate| x.nab.unwrap_or(f64::NEG_INFINITY);
            key(c) > key(b) || (key(c) == key(b) && c.val_loss < b.val_loss)
        };
        if best.is_some_and(|(_, b)| better(b)) {
            best = Some((i, c));
        }
    }
    let Some((index, best)) = best else { bail!("no candidate trained") };
    let output = a.output.unwrap_or(base.output.clone());
    let mut model = best.model.clone();
    let tried: Vec<String> = windows.iter().map(ToString::to_string).collect();
    model.provenance.extra.push((
        "tuned".into(),
        format!(
            "window {} of [{}] by {} before the test part",
            best.window,
            tried.join(", "),
            if labelled { "the NAB standard score" } else { "default (no labelled window)" }
        ),
    ));
    pipeline::write_model(&model, &output)?;
    let tuned = output.with_extension("tuned.toml");
    let text = tuned_config(&a.config, &output, &best.window, best.percentile)?;
    tinyae_core::format::write_atomic(&tuned, text.as_bytes())
        .with_context(|| format!("cannot write {}", tuned.display()))?;
    println!(
        "chose window {}{} ({}); wrote {} and its config {}",
        best.window,
        best.percentile.map_or(String::new(), |p| format!(", percentile {p}")),
        if labelled {
            format!("best NAB standard score before the test part, candidate {}", index + 1)
        } else {
            "no labelled anomaly before the test part to choose by: the config's own".to_owned()
        },
        output.display(),
        tuned.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The config at `path` with the chosen window and percentile, its paths made absolute so it
/// works from beside the model (`eval --config` it to evaluate the tuned model).
fn tuned_config(
    path: &Path,
    output: &Path,
    window: &Span,
    percentile: Option<f64>,
) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: toml::Table = toml::from_str(&text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let absolute = |v: &mut toml::Value| {
        if let Some(s) = v.as_str() {
            let p = base.join(s);
            *v = toml::Value::String(std::fs::canonicalize(&p).unwrap_or(p).display().to_string());
        }
    };
    doc.insert(
        "output".into(),
        toml::Value::String(std::path::absolute(output)?.display().to_string()),
    );
    if let Some(data) = doc.get_mut("data").and_then(toml::Value::as_table_mut) {
        for key in
            ["train", "train_labels", "test", "test_labels", "validation_file", "windows_json"]
        {
            if let Some(v) = data.get_mut(key) {
                absolute(v);
            }
        }
        data.insert(
            "window".into(),
            match window {
                Span::Rows(n) => toml::Value::Integer(*n as i64),
                Span::Duration(d) => toml::Value::String(d.clone()),
            },
        );
    }
    if let (Some(p), Some(anomaly)) =
        (percentile, doc.get_mut("anomaly").and_then(toml::Value::as_table_mut))
    {
        anomaly.remove("mean_std");
        anomaly.insert("percentile".into(), toml::Value::Float(p));
    }
    Ok(format!(
        "# Written by `tinyae tune {}`: its settings with the chosen window.\n{}",
        path.display(),
        toml::to_string(&doc)?
    ))
}

/// Trains `config` once, then for each threshold percentile (`None`: the config's rule) scores
/// its alarms over every reading before the test part.
fn evaluate(config: &Config, percentiles: &[Option<f64>]) -> Result<Vec<Candidate>> {
    let prepared = pipeline::prepare(config)?;
    let trained = pipeline::train(&prepared, &mut Silent, None, None)?;
    let sd = config.data.series(&config.data.train)?;
    let rows = sd.series.rows();
    let [_, _, test] = chronological_parts(rows, config.data.validation, config.data.test_share());
    let before = 0..test.start;
    let windows = sd.windows(before.clone(), 1, false);
    let s = scores(&trained.model, &windows);
    let metric = config.anomaly.metric.metric();
    let (calibrate_on, split) = match &prepared.val_raw {
        Some(v) => (v, "validation"),
        None => (&prepared.train_raw, "train"),
    };
    let errors = scores_with(&trained.model, calibrate_on, metric);
    let labelled = labelled_windows(&sd.anomalous);
    let val_loss = trained.model.provenance.val_loss.unwrap_or(f64::INFINITY);
    let mut out = Vec::new();
    for &percentile in percentiles {
        let mut model = trained.model.clone();
        if let Some(p) = percentile {
            model.anomaly = Some(calibrate(&errors, Method::Percentile(p), metric, split)?);
        }
        let threshold = model.anomaly.as_ref().map_or(f32::INFINITY, |an| an.threshold);
        let above = readings_above(rows, &windows, sd.window, &s, threshold);
        let e = events(&raise_alarms(&above, sd.window), &labelled, before.clone(), sd.window);
        out.push(Candidate {
            window: config.data.window.clone().unwrap_or(Span::Rows(sd.window)),
            percentile,
            model,
            nab: (!e.windows.is_empty()).then(|| e.nab[0].normalized),
            detected: (e.detected(), e.windows.len()),
            false_events: e.false_events.len(),
            val_loss,
        });
    }
    Ok(out)
}

fn report(c: &Candidate) {
    println!(
        "window {:<8} percentile {:<6} before the test part: {} of {} labelled windows, {} \
         false-alarm events, NAB {} {}; validation loss {:.6}",
        c.window.to_string(),
        c.percentile.map_or("-".into(), |p| p.to_string()),
        c.detected.0,
        c.detected.1,
        c.false_events,
        PROFILES[0].name,
        c.nab.map_or("-".into(), |v| format!("{v:.1}")),
        c.val_loss
    );
}
