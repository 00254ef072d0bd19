//! Data flags shared by `eval`, `plot` and `score`: a config's data section, or a file given
//! directly, completed from (and checked against) the model file's data recipe.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use tinyae_core::ir::DataRecipe;

use super::recipe::{check_against_recipe, check_sample_period, spec_from_recipe};
use crate::config::Config;
use crate::data::{
    file_hash, DataFormat, DataSpec, Dataset, LabelColumnValue, LabelValue, SeriesPart, Span,
    NORMAL,
};

/// Where the evaluation data comes from.
#[derive(Debug, Clone, Default, Args)]
pub struct DataArgs {
    /// Take the data settings from this training config (its test part or `test` file unless
    /// --data).
    #[arg(long, value_name = "TOML")]
    pub config: Option<PathBuf>,
    /// With --config: which file to use.
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    pub split: SplitArg,
    /// The data file (IDX images, CSV/TSV rows, or a series of readings).
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Layout of --data (default: the model's recipe, else from the extension).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// IDX label file for --data.
    #[arg(long, value_name = "PATH")]
    pub labels: Option<PathBuf>,
    /// CSV/TSV/series: label column, 0-based index or header name.
    #[arg(long, value_name = "COLUMN")]
    pub label_column: Option<String>,
    /// Series: value columns of a reading (comma-separated; default: the model's recipe).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub columns: Vec<String>,
    /// Series: readings per window, or a duration such as 4h (default: the model's recipe).
    #[arg(long, value_parser = Span::parse)]
    pub window: Option<Span>,
    /// Series: labelled anomaly windows (NAB combined_windows.json).
    #[arg(long, value_name = "PATH")]
    pub windows_json: Option<PathBuf>,
    /// Series: key in --windows-json (default: the model's recipe).
    #[arg(long)]
    pub windows_key: Option<String>,
    /// Labels that count as normal (comma-separated; default: the config's or recipe's).
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub normal: Vec<String>,
    /// Use every row of --data even when it is the model's training file (in-sample).
    #[arg(long)]
    pub all_rows: bool,
}

/// Which file of a config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SplitArg {
    /// The test part of a chronological split, or `data.test`.
    #[default]
    Test,
    /// `data.train` (all rows, every label).
    Train,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// IDX (MNIST), gzip or raw.
    Idx,
    /// Comma-separated.
    Csv,
    /// Tab-separated.
    Tsv,
    /// UCR: tab-separated, label first.
    Ucr,
    /// Readings over time, cut into windows.
    Series,
}

impl FormatArg {
    /// The data format.
    pub fn format(self) -> DataFormat {
        match self {
            FormatArg::Idx => DataFormat::Idx,
            FormatArg::Csv => DataFormat::Csv,
            FormatArg::Tsv => DataFormat::Tsv,
            FormatArg::Ucr => DataFormat::Ucr,
            FormatArg::Series => DataFormat::Series,
        }
    }
}

/// Evaluation data: samples (rows or windows) with every label.
#[derive(Debug, Clone)]
pub struct EvalData {
    /// The samples, unscaled.
    pub data: Dataset,
    /// The labels that count as normal.
    pub normal: Vec<String>,
    /// A series: its readings and the readings evaluated (windows lie inside them).
    pub series: Option<SeriesPart>,
    /// What part of which file this is, for the report.
    pub note: String,
    /// A series: its key in the labelled-windows file, if it has one.
    pub windows_key: Option<String>,
}

impl DataArgs {
    /// The data set these flags name, unscaled, with every label, plus the normal labels (no
    /// model recipe; kept for commands that take no model).
    pub fn load(&self) -> Result<(Dataset, Vec<String>)> {
        let e = self.load_for(None)?;
        Ok((e.data, e.normal))
    }

    /// The data for a model with data recipe `recipe`: flags the recipe settles may be left
    /// out, and a flag that contradicts it is an error naming both values. The model's own
    /// training file gives its test part only, unless --all-rows.
    pub fn load_for(&self, recipe: Option<&DataRecipe>) -> Result<EvalData> {
        let config = self.config.as_deref().map(Config::load).transpose()?;
        let mut spec = match (&config, &self.data, recipe) {
            (Some(c), _, _) => c.data.clone(),
            (None, Some(path), r) => spec_from_recipe(r, path),
            (None, None, _) => bail!("give --data PATH (with --format) or --config TOML"),
        };
        self.apply(&mut spec, config.is_none() && recipe.is_none());
        if let Some(r) = recipe {
            check_against_recipe(r, &spec, self)?;
        }
        spec.check()?;
        // Series windows are labelled `normal`/`anomaly` by their last reading (the normal set
        // of a label column has been applied to the readings already).
        let normal: Vec<String> = if spec.format == DataFormat::Series {
            vec![NORMAL.to_owned()]
        } else {
            spec.normal_set().iter().map(str::to_owned).collect()
        };
        let (data, series, note) = match (&self.data, config.is_some(), self.split) {
            (Some(path), _, _) => self.load_file(&spec, path, recipe)?,
            (None, true, SplitArg::Train) => {
                let note = "all of data.train (in-sample)";
                whole(&spec, &spec.train.clone(), spec.train_labels.as_deref(), note)?
            }
            (None, true, SplitArg::Test) => match spec.test_part()? {
                Some((d, s)) => (d, s, "the test part of data.train".to_owned()),
                None => match spec.test.clone() {
                    Some(t) => whole(&spec, &t, spec.test_labels.as_deref(), "data.test")?,
                    None => bail!(
                        "the config has neither a test part (`data.test_fraction`) nor a \
                         `data.test` file"
                    ),
                },
            },
            (None, false, _) => bail!("give --data PATH or --config TOML"),
        };
        if let Some((s, _)) = &series {
            check_sample_period(recipe, s.series.sample_period(), &s.series.source)?;
        }
        Ok(EvalData { data, normal, series, note, windows_key: spec.windows_key.clone() })
    }

    /// Applies the flags to `spec`; `guess` picks the format from the file name.
    fn apply(&self, spec: &mut DataSpec, guess: bool) {
        if let Some(f) = self.format.or_else(|| if guess { guess_format(&self.data) } else { None })
        {
            spec.format = f.format();
        }
        if let Some(c) = &self.label_column {
            spec.label_column = Some(match c.parse::<usize>() {
                Ok(i) => LabelColumnValue::Index(i),
                Err(_) => LabelColumnValue::Name(c.clone()),
            });
        }
        if !self.columns.is_empty() {
            (spec.columns, spec.column) = (Some(self.columns.clone()), None);
        }
        spec.window = self.window.clone().or(spec.window.take());
        spec.windows_json = self.windows_json.clone().or(spec.windows_json.take());
        spec.windows_key = self.windows_key.clone().or(spec.windows_key.take());
        if !self.normal.is_empty() {
            spec.normal_labels = self.normal.iter().cloned().map(LabelValue::Str).collect();
        }
    }

    /// `path` whole, or its test part when it is the file `recipe` was trained on.
    fn load_file(
        &self,
        spec: &DataSpec,
        path: &Path,
        recipe: Option<&DataRecipe>,
    ) -> Result<Loaded> {
        let split = recipe.and_then(|r| r.split.as_ref());
        let same = match split.and_then(|s| s.file_hash.as_ref()) {
            Some(h) => *h == file_hash(path)?,
            None => false,
        };
        let shown = path.display();
        let test = split.and_then(|s| s.test_rows).filter(|[a, b]| a < b);
        let labels = self.labels.as_deref();
        match (same, test, self.all_rows) {
            (true, Some([a, b]), false) => {
                let note = format!(
                    "{shown}: the model's training file, so its test part only (rows {a}..{b}); \
                     --all-rows for every row (in-sample)"
                );
                part(spec, path, labels, a..b, note)
            }
            (true, _, _) => {
                let note = format!("{shown}: the model's training file, every row (in-sample)");
                whole(spec, path, labels, &note)
            }
            (false, _, _) => whole(spec, path, labels, &shown.to_string()),
        }
    }
}

type Loaded = (Dataset, Option<SeriesPart>, String);

/// Every sample of `path` (`labels`: an IDX label file); series windows start at every reading.
fn whole(spec: &DataSpec, path: &Path, labels: Option<&Path>, note: &str) -> Result<Loaded> {
    part(spec, path, labels, 0..usize::MAX, note.to_owned())
}

/// The rows `range` of `path` (series: windows wholly inside them).
fn part(
    spec: &DataSpec,
    path: &Path,
    labels: Option<&Path>,
    range: Range<usize>,
    note: String,
) -> Result<Loaded> {
    if spec.format == DataFormat::Series {
        let s = spec.series(path)?;
        let end = range.end.min(s.series.rows());
        let range = range.start.min(end)..end;
        return Ok((s.windows(range.clone(), 1, false), Some((s, range)), note));
    }
    let all = spec.load_rows(path, labels)?;
    let rows: Vec<usize> = (range.start.min(all.len())..range.end.min(all.len())).collect();
    Ok((all.select(&rows), None, note))
}

/// Fails unless every sample of `data` has the `model_len` values a model takes.
pub fn check_width(data: &Dataset, model_len: usize) -> Result<()> {
    if data.features() != model_len {
        let hint = if data.features() == model_len + 1 {
            "; one value too many: is the label a column of the file (--label-column, or \
             --format ucr for a label in column 0)?"
        } else {
            ""
        };
        bail!(
            "{}: samples have {} values, the model expects {model_len}{hint}",
            data.source,
            data.features()
        );
    }
    Ok(())
}

fn guess_format(path: &Option<PathBuf>) -> Option<FormatArg> {
    let name = path.as_ref()?.to_string_lossy().to_ascii_lowercase();
    let name = name.trim_end_matches(".gz");
    if name.contains("-idx") || name.ends_with(".idx") || name.contains("ubyte") {
        Some(FormatArg::Idx)
    } else if name.ends_with(".tsv") {
        Some(FormatArg::Tsv)
    } else if name.ends_with(".csv") {
        Some(FormatArg::Csv)
    } else {
        None
    }
}
