//! `tinyae.data`: the data recipe a model was trained with (optional), so evaluation, scoring
//! and streaming on a device cut readings into windows exactly as training did.
//!
//! The document is its own IR type ([`DataRecipe`]): nothing in it refers to tensors, so there
//! is nothing to resolve. [`parse`] reads and checks it against the model's input length.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// `__metadata__` key of the data recipe (JSON; optional).
pub const KEY_DATA: &str = "tinyae.data";

/// How the training data was read, windowed, labelled and split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataRecipe {
    /// The file layout.
    pub format: DataFormatName,
    /// The feature columns, in input order (a series: the values of one reading). Empty when
    /// the file has no column names (IDX, headerless tables).
    #[serde(default)]
    pub columns: Vec<String>,
    /// The timestamp column of a series, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_column: Option<String>,
    /// Seconds between consecutive readings of a series with timestamps (the most common gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_period_s: Option<f64>,
    /// A series: readings per window; the model's input is `window × columns` values, reading
    /// after reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// A series: readings between the starts of consecutive training windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<usize>,
    /// How samples were labelled normal or anomalous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<LabelRule>,
    /// How the data was split into training, validation and test parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitRecord>,
}

/// File layouts (the trainer's `data.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataFormatName {
    /// IDX arrays.
    Idx,
    /// Comma-separated rows.
    Csv,
    /// Tab-separated rows.
    Tsv,
    /// UCR archive rows (tab-separated, label first).
    Ucr,
    /// A table of readings over time, cut into sliding windows.
    Series,
}

impl DataFormatName {
    /// The name used in the file and in configs.
    pub fn name(self) -> &'static str {
        match self {
            DataFormatName::Idx => "idx",
            DataFormatName::Csv => "csv",
            DataFormatName::Tsv => "tsv",
            DataFormatName::Ucr => "ucr",
            DataFormatName::Series => "series",
        }
    }
}

/// How a sample's label was decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// The rule.
    pub rule: LabelRuleKind,
    /// `column`: the label column (name or 0-based index as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// `last_reading`: the entry of the labelled-windows file (NAB `combined_windows.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_key: Option<String>,
    /// The labels that count as normal.
    #[serde(default)]
    pub normal: Vec<String>,
}

/// Labelling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelRuleKind {
    /// Each row's label is in a column.
    Column,
    /// A window is anomalous when its last reading (the moment its score is known) lies in a
    /// labelled anomaly interval; windows holding any labelled reading are kept out of training
    /// and calibration.
    LastReading,
}

/// Where the training, validation and test parts came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRecord {
    /// `chronological` (consecutive row ranges) or `random`.
    pub kind: SplitKind,
    /// Fraction of the rows for validation (early stopping, threshold calibration).
    pub validation: f64,
    /// Fraction of the rows at the end kept for testing (chronological splits).
    #[serde(default)]
    pub test: f64,
    /// Rows (readings) of the training file.
    pub rows: usize,
    /// Chronological splits: `[first, end)` rows of each part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_rows: Option<[usize; 2]>,
    /// Chronological splits: the validation part's rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_rows: Option<[usize; 2]>,
    /// Chronological splits: the test part's rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rows: Option<[usize; 2]>,
    /// A hash of the training file's bytes (`fnv1a64:<16 hex digits>`), so a tool can tell
    /// whether it is given the file the model was trained on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_hash: Option<String>,
}

/// Split kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitKind {
    /// Consecutive parts in file order: train, then validation, then test.
    Chronological,
    /// Rows drawn at random for validation.
    Random,
}

/// Reads and checks `tinyae.data`, if present, for a model taking `input_len` values.
pub fn parse(
    metadata: &HashMap<String, String>,
    input_len: usize,
) -> Result<Option<DataRecipe>, Error> {
    let Some(text) = metadata.get(KEY_DATA) else { return Ok(None) };
    let recipe: DataRecipe = super::strict::entry(KEY_DATA, text, "§Data recipe")?;
    recipe.check(input_len)?;
    Ok(Some(recipe))
}

/// The JSON text of a recipe, as stored under [`KEY_DATA`].
pub fn to_json(recipe: &DataRecipe) -> Result<String, String> {
    serde_json::to_string(recipe).map_err(|e| e.to_string())
}

impl DataRecipe {
    /// Values of one reading (1 for an unnamed single column).
    pub fn features(&self) -> usize {
        self.columns.len().max(1)
    }

    /// Checks the recipe against a model taking `input_len` values.
    pub fn check(&self, input_len: usize) -> Result<(), Error> {
        let bad = |message: String, help: &str| {
            Err(Error::new(ErrorKind::BadMetadata, format!("`{KEY_DATA}`: {message}")).help(help))
        };
        match (self.format, self.window) {
            (DataFormatName::Series, None) => {
                return bad(
                    "a series recipe has no `window`".into(),
                    "record the readings per window, e.g. \"window\": 48",
                )
            }
            (DataFormatName::Series, Some(w)) if w == 0 || self.stride == Some(0) => {
                return bad(
                    format!("`window` {w} and `stride` {:?} must be at least 1", self.stride),
                    "record positive row counts",
                )
            }
            (DataFormatName::Series, Some(w))
                if w.checked_mul(self.features()) != Some(input_len) =>
            {
                return bad(
                    format!(
                        "`window` {w} × {} column(s) is not the model's {input_len} input values",
                        self.features()
                    ),
                    "record the window the model was trained on",
                )
            }
            (DataFormatName::Series, _) => {}
            (other, Some(_)) => {
                return bad(
                    format!(
                        "`window` applies to series only, found it with format `{}`",
                        other.name()
                    ),
                    "remove `window` and `stride`",
                )
            }
            _ => {}
        }
        if let Some(p) = self.sample_period_s {
            if !(p.is_finite() && p > 0.0) {
                return bad(
                    format!("`sample_period_s` is {p}, expected a positive number of seconds"),
                    "record the seconds between readings",
                );
            }
        }
        if let Some(s) = &self.split {
            s.check().or_else(|why| {
                bad(format!("`split`: {why}"), "record the split the trainer made")
            })?;
        }
        Ok(())
    }
}

impl SplitRecord {
    fn check(&self) -> Result<(), String> {
        let fraction = |f: f64| f.is_finite() && (0.0..1.0).contains(&f);
        if !fraction(self.validation) || !fraction(self.test) || self.validation + self.test >= 1.0
        {
            return Err(format!(
                "fractions validation {} and test {} must be in [0, 1) and leave rows to train on",
                self.validation, self.test
            ));
        }
        for (name, range) in [
            ("train_rows", self.train_rows),
            ("validation_rows", self.validation_rows),
            ("test_rows", self.test_rows),
        ] {
            if let Some([a, b]) = range {
                if a > b || b > self.rows {
                    return Err(format!(
                        "`{name}` [{a}, {b}) is not within the file's {} rows",
                        self.rows
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(window: usize, columns: &[&str]) -> DataRecipe {
        DataRecipe {
            format: DataFormatName::Series,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            timestamp_column: Some("timestamp".into()),
            sample_period_s: Some(300.0),
            window: Some(window),
            stride: Some(2),
            labels: None,
            split: None,
        }
    }

    #[test]
    fn a_window_must_fill_the_input() {
        assert!(series(48, &["value"]).check(48).is_ok());
        assert!(series(24, &["a", "b"]).check(48).is_ok());
        let e = series(48, &["a", "b"]).check(48).unwrap_err();
        assert!(e.message.contains("`window` 48 × 2 column(s) is not the model's 48"), "{e}");
    }

    #[test]
    fn round_trips_through_json() {
        let mut r = series(48, &["value"]);
        r.split = Some(SplitRecord {
            kind: SplitKind::Chronological,
            validation: 0.2,
            test: 0.3,
            rows: 100,
            train_rows: Some([0, 50]),
            validation_rows: Some([50, 70]),
            test_rows: Some([70, 100]),
            file_hash: Some("fnv1a64:0123456789abcdef".into()),
        });
        let text = to_json(&r).unwrap();
        let back = parse(&HashMap::from([(KEY_DATA.to_owned(), text)]), 48).unwrap();
        assert_eq!(back, Some(r));
    }

    #[test]
    fn unknown_fields_and_bad_ranges_are_errors() {
        let doc = r#"{"format": "series", "window": 4, "windwo": 3}"#;
        let e = parse(&HashMap::from([(KEY_DATA.to_owned(), doc.to_owned())]), 4).unwrap_err();
        assert!(e.message.contains("unknown field `windwo`"), "{e}");
        let doc = r#"{"format": "csv", "split": {"kind": "chronological", "validation": 0.2,
                      "rows": 10, "test_rows": [8, 12]}}"#;
        let e = parse(&HashMap::from([(KEY_DATA.to_owned(), doc.to_owned())]), 4).unwrap_err();
        assert!(e.message.contains("`test_rows` [8, 12) is not within the file's 10 rows"), "{e}");
    }
}
