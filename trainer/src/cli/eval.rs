//! `tinyae eval MODEL --data ...`: how well the calibrated threshold separates labelled data.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use serde_json::json;

use super::data_args::DataArgs;
use super::inspect::load_model;
use crate::data::{Dataset, LabelSet};
use crate::metrics::{pr_auc, roc_auc, Confusion};
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

pub(super) fn run(a: EvalArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    let (data, normal) = a.data.load()?;
    let truth = truth(model.input_len(), &data, &normal)?;
    let threshold = match (a.threshold, &model.anomaly) {
        (Some(t), _) => t,
        (None, Some(an)) => an.threshold,
        (None, None) => {
            bail!("{}: the model has no threshold; pass --threshold", a.model.display())
        }
    };
    let s = scores(&model, &data);
    let c = Confusion::at(&s, &truth, threshold);
    let roc = roc_auc(&s, &truth);
    let pr = pr_auc(&s, &truth);
    let n = c.normal_positive();
    if a.json {
        let doc = json!({
            "model": a.model.display().to_string(),
            "data": data.source,
            "samples": data.len(),
            "normal_labels": normal,
            "threshold": threshold,
            "positive_class": "anomaly",
            "confusion": c,
            "accuracy": c.accuracy(), "precision": c.precision(), "recall": c.recall(), "f1": c.f1(),
            "roc_auc": roc, "pr_auc": pr,
            "normal_positive": {"precision": n.precision(), "recall": n.recall(), "f1": n.f1()},
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    let anomalies = truth.iter().filter(|&&t| t).count();
    println!("model      {} (threshold {threshold})", a.model.display());
    println!(
        "data       {}: {} samples, normal = {{{}}}: {} normal, {anomalies} anomalies",
        data.source,
        data.len(),
        normal.join(", "),
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
    println!("  ROC-AUC    {}", roc.map_or("- (needs both classes)".into(), |v| format!("{v:.4}")));
    println!(
        "  PR-AUC     {}",
        pr.map_or("- (needs anomalies)".into(), |v| format!("{v:.4} (average precision)"))
    );
    println!(
        "positive class: normal (TensorFlow's ECG tutorial convention): precision {:.4}, recall {:.4}",
        n.precision(),
        n.recall()
    );
    Ok(ExitCode::SUCCESS)
}
