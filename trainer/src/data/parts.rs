//! The training file split into training, validation and test parts, and the data recipe the
//! model file records (`tinyae.data`, docs/FORMAT.md).
//!
//! Rows (i.i.d. samples) are split at random by default; a series is split chronologically:
//! the first part trains, the next calibrates, the last tests, and no window crosses a boundary.

use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Result};
use tinyae_core::format::data::{
    DataFormatName, DataRecipe, LabelRule, LabelRuleKind, SplitKind, SplitRecord,
};

use super::delimited::feature_names;
use super::hash::file_hash;
use super::series::{read_intervals, read_series, Intervals, Series};
use super::spec::{DataFormat, DataSpec, LabelColumnValue, SplitName};
use super::split::split_validation;
use super::windows::{chronological_parts, cut_windows};
use super::Dataset;

/// A series with its labelled readings and window length: what windowing and event
/// evaluation need.
#[derive(Debug, Clone)]
pub struct SeriesData {
    /// The readings.
    pub series: Series,
    /// Labelled anomaly intervals (empty without `windows_json`).
    pub intervals: Intervals,
    /// Per reading: inside an interval, or labelled abnormal in the label column.
    pub anomalous: Vec<bool>,
    /// Readings per window.
    pub window: usize,
    /// Readings between training windows.
    pub stride: usize,
}

impl SeriesData {
    /// Windows wholly inside `rows`, starting every `stride` readings; `clean` leaves out
    /// windows holding an anomalous reading.
    pub fn windows(&self, rows: Range<usize>, stride: usize, clean: bool) -> Dataset {
        cut_windows(&self.series, &self.anomalous, rows, self.window, stride, clean)
    }
}

/// A series and the readings of one of its parts.
pub type SeriesPart = (SeriesData, Range<usize>);

/// The parts of the training data, unscaled.
#[derive(Debug, Clone)]
pub struct Parts {
    /// Training samples (normal labels only when `normal_labels` is set).
    pub train: Dataset,
    /// Validation samples: early stopping and the threshold.
    pub validation: Option<Dataset>,
    /// The recipe for the model file.
    pub recipe: DataRecipe,
    /// For a series: the readings and the row range of each part.
    pub series: Option<(SeriesData, [Range<usize>; 3])>,
}

impl DataSpec {
    /// Reads a series file with this spec's columns, labels and window.
    pub fn series(&self, path: &Path) -> Result<SeriesData> {
        let series = read_series(path, &self.series_columns())?;
        let intervals = match (&self.windows_json, &self.windows_key) {
            (Some(j), Some(k)) => read_intervals(j, k)?,
            _ => Intervals::default(),
        };
        let anomalous = series.anomalous_rows(&intervals, &self.normal_set())?;
        let period = series.sample_period();
        let span = |s: &Option<super::Span>, what: &str, default: usize| match s {
            Some(s) => s.rows(period, what),
            None => Ok(default),
        };
        let window = span(&self.window, "`data.window`", 1)?;
        let stride = span(&self.stride, "`data.stride`", 1)?;
        if window == 0 || stride == 0 {
            bail!(
                "{}: `data.window` and `data.stride` must be at least one reading",
                series.source
            );
        }
        Ok(SeriesData { series, intervals, anomalous, window, stride })
    }

    /// Loads and splits the training data; `seed` drives a random split.
    pub fn parts(&self, seed: u64) -> Result<Parts> {
        let mut recipe = self.recipe_base();
        let (mut train, validation, series) = if self.format == DataFormat::Series {
            let s = self.series(&self.train)?;
            let rows = s.series.rows();
            let ranges = chronological_parts(rows, self.validation, self.test_share());
            let clean = s.anomalous.iter().any(|&a| a);
            let train = s.windows(ranges[0].clone(), s.stride, clean);
            let validation = s.windows(ranges[1].clone(), 1, clean);
            if train.is_empty() {
                bail!(
                    "{}: the training part (readings {}..{}) holds no window of {} readings{}; \
                     lower `data.validation`/`data.test_fraction` or the window",
                    s.series.source,
                    ranges[0].start,
                    ranges[0].end,
                    s.window,
                    if clean { " free of labelled anomalies" } else { "" }
                );
            }
            recipe.columns = s.series.columns.clone();
            recipe.timestamp_column = s.series.timestamp_column.clone();
            recipe.sample_period_s = s.series.sample_period().map(|p| p as f64);
            recipe.window = Some(s.window);
            recipe.stride = Some(s.stride);
            recipe.split = Some(self.split_record(rows, Some(&ranges))?);
            (train, Some(validation), Some((s, ranges)))
        } else {
            let (train, validation, rows) = self.row_parts(seed)?;
            recipe.split = Some(self.split_record(rows, None)?);
            if matches!(self.format, DataFormat::Csv | DataFormat::Tsv) {
                recipe.columns = feature_names(&self.train, &self.delimited())?;
            }
            (train, validation, None)
        };
        if let Some(limit) = self.limit {
            let keep: Vec<usize> = (0..train.len().min(limit)).collect();
            train = train.select(&keep);
        }
        Ok(Parts { train, validation, recipe, series })
    }

    /// Rows: the training file filtered to the normal labels, split at random or in order.
    fn row_parts(&self, seed: u64) -> Result<(Dataset, Option<Dataset>, usize)> {
        let normal = self.normal_set();
        let all = self.load_rows(&self.train, self.train_labels.as_deref())?;
        let rows = all.len();
        if let Some(path) = &self.validation_file {
            let val = self.load_rows(path, None)?.keep_labels(&normal)?;
            return Ok((all.keep_labels(&normal)?, Some(val), rows));
        }
        match self.split_name() {
            SplitName::Random => {
                let all = all.keep_labels(&normal)?;
                if self.validation > 0.0 {
                    let (t, v) = split_validation(&all, self.validation, seed);
                    Ok((t, Some(v), rows))
                } else {
                    Ok((all, None, rows))
                }
            }
            SplitName::Chronological => {
                let [t, v, _] = chronological_parts(rows, self.validation, self.test_share());
                let part =
                    |r: Range<usize>| all.select(&r.collect::<Vec<_>>()).keep_labels(&normal);
                let val = if v.is_empty() { None } else { Some(part(v)?) };
                Ok((part(t)?, val, rows))
            }
        }
    }

    /// The test part of a chronological split of `train` (all labels), if it has one.
    pub fn test_part(&self) -> Result<Option<(Dataset, Option<SeriesPart>)>> {
        if self.split_name() != SplitName::Chronological || self.test_share() <= 0.0 {
            return Ok(None);
        }
        if self.format == DataFormat::Series {
            let s = self.series(&self.train)?;
            let [_, _, test] =
                chronological_parts(s.series.rows(), self.validation, self.test_share());
            let windows = s.windows(test.clone(), 1, false);
            return Ok(Some((windows, Some((s, test)))));
        }
        let all = self.load_rows(&self.train, self.train_labels.as_deref())?;
        let [_, _, test] = chronological_parts(all.len(), self.validation, self.test_share());
        Ok(Some((all.select(&test.collect::<Vec<_>>()), None)))
    }

    /// Format, labelling rule; columns, window and split are filled in by [`DataSpec::parts`].
    fn recipe_base(&self) -> DataRecipe {
        let format = match self.format {
            DataFormat::Idx => DataFormatName::Idx,
            DataFormat::Csv => DataFormatName::Csv,
            DataFormat::Tsv => DataFormatName::Tsv,
            DataFormat::Ucr => DataFormatName::Ucr,
            DataFormat::Series => DataFormatName::Series,
        };
        let normal: Vec<String> = self.normal_set().iter().map(str::to_owned).collect();
        let column = match (&self.label_column, self.format) {
            (Some(LabelColumnValue::Index(i)), _) => Some(i.to_string()),
            (Some(LabelColumnValue::Name(n)), _) => Some(n.clone()),
            (None, DataFormat::Ucr) => Some("0".to_owned()),
            (None, _) => None,
        };
        let labels = if self.format == DataFormat::Series {
            (self.windows_key.is_some() || column.is_some()).then(|| LabelRule {
                rule: LabelRuleKind::LastReading,
                column,
                windows_key: self.windows_key.clone(),
                normal,
            })
        } else {
            (column.is_some() || self.train_labels.is_some()).then_some(LabelRule {
                rule: LabelRuleKind::Column,
                column,
                windows_key: None,
                normal,
            })
        };
        DataRecipe {
            format,
            columns: Vec::new(),
            timestamp_column: None,
            sample_period_s: None,
            window: None,
            stride: None,
            labels,
            split: None,
        }
    }

    fn split_record(&self, rows: usize, ranges: Option<&[Range<usize>; 3]>) -> Result<SplitRecord> {
        let chronological = self.split_name() == SplitName::Chronological;
        let ranges = match ranges {
            Some(r) => Some(r.clone()),
            None if chronological => {
                Some(chronological_parts(rows, self.validation, self.test_share()))
            }
            None => None,
        };
        let pair = |r: &Range<usize>| [r.start, r.end];
        Ok(SplitRecord {
            kind: if chronological { SplitKind::Chronological } else { SplitKind::Random },
            validation: if self.validation_file.is_some() { 0.0 } else { self.validation },
            test: if chronological { self.test_share() } else { 0.0 },
            rows,
            train_rows: ranges.as_ref().map(|r| pair(&r[0])),
            validation_rows: ranges.as_ref().map(|r| pair(&r[1])),
            test_rows: ranges.as_ref().map(|r| pair(&r[2])),
            file_hash: Some(file_hash(&self.train)?),
        })
    }
}
