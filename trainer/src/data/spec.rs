//! The `[data]` section of a training config: what to read and how.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::{
    read_delimited, read_idx, read_series, read_windows_json, Dataset, Delimited, LabelColumn,
    LabelSet, Scaling, Windows,
};

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
    /// A `timestamp,value` series cut into sliding windows of `window` rows.
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
    /// Series: the value column (default `value`).
    pub column: Option<String>,
    /// Series: window length in rows.
    pub window: Option<usize>,
    /// Series: rows between training windows (default 1); test windows always use 1.
    pub stride: Option<usize>,
    /// Series: labelled anomaly windows, NAB `combined_windows.json` layout.
    pub windows_json: Option<PathBuf>,
    /// Series: the key in `windows_json` (e.g. `realKnownCause/machine_temperature_system_failure.csv`).
    pub windows_key: Option<String>,
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

/// Which file of a [`DataSpec`] to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `train` (+ `train_labels`).
    Train,
    /// `test` (+ `test_labels`).
    Test,
    /// `validation_file`.
    Validation,
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
        if self.format == DataFormat::Series && self.window.is_none() {
            bail!("`data.format = \"series\"` needs `data.window` (rows per window)");
        }
        if self.format != DataFormat::Series && (self.window.is_some() || self.stride.is_some()) {
            bail!("`data.window`/`data.stride` apply to `format = \"series\"` only");
        }
        if self.windows_json.is_some() != self.windows_key.is_some() {
            bail!("`data.windows_json` and `data.windows_key` go together; set both or neither");
        }
        Ok(())
    }

    /// Reads one part, unscaled and unfiltered.
    pub fn load(&self, part: Part) -> Result<Dataset> {
        let (path, labels) = match part {
            Part::Train => (Some(&self.train), self.train_labels.as_ref()),
            Part::Test => (self.test.as_ref(), self.test_labels.as_ref()),
            Part::Validation => (self.validation_file.as_ref(), None),
        };
        let Some(path) = path else {
            bail!(
                "the config has no `data.{}` file",
                match part {
                    Part::Train => "train",
                    Part::Test => "test",
                    Part::Validation => "validation_file",
                }
            );
        };
        let stride = if part == Part::Train { self.stride.unwrap_or(1) } else { 1 };
        self.load_path(path, labels.map(PathBuf::as_path), stride)
    }

    /// Reads `path` with this spec's layout (`labels`: an IDX label file).
    pub fn load_path(&self, path: &Path, labels: Option<&Path>, stride: usize) -> Result<Dataset> {
        match self.format {
            DataFormat::Idx => load_idx(path, labels),
            DataFormat::Csv | DataFormat::Tsv | DataFormat::Ucr => {
                let how = Delimited {
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
                };
                read_delimited(path, &how)
            }
            DataFormat::Series => {
                let series = read_series(path, self.column.as_deref().unwrap_or("value"))?;
                let windows = match (&self.windows_json, &self.windows_key) {
                    (Some(j), Some(k)) => read_windows_json(j, k)?,
                    _ => Windows::default(),
                };
                series.windows(self.window.unwrap_or(1), stride, &windows)
            }
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
