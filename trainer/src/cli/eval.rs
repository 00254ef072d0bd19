//! `tinyae eval MODEL --data ...`: how well the calibrated threshold separates labelled data,
//! next to a PCA baseline; on a series also as events (windows detected, false alarms, delay,
//! NAB score, random placement).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use serde_json::json;
use tinyae_core::Model;

use super::data_args::{DataArgs, EvalData};
use super::eval_events::{series_events, Alarming, SeriesReport};
use super::eval_reference;
use super::inspect::load_model;
use crate::baseline::Baseline;
use crate::config::Config;
use crate::data::{Dataset, LabelSet};
use crate::metrics::{pr_auc, roc_auc, Confusion};
use crate::pipeline;
use crate::scores::scores;

/// `tinyae eval` flags.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model file.
    pub model: PathBuf,
    /// The labelled data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Use this threshold instead of the file's.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Series: after an alarm, readings before the next can be raised (default: the window
    /// length; 1 raises one on every reading above the threshold).
    #[arg(long)]
    pub hold: Option<usize>,
    /// Series: false alarms this many readings apart or closer form one event (default: the
    /// window length).
    #[arg(long)]
    pub gap: Option<usize>,
    /// Series: NAB's reference detectors' results (data/nab/reference_results.json), scored on
    /// the same rows.
    #[arg(long, value_name = "JSON")]
    pub reference: Option<PathBuf>,
    /// Random alarm placements drawn for the reference.
    #[arg(long, default_value_t = 1000)]
    pub draws: usize,
    /// Skip the PCA baseline.
    #[arg(long)]
    pub no_baseline: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Checks that `data` fits `model`, and splits labels into normal/anomaly.
pub fn truth(model_len: usize, data: &Dataset, normal: &[String]) -> Result<Vec<bool>> {
    super::data_args::check_width(data, model_len)?;
    let Some(labels) = &data.labels else {
        bail!(
            "{}: no labels; eval needs labelled data (set --label-column or --labels)",
            data.source
        );
    };
    if normal.is_empty() {
        bail!(
            "say which labels are normal with --normal (labels found: {})",
            LabelSet::distinct(labels)
        );
    }
    let set = LabelSet::new(normal);
    Ok(labels.iter().map(|l| !set.contains(l)).collect())
}

/// The model's threshold, or `--threshold`.
pub fn threshold_of(model: &Model, flag: Option<f32>, path: &std::path::Path) -> Result<f32> {
    match (flag, &model.anomaly) {
        (Some(t), _) => Ok(t),
        (None, Some(an)) => Ok(an.threshold),
        (None, None) => bail!("{}: the model has no threshold; pass --threshold", path.display()),
    }
}

/// The PCA baseline: fitted on the config's training rows (the model's own, when it is the
/// model's config), thresholded on its validation rows by the model's calibration rule.
pub struct PcaBaseline {
    /// The fitted baseline.
    pub baseline: Baseline,
    /// Its threshold.
    pub threshold: f32,
    /// Training rows it was fitted on.
    pub rows: usize,
}

fn pca_baseline(model: &Model, a: &EvalArgs) -> Result<Option<PcaBaseline>> {
    let Some(path) = a.data.config.as_ref().filter(|_| !a.no_baseline) else { return Ok(None) };
    let prepared = pipeline::prepare(&Config::load(path)?)?;
    if prepared.train_raw.features() != model.input_len() {
        return Ok(None);
    }
    let baseline = Baseline::fit(model, &prepared.train_raw);
    let calibrate_on = prepared.val_raw.as_ref().unwrap_or(&prepared.train_raw);
    let errors = baseline.scores(calibrate_on);
    let threshold = match model.anomaly.as_ref().map(|an| &an.calibration) {
        Some(tinyae_core::ir::Calibration::MeanStd { k, .. }) => {
            let (m, s) = crate::calibrate::mean_std(&errors);
            (m + k * s) as f32
        }
        Some(tinyae_core::ir::Calibration::Percentile { percentile, .. }) => {
            crate::calibrate::percentile(&errors, *percentile) as f32
        }
        _ => crate::calibrate::percentile(&errors, 95.0) as f32,
    };
    Ok(Some(PcaBaseline { threshold, rows: prepared.train_raw.len(), baseline }))
}

/// Everything `tinyae eval` measured, for the JSON document or the table.
struct Evaluation {
    data: Dataset,
    normal: Vec<String>,
    note: String,
    truth: Vec<bool>,
    threshold: f32,
    confusion: Confusion,
    roc: Option<f64>,
    pr: Option<f64>,
    pca: Option<PcaBaseline>,
    pca_roc: Option<f64>,
    pca_pr: Option<f64>,
    events: Option<SeriesReport>,
    refs: Option<Vec<eval_reference::Reference>>,
}

pub(super) fn run(a: EvalArgs) -> Result<ExitCode> {
    let e = evaluate(&a)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&a, &e))?);
    } else {
        print_table(&a, &e);
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(a: &EvalArgs) -> Result<Evaluation> {
    let model = load_model(&a.model)?;
    let EvalData { data, normal, series, note, windows_key } =
        a.data.load_for(model.data.as_ref())?;
    let truth = truth(model.input_len(), &data, &normal)?;
    let threshold = threshold_of(&model, a.threshold, &a.model)?;
    let s = scores(&model, &data);
    let pca = pca_baseline(&model, a)?;
    let pca_scores = pca.as_ref().map(|p| p.baseline.scores(&data));
    let events = series.as_ref().map(|(sd, rows)| {
        series_events(
            sd,
            rows.clone(),
            &data,
            (&s, threshold),
            pca.as_ref().zip(pca_scores.as_deref()).map(|(p, sc)| (sc, p.threshold)),
            Alarming {
                hold: a.hold.unwrap_or(sd.window),
                gap: a.gap.unwrap_or(sd.window),
                draws: a.draws,
            },
        )
    });
    let refs = match (&a.reference, &series, &windows_key) {
        (Some(path), Some((sd, rows)), Some(key)) => {
            let gap = a.gap.unwrap_or(sd.window);
            Some(eval_reference::references(path, key, &sd.anomalous, rows.clone(), gap)?)
        }
        (Some(_), _, _) => {
            bail!("--reference needs a series with labelled windows (--windows-key)")
        }
        _ => None,
    };
    Ok(Evaluation {
        confusion: Confusion::at(&s, &truth, threshold),
        roc: roc_auc(&s, &truth),
        pr: pr_auc(&s, &truth),
        pca_roc: pca_scores.as_ref().and_then(|p| roc_auc(p, &truth)),
        pca_pr: pca_scores.as_ref().and_then(|p| pr_auc(p, &truth)),
        data,
        normal,
        note,
        truth,
        threshold,
        pca,
        events,
        refs,
    })
}

fn to_json(a: &EvalArgs, e: &Evaluation) -> serde_json::Value {
    let (c, n) = (&e.confusion, e.confusion.normal_positive());
    json!({
        "model": a.model.display().to_string(),
        "data": e.data.source,
        "part": e.note,
        "samples": e.data.len(),
        "normal_labels": e.normal,
        "threshold": e.threshold,
        "positive_class": "anomaly",
        "confusion": c,
        "accuracy": c.accuracy(), "precision": c.precision(), "recall": c.recall(), "f1": c.f1(),
        "roc_auc": e.roc, "pr_auc": e.pr,
        "normal_positive": {"precision": n.precision(), "recall": n.recall(), "f1": n.f1()},
        "pca_baseline": e.pca.as_ref().map(|p| json!({
            "components": p.baseline.pca.components.len(), "training_rows": p.rows,
            "threshold": p.threshold, "roc_auc": e.pca_roc, "pr_auc": e.pca_pr,
        })),
        "events": e.events.as_ref().map(SeriesReport::json),
        "nab_reference": e.refs.as_deref().map(eval_reference::to_json),
    })
}

fn print_table(a: &EvalArgs, e: &Evaluation) {
    let (c, n, data) = (&e.confusion, e.confusion.normal_positive(), &e.data);
    let anomalies = e.truth.iter().filter(|&&t| t).count();
    println!("model      {} (threshold {})", a.model.display(), e.threshold);
    println!("data       {}", e.note);
    println!(
        "           {} samples, normal = {{{}}}: {} normal, {anomalies} anomalies",
        data.len(),
        e.normal.join(", "),
        data.len() - anomalies
    );
    println!();
    println!("                   predicted normal   predicted anomaly");
    println!("actual normal      {:>16}   {:>17}", c.tn, c.fp);
    println!("actual anomaly     {:>16}   {:>17}", c.r#fn, c.tp);
    println!();
    println!("positive class: anomaly");
    println!("  accuracy   {:.4}", c.accuracy());
    println!("  precision  {:.4}", c.precision());
    println!("  recall     {:.4}", c.recall());
    println!("  F1         {:.4}", c.f1());
    let shown = |v: Option<f64>, none: &str| v.map_or(none.to_owned(), |v| format!("{v:.4}"));
    println!("  ROC-AUC    {}", shown(e.roc, "- (needs both classes)"));
    println!("  PR-AUC     {}", shown(e.pr, "- (needs anomalies)"));
    println!(
        "positive class: normal (TensorFlow's ECG tutorial convention): precision {:.4}, recall {:.4}",
        n.precision(),
        n.recall()
    );
    println!();
    match &e.pca {
        Some(p) => println!(
            "PCA baseline ({} components, fitted on the same {} normal training samples): \
             ROC-AUC {} vs the autoencoder's {}, PR-AUC {} vs {}",
            p.baseline.pca.components.len(),
            p.rows,
            shown(e.pca_roc, "-"),
            shown(e.roc, "-"),
            shown(e.pca_pr, "-"),
            shown(e.pr, "-"),
        ),
        None if a.no_baseline => {}
        None => println!(
            "PCA baseline: give the model's training config (--config) to fit it on the same \
             training samples"
        ),
    }
    if let Some(r) = &e.events {
        println!();
        r.print();
    }
    if let Some(refs) = &e.refs {
        println!();
        eval_reference::print(refs);
    }
}
