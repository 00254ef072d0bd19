//! Data flags shared by `eval` and `plot`: a config's data section, or a file given directly.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::data::{DataFormat, DataSpec, Dataset, LabelColumnValue, LabelValue, Part, Scaling};

/// Where the evaluation data comes from.
#[derive(Debug, Clone, Default, Args)]
pub struct DataArgs {
    /// Take the data settings from this training config (its `test` file unless --data).
    #[arg(long, value_name = "TOML")]
    pub config: Option<PathBuf>,
    /// With --config: which file to use.
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    pub split: SplitArg,
    /// The data file (IDX images, CSV/TSV, or a timestamp,value series).
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Layout of --data (default: from the config, else from the extension).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// IDX label file for --data.
    #[arg(long, value_name = "PATH")]
    pub labels: Option<PathBuf>,
    /// CSV/TSV: label column, 0-based index or header name.
    #[arg(long, value_name = "COLUMN")]
    pub label_column: Option<String>,
    /// Series: window length in rows.
    #[arg(long)]
    pub window: Option<usize>,
    /// Series: labelled anomaly windows (NAB combined_windows.json).
    #[arg(long, value_name = "PATH")]
    pub windows_json: Option<PathBuf>,
    /// Series: key in --windows-json.
    #[arg(long)]
    pub windows_key: Option<String>,
    /// Labels that count as normal (comma-separated; default: the config's normal_labels).
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub normal: Vec<String>,
}

/// Which file of a config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SplitArg {
    /// `data.test`.
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
    /// timestamp,value series cut into windows.
    Series,
}

impl DataArgs {
    /// The data set these flags name, unscaled, with every label, plus the normal labels.
    pub fn load(&self) -> Result<(Dataset, Vec<String>)> {
        let config = match &self.config {
            Some(p) => Some(Config::load(p)?),
            None => None,
        };
        let mut spec = match (&config, &self.data) {
            (Some(c), _) => c.data.clone(),
            (None, Some(path)) => DataSpec {
                format: DataFormat::Csv,
                train: path.clone(),
                train_labels: None,
                test: None,
                test_labels: None,
                validation_file: None,
                validation: 0.0,
                label_column: None,
                header: None,
                delimiter: None,
                normal_labels: Vec::new(),
                column: None,
                window: None,
                stride: None,
                windows_json: None,
                windows_key: None,
                scaling: Scaling::None,
                scaling_per_feature: true,
                limit: None,
            },
            (None, None) => bail!("give --data PATH (with --format) or --config TOML"),
        };
        let guessed = if config.is_none() { guess(&self.data) } else { None };
        if let Some(f) = self.format.or(guessed) {
            spec.format = match f {
                FormatArg::Idx => DataFormat::Idx,
                FormatArg::Csv => DataFormat::Csv,
                FormatArg::Tsv => DataFormat::Tsv,
                FormatArg::Ucr => DataFormat::Ucr,
                FormatArg::Series => DataFormat::Series,
            };
        }
        if let Some(c) = &self.label_column {
            spec.label_column = Some(match c.parse::<usize>() {
                Ok(i) => LabelColumnValue::Index(i),
                Err(_) => LabelColumnValue::Name(c.clone()),
            });
        }
        spec.window = self.window.or(spec.window);
        spec.windows_json = self.windows_json.clone().or(spec.windows_json);
        spec.windows_key = self.windows_key.clone().or(spec.windows_key);
        if !self.normal.is_empty() {
            spec.normal_labels = self.normal.iter().cloned().map(LabelValue::Str).collect();
        }
        let normal: Vec<String> = spec.normal_set().iter().map(str::to_owned).collect();
        let data = match (&self.data, config.is_some(), self.split) {
            (Some(path), _, _) => {
                let labels = self.labels.clone();
                spec.load_path(path, labels.as_deref(), 1)?
            }
            (None, true, SplitArg::Test) => spec.load(Part::Test)?,
            (None, true, SplitArg::Train) => {
                spec.load_path(&spec.train.clone(), spec.train_labels.as_deref(), 1)?
            }
            (None, false, _) => bail!("give --data PATH or --config TOML"),
        };
        Ok((data, normal))
    }
}

/// Fails unless every sample of `data` has the `model_len` values a model takes.
pub fn check_width(data: &Dataset, model_len: usize) -> Result<()> {
    if data.features() != model_len {
        bail!(
            "{}: samples have {} values, the model expects {model_len}",
            data.source,
            data.features()
        );
    }
    Ok(())
}

fn guess(path: &Option<PathBuf>) -> Option<FormatArg> {
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
