//! The `[data]` section of a training config: what to read and how.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::series::SeriesColumns;
use super::time::Span;
use super::{read_delimited, read_idx, Dataset, Delimited, LabelColumn, LabelSet, Scaling};

/// The layout of the data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataFormat {
    /// IDX images (`train`) and optional IDX labels (`train_labels`), gzip or raw.
    Idx,
    /// Comma-separated numbers, optional header and label column.
    Csv,
    /// Tab-separated numbers, optional header and label column.
    Tsv,
    /// The UCR archive layout: tab-separated, no header, label in column 0.
    Ucr,
    /// Readings over time (`timestamp,value`, or several columns) cut into sliding windows.
    Series,
}

/// A label in a config: TOML integers and strings both work (`[1]`, `["normal"]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LabelValue {
    /// `1`
    Int(i64),
    /// `1.0`
    Float(f64),
    /// `"normal"`
    Str(String),
}

impl LabelValue {
    fn text(&self) -> String {
        match self {
            LabelValue::Int(i) => i.to_string(),
            LabelValue::Float(f) => f.to_string(),
            LabelValue::Str(s) => s.clone(),
        }
    }
}

/// A label column in a config: a 0-based index or a header name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LabelColumnValue {
    /// 0-based position.
    Index(usize),
    /// Header name.
    Name(String),
}

/// What to read; relative paths are relative to the config file's directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// File layout.
    pub format: DataFormat,
    /// Training data (IDX: images).
    pub train: PathBuf,
    /// IDX: training labels.
    pub train_labels: Option<PathBuf>,
    /// Held-out test data, used by `eval` and the examples, never by training.
    pub test: Option<PathBuf>,
    /// IDX: test labels.
    pub test_labels: Option<PathBuf>,
    /// Validation data from its own file, instead of a split of `train`.
    pub validation_file: Option<PathBuf>,
    /// Fraction of the training rows held out for validation (early stopping, threshold).
    #[serde(default = "default_validation")]
    pub validation: f64,
    /// Delimited files: the label column (index or header name).
    pub label_column: Option<LabelColumnValue>,
    /// Delimited files: whether the first line is a header (default: detected).
    pub header: Option<bool>,
    /// Delimited files: the separator (default: from the extension).
    pub delimiter: Option<char>,
    /// Train on rows with these labels only (e.g. the normal class); empty = all rows.
    #[serde(default)]
    pub normal_labels: Vec<LabelValue>,
    /// Series: one value column (shorthand for `columns = ["..."]`).
    pub column: Option<String>,
    /// Series: the value columns of a reading, in input order (default: every column but the
    /// timestamp and the label).
    pub columns: Option<Vec<String>>,
    /// Series: the timestamp column (default `timestamp` when the header has it).
    pub timestamp_column: Option<String>,
    /// Series: readings per window (`48`), or a duration (`"4h"`) when there are timestamps.
    pub window: Option<Span>,
    /// Series: readings between training windows (default 1); validation and test windows
    /// always start at every reading.
    pub stride: Option<Span>,
    /// Series: labelled anomaly windows, NAB `combined_windows.json` layout.
    pub windows_json: Option<PathBuf>,
    /// Series: the key in `windows_json` (e.g. `realKnownCause/machine_temperature_system_failure.csv`).
    pub windows_key: Option<String>,
    /// `chronological` (the default for series) or `random` (the default for rows).
    pub split: Option<SplitName>,
    /// Chronological splits: the fraction of rows at the end kept for testing (default 0.3 for
    /// series without a `test` file, else 0).
    pub test_fraction: Option<f64>,
    /// Input scaling fitted on the training split.
    #[serde(default)]
    pub scaling: Scaling,
    /// One scaling value per feature (`true`) or one for all values (`false`, e.g. pixels).
    #[serde(default = "yes")]
    pub scaling_per_feature: bool,
    /// Use at most this many training rows (after label filtering), e.g. for quick runs.
    pub limit: Option<usize>,
}

fn default_validation() -> f64 {
    0.2
}

fn yes() -> bool {
    true
}

/// How to split the training file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitName {
    /// Consecutive parts in file order: train, validation, test.
    Chronological,
    /// A random `validation` fraction of the rows (seeded).
    Random,
}

impl DataSpec {
    /// Makes every relative path relative to `base` (the config's directory).
    pub fn resolve(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = PathBuf::from(crate::pipeline::clean_path(&base.join(&*p)));
            }
        };
        fix(&mut self.train);
        for p in [
            &mut self.train_labels,
            &mut self.test,
            &mut self.test_labels,
            &mut self.validation_file,
            &mut self.windows_json,
        ]
        .into_iter()
        .flatten()
        {
            fix(p);
        }
    }

    /// The labels that count as normal.
    pub fn normal_set(&self) -> LabelSet {
        LabelSet::new(self.normal_labels.iter().map(LabelValue::text))
    }

    /// Checks the settings that do not need the files.
    pub fn check(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.validation) {
            bail!("`data.validation` is {}, expected a fraction in [0, 1)", self.validation);
        }
        let series = self.format == DataFormat::Series;
        if series && self.window.is_none() {
            bail!("`data.format = \"series\"` needs `data.window` (readings per window, or a duration such as \"4h\")");
        }
        let series_only = [
            ("window", self.window.is_some()),
            ("stride", self.stride.is_some()),
            ("columns", self.columns.is_some() || self.column.is_some()),
            ("timestamp_column", self.timestamp_column.is_some()),
            ("windows_json", self.windows_json.is_some()),
        ];
        if let Some((name, _)) = series_only.iter().find(|(_, set)| *set && !series) {
            bail!("`data.{name}` applies to `format = \"series\"` only");
        }
        if self.column.is_some() && self.columns.is_some() {
            bail!("set one of `data.column` and `data.columns`, not both");
        }
        if self.windows_json.is_some() != self.windows_key.is_some() {
            bail!("`data.windows_json` and `data.windows_key` go together; set both or neither");
        }
        if series && self.split == Some(SplitName::Random) {
            bail!(
                "`data.split = \"random\"` would put overlapping windows of a series on both sides \
                 of the split; series use `split = \"chronological\"` (the default)"
            );
        }
        if series && self.validation_file.is_some() {
            bail!(
                "`data.validation_file` does not apply to a series: validation is the part after \
                 the training part; set `data.validation` (a fraction)"
            );
        }
        if series && matches!(self.label_column, Some(LabelColumnValue::Index(_))) {
            bail!("`data.label_column` of a series must be a header name, found an index");
        }
        let test = self.test_fraction.unwrap_or(0.0);
        if !(0.0..1.0).contains(&test) || self.validation + test >= 1.0 {
            bail!(
                "`data.test_fraction` {test} and `data.validation` {} must be fractions that leave \
                 rows to train on",
                self.validation
            );
        }
        if self.test_fraction.is_some_and(|t| t > 0.0) {
            if self.split_name() != SplitName::Chronological {
                bail!("`data.test_fraction` needs `data.split = \"chronological\"`; with a random split give a `data.test` file");
            }
            if self.test.is_some() {
                bail!("set one of `data.test` (a test file) and `data.test_fraction` (the end of `data.train`), not both");
            }
        }
        Ok(())
    }

    /// The split kind: chronological for series unless set.
    pub fn split_name(&self) -> SplitName {
        self.split.unwrap_or(if self.format == DataFormat::Series {
            SplitName::Chronological
        } else {
            SplitName::Random
        })
    }

    /// The fraction of `train` kept for testing (chronological splits only).
    pub fn test_share(&self) -> f64 {
        match self.test_fraction {
            Some(t) => t,
            None if self.format == DataFormat::Series && self.test.is_none() => 0.3,
            None => 0.0,
        }
    }

    /// Which columns of a series file to read.
    pub fn series_columns(&self) -> SeriesColumns {
        SeriesColumns {
            values: match (&self.columns, &self.column) {
                (Some(c), _) => c.clone(),
                (None, Some(c)) => vec![c.clone()],
                (None, None) => Vec::new(),
            },
            timestamp: self.timestamp_column.clone(),
            label: match &self.label_column {
                Some(LabelColumnValue::Name(n)) => Some(n.clone()),
                _ => None,
            },
        }
    }

    /// Reads a file of rows (every format but series) with this spec's layout (`labels`: an IDX
    /// label file).
    pub fn load_rows(&self, path: &Path, labels: Option<&Path>) -> Result<Dataset> {
        match self.format {
            DataFormat::Idx => load_idx(path, labels),
            DataFormat::Csv | DataFormat::Tsv | DataFormat::Ucr => {
                read_delimited(path, &self.delimited())
            }
            DataFormat::Series => bail!(
                "{}: a series is read with its windows (`DataSpec::series`), not as rows",
                path.display()
            ),
        }
    }

    /// How to read a delimited file of this spec.
    pub fn delimited(&self) -> Delimited {
        Delimited {
            delimiter: match self.format {
                DataFormat::Tsv | DataFormat::Ucr => Some(self.delimiter.unwrap_or('\t')),
                _ => self.delimiter.or(Some(',')),
            },
            header: if self.format == DataFormat::Ucr { Some(false) } else { self.header },
            label_column: match (&self.label_column, self.format) {
                (Some(LabelColumnValue::Index(i)), _) => Some(LabelColumn::Index(*i)),
                (Some(LabelColumnValue::Name(n)), _) => Some(LabelColumn::Name(n.clone())),
                (None, DataFormat::Ucr) => Some(LabelColumn::Index(0)),
                (None, _) => None,
            },
        }
    }
}

fn load_idx(images: &Path, labels: Option<&Path>) -> Result<Dataset> {
    let img = read_idx(images)?;
    if img.dims.len() < 2 {
        bail!(
            "{}: IDX array has shape {:?}; expected samples × features (e.g. 60000×28×28)",
            images.display(),
            img.dims
        );
    }
    let labels = match labels {
        None => None,
        Some(path) => {
            let lab = read_idx(path)?;
            if lab.dims.len() != 1 || lab.dims[0] != img.dims[0] {
                bail!(
                    "{}: {:?} labels for {} images in {}; expected one label per image",
                    path.display(),
                    lab.dims,
                    img.dims[0],
                    images.display()
                );
            }
            Some(lab.data.iter().map(|l| l.to_string()).collect())
        }
    };
    Ok(Dataset {
        source: images.display().to_string(),
        shape: img.dims[1..].to_vec(),
        x: img.data.iter().map(|&v| f32::from(v)).collect(),
        labels,
        starts: None,
    })
}
