//! The model file's data recipe (`tinyae.data`) on the command line: the settings it fixes need
//! no flags, and a flag or config value that contradicts it is an error naming both values.

use std::path::Path;

use anyhow::{bail, Result};
use tinyae_core::format::data::{DataFormatName, DataRecipe};

use super::data_args::DataArgs;
use crate::data::{DataFormat, DataSpec, LabelColumnValue, LabelValue, Scaling, Span};

/// A data spec reading `path` the way `recipe` says the training data was read.
pub fn spec_from_recipe(recipe: Option<&DataRecipe>, path: &Path) -> DataSpec {
    let labels = recipe.and_then(|r| r.labels.as_ref());
    let series = recipe.is_some_and(|r| r.format == DataFormatName::Series);
    DataSpec {
        format: recipe.map_or(DataFormat::Csv, |r| format_of(r.format)),
        train: path.to_path_buf(),
        train_labels: None,
        test: None,
        test_labels: None,
        validation_file: None,
        validation: 0.0,
        label_column: labels.and_then(|l| l.column.as_ref()).map(|c| match c.parse::<usize>() {
            Ok(i) if !series => LabelColumnValue::Index(i),
            _ => LabelColumnValue::Name(c.clone()),
        }),
        header: None,
        delimiter: None,
        normal_labels: labels
            .map(|l| l.normal.iter().cloned().map(LabelValue::Str).collect())
            .unwrap_or_default(),
        column: None,
        columns: recipe.filter(|_| series).map(|r| r.columns.clone()).filter(|c| !c.is_empty()),
        timestamp_column: recipe.and_then(|r| r.timestamp_column.clone()),
        window: recipe.and_then(|r| r.window).map(Span::Rows),
        stride: None,
        windows_json: None,
        windows_key: labels.and_then(|l| l.windows_key.clone()),
        split: None,
        test_fraction: Some(0.0),
        scaling: Scaling::None,
        scaling_per_feature: true,
        limit: None,
    }
}

/// The trainer's format for a recipe's format name.
pub fn format_of(name: DataFormatName) -> DataFormat {
    match name {
        DataFormatName::Idx => DataFormat::Idx,
        DataFormatName::Csv => DataFormat::Csv,
        DataFormatName::Tsv => DataFormat::Tsv,
        DataFormatName::Ucr => DataFormat::Ucr,
        DataFormatName::Series => DataFormat::Series,
    }
}

/// Fails when `spec` (after flags) reads the data differently from how the model was trained.
pub fn check_against_recipe(recipe: &DataRecipe, spec: &DataSpec, args: &DataArgs) -> Result<()> {
    let source = if args.config.is_some() { "the config" } else { "the flags" };
    let contradiction = |what: &str, found: String, recorded: String, fix: &str| {
        anyhow::anyhow!(
            "{what}: {source} say {found}, but the model was trained with {recorded} (its \
             `tinyae.data` recipe)\nhelp: {fix}"
        )
    };
    let recorded = format_of(recipe.format);
    if spec.format != recorded {
        return Err(contradiction(
            "data format",
            format!("`{}`", name_of(spec.format)),
            format!("`{}`", recipe.format.name()),
            &format!("drop --format, or pass --format {}", recipe.format.name()),
        ));
    }
    if let (Some(window), Some(trained)) = (&spec.window, recipe.window) {
        let period = recipe.sample_period_s.map(|p| p as i64);
        let rows = window.rows(period, "--window")?;
        if rows != trained {
            let as_time = period.map_or(String::new(), |p| {
                format!(" ({})", crate::data::format_duration(p * trained as i64))
            });
            return Err(contradiction(
                "window",
                format!("{window} = {rows} readings"),
                format!("{trained} readings{as_time}"),
                "drop --window: the model's input is one window of the length it was trained on",
            ));
        }
    }
    if let Some(columns) = &spec.columns {
        if recorded == DataFormat::Series
            && !recipe.columns.is_empty()
            && *columns != recipe.columns
        {
            return Err(contradiction(
                "value columns",
                format!("[{}]", columns.join(", ")),
                format!("[{}]", recipe.columns.join(", ")),
                "drop --columns, or name the columns the model was trained on, in that order",
            ));
        }
    }
    let labels = recipe.labels.as_ref();
    if let (Some(key), Some(trained)) =
        (&spec.windows_key, labels.and_then(|l| l.windows_key.as_ref()))
    {
        if key != trained {
            return Err(contradiction(
                "labelled windows",
                format!("--windows-key {key}"),
                format!("the windows of `{trained}`"),
                "drop --windows-key, or give the key of the series the model was trained on",
            ));
        }
    }
    Ok(())
}

/// Checks that a series is sampled as the training series was: a window of N readings is a
/// different duration otherwise.
pub fn check_sample_period(
    recipe: Option<&DataRecipe>,
    period: Option<i64>,
    source: &str,
) -> Result<()> {
    let Some(trained) = recipe.and_then(|r| r.sample_period_s) else { return Ok(()) };
    let Some(found) = period else { return Ok(()) };
    if (found as f64 - trained).abs() > 1e-6 * trained {
        let show = |s: f64| crate::data::format_duration(s.round() as i64);
        bail!(
            "{source}: one reading every {}, but the model was trained on one every {}: its \
             window of {} readings would span a different time\nhelp: resample the data to one \
             reading every {}",
            show(found as f64),
            show(trained),
            recipe.and_then(|r| r.window).unwrap_or(0),
            show(trained)
        );
    }
    Ok(())
}

/// The recipe in one line, for `tinyae inspect`.
pub fn describe(r: &DataRecipe) -> String {
    use tinyae_core::format::data::{LabelRuleKind, SplitKind};
    let mut out = r.format.name().to_owned();
    if !r.columns.is_empty() {
        out.push_str(&format!(" [{}]", r.columns.join(", ")));
    }
    if let Some(w) = r.window {
        let span = r.sample_period_s.map_or(String::new(), |p| {
            format!(
                " ({}, one every {})",
                crate::data::format_duration((p * w as f64) as i64),
                crate::data::format_duration(p as i64)
            )
        });
        out.push_str(&format!(
            ", windows of {w} readings{span}, training stride {}",
            r.stride.unwrap_or(1)
        ));
    }
    if let Some(l) = &r.labels {
        out.push_str(&match l.rule {
            LabelRuleKind::Column => {
                format!(", labels in column {}", l.column.as_deref().unwrap_or("?"))
            }
            LabelRuleKind::LastReading => format!(
                ", a window is anomalous when its last reading is ({})",
                l.windows_key.as_deref().or(l.column.as_deref()).unwrap_or("labels")
            ),
        });
        if !l.normal.is_empty() {
            out.push_str(&format!(", normal {{{}}}", l.normal.join(", ")));
        }
    }
    if let Some(s) = &r.split {
        let range = |r: Option<[usize; 2]>| r.map_or("-".to_owned(), |[a, b]| format!("{a}..{b}"));
        out.push_str(&match s.kind {
            SplitKind::Chronological => format!(
                "; chronological split of {} rows: train {}, validation {}, test {}",
                s.rows,
                range(s.train_rows),
                range(s.validation_rows),
                range(s.test_rows)
            ),
            SplitKind::Random => {
                format!("; random split of {} rows, {} for validation", s.rows, s.validation)
            }
        });
    }
    out
}

fn name_of(f: DataFormat) -> &'static str {
    match f {
        DataFormat::Idx => "idx",
        DataFormat::Csv => "csv",
        DataFormat::Tsv => "tsv",
        DataFormat::Ucr => "ucr",
        DataFormat::Series => "series",
    }
}
