//! Data sets: loading (IDX, delimited text, series windows), splitting, scaling, and the data
//! recipe the model file records.
//!
//! Every loader reports problems with the file and line they come from and returns before
//! anything is written, so a bad file never leaves a half-trained model behind.

mod delimited;
mod hash;
mod idx;
mod labels;
mod parts;
mod scaling;
mod series;
mod spec;
mod split;
mod text;
mod time;
mod windows;

pub use delimited::{read_delimited, Delimited, LabelColumn};
pub use hash::{file_hash, fnv1a64};
pub use idx::{read_idx, IdxArray};
pub use labels::{normalize_label, LabelSet};
pub use parts::{Parts, SeriesData, SeriesPart};
pub use scaling::{apply_scaling, fit_scaling, Scaling};
pub use series::{read_intervals, read_series, Intervals, Series, SeriesColumns, ANOMALY, NORMAL};
pub use spec::{DataFormat, DataSpec, LabelColumnValue, LabelValue, SplitName};
pub use split::{shuffled_indices, split_validation};
pub use text::read_bytes;
pub use time::{format_duration, format_timestamp, parse_duration, parse_timestamp, Span};
pub use windows::{chronological_parts, cut_windows};

/// Samples of equal length in one flat row-major buffer, with optional labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Where the rows came from, for provenance and messages.
    pub source: String,
    /// Shape of one sample, e.g. `[28, 28]` or `[140]`.
    pub shape: Vec<usize>,
    /// `len() * features()` values.
    pub x: Vec<f32>,
    /// One label per row, normalized by [`normalize_label`].
    pub labels: Option<Vec<String>>,
    /// For windows cut from a series: the row of the series each window starts at.
    pub starts: Option<Vec<usize>>,
}

impl Dataset {
    /// Values per sample.
    pub fn features(&self) -> usize {
        self.shape.iter().product()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.len().checked_div(self.features()).unwrap_or(0)
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sample `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        let n = self.features();
        &self.x[i * n..(i + 1) * n]
    }

    /// The label of sample `i`, if the data set has labels.
    pub fn label(&self, i: usize) -> Option<&str> {
        self.labels.as_ref().map(|l| l[i].as_str())
    }

    /// A new data set with the rows `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut x = Vec::with_capacity(indices.len() * self.features());
        for &i in indices {
            x.extend_from_slice(self.row(i));
        }
        Dataset {
            source: self.source.clone(),
            shape: self.shape.clone(),
            x,
            labels: self.labels.as_ref().map(|l| indices.iter().map(|&i| l[i].clone()).collect()),
            starts: self.starts.as_ref().map(|s| indices.iter().map(|&i| s[i]).collect()),
        }
    }

    /// The rows whose label is in `set` (all rows when the set is empty).
    ///
    /// Fails when the data has no labels, or when no row matches (naming the labels found).
    pub fn keep_labels(&self, set: &LabelSet) -> anyhow::Result<Dataset> {
        if set.is_empty() {
            return Ok(self.clone());
        }
        let Some(labels) = &self.labels else {
            anyhow::bail!(
                "{}: `normal_labels` is set but the data has no labels; set `label_column` \
                 (or `train_labels` for IDX files), or remove `normal_labels`",
                self.source
            );
        };
        let keep: Vec<usize> = (0..self.len()).filter(|&i| set.contains(&labels[i])).collect();
        if keep.is_empty() {
            anyhow::bail!(
                "{}: no row has a label in {}; labels found: {}",
                self.source,
                set,
                LabelSet::distinct(labels)
            );
        }
        Ok(self.select(&keep))
    }
}
