//! `tinyae score MODEL --data FILE -o scores.csv`: the anomaly score and alarm of every reading
//! (series) or row, for plotting or joining with other data. Written atomically.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use tinyae_core::ir::DataRecipe;

use super::data_args::{DataArgs, EvalData};
use super::eval::threshold_of;
use super::inspect::load_model;
use crate::data::{file_hash, format_timestamp, SeriesData};
use crate::scores::scores;

/// `tinyae score` flags.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The model file.
    pub model: PathBuf,
    /// The data to score (labels optional).
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the CSV.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Use this threshold instead of the file's.
    #[arg(long)]
    pub threshold: Option<f32>,
}

pub(super) fn run(a: ScoreArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    let mut args = a.data.clone();
    // Every reading of the file: the `part` column tells training rows from test rows.
    args.all_rows = true;
    let EvalData { data, series, .. } = args.load_for(model.data.as_ref())?;
    super::data_args::check_width(&data, model.input_len())?;
    let threshold = threshold_of(&model, a.threshold, &a.model).ok();
    let s = scores(&model, &data);
    let parts = parts_of(model.data.as_ref(), a.data.data.as_deref())?;
    let csv = match &series {
        Some((sd, _)) => {
            series_csv(sd, &data.starts.clone().unwrap_or_default(), &s, threshold, parts)
        }
        None => rows_csv(&data, &s, threshold, model.data.as_ref(), parts),
    };
    if let Some(dir) = a.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    tinyae_core::format::write_atomic(&a.output, csv.as_bytes())
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    let alarms = threshold.map_or(0, |t| s.iter().filter(|&&v| v > t).count());
    println!(
        "wrote {}: {} scores, {alarms} above the threshold{}",
        a.output.display(),
        s.len(),
        threshold.map_or(" (none: the model has no threshold)".into(), |t| format!(" {t}"))
    );
    Ok(ExitCode::SUCCESS)
}

/// The `[start, end)` rows of train, validation and test when `path` is the model's training
/// file (its hash is in the recipe).
type PartRanges = Option<[(&'static str, [usize; 2]); 3]>;

fn parts_of(recipe: Option<&DataRecipe>, path: Option<&std::path::Path>) -> Result<PartRanges> {
    let (Some(split), Some(path)) = (recipe.and_then(|r| r.split.as_ref()), path) else {
        return Ok(None);
    };
    if split.file_hash.as_deref() != Some(file_hash(path)?.as_str()) {
        return Ok(None);
    }
    Ok(match (split.train_rows, split.validation_rows, split.test_rows) {
        (Some(t), Some(v), Some(s)) => Some([("train", t), ("validation", v), ("test", s)]),
        _ => None,
    })
}

fn part_name(parts: &PartRanges, row: usize) -> &'static str {
    parts.iter().flatten().find(|(_, [a, b])| (*a..*b).contains(&row)).map_or("", |(name, _)| name)
}

/// One line per reading; a reading's score is that of the window ending on it.
fn series_csv(
    sd: &SeriesData,
    starts: &[usize],
    s: &[f32],
    threshold: Option<f32>,
    parts: PartRanges,
) -> String {
    let series = &sd.series;
    let mut score_at = vec![None; series.rows()];
    for (&start, &v) in starts.iter().zip(s) {
        score_at[start + sd.window - 1] = Some(v);
    }
    let mut out = String::new();
    let ts = series.timestamps.as_ref();
    out.push_str(if ts.is_some() { "timestamp" } else { "row" });
    for c in &series.columns {
        let _ = write!(out, ",{c}");
    }
    out.push_str(",score,alarm,label");
    if parts.is_some() {
        out.push_str(",part");
    }
    out.push('\n');
    let known_labels = sd.anomalous.iter().any(|&a| a) || !sd.intervals.0.is_empty();
    for i in 0..series.rows() {
        match ts {
            Some(ts) => out.push_str(&format_timestamp(ts[i])),
            None => out.push_str(&i.to_string()),
        }
        for v in series.reading(i) {
            let _ = write!(out, ",{v}");
        }
        push_score(&mut out, score_at[i], threshold);
        out.push(',');
        if known_labels {
            out.push_str(if sd.anomalous[i] { "anomaly" } else { "normal" });
        }
        if parts.is_some() {
            let _ = write!(out, ",{}", part_name(&parts, i));
        }
        out.push('\n');
    }
    out
}

fn rows_csv(
    data: &crate::data::Dataset,
    s: &[f32],
    threshold: Option<f32>,
    recipe: Option<&DataRecipe>,
    parts: PartRanges,
) -> String {
    let n = data.features();
    let names: Vec<String> = match recipe.map(|r| &r.columns) {
        Some(c) if c.len() == n => c.clone(),
        _ => (0..n).map(|j| format!("x{j}")).collect(),
    };
    let mut out = format!("row,{},score,alarm,label", names.join(","));
    if parts.is_some() {
        out.push_str(",part");
    }
    out.push('\n');
    for (i, &v) in s.iter().enumerate() {
        let _ = write!(out, "{i}");
        for x in data.row(i) {
            let _ = write!(out, ",{x}");
        }
        push_score(&mut out, Some(v), threshold);
        let _ = write!(out, ",{}", data.label(i).unwrap_or(""));
        if parts.is_some() {
            let _ = write!(out, ",{}", part_name(&parts, i));
        }
        out.push('\n');
    }
    out
}

fn push_score(out: &mut String, score: Option<f32>, threshold: Option<f32>) {
    match (score, threshold) {
        (Some(v), Some(t)) => {
            let _ = write!(out, ",{v},{}", u8::from(v > t));
        }
        (Some(v), None) => {
            let _ = write!(out, ",{v},");
        }
        (None, _) => out.push_str(",,"),
    }
}
