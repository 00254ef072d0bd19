//! CSV/TSV tables of numbers, optionally with a label column (the UCR layout puts it first).

use std::path::Path;

use anyhow::{bail, Result};

use super::labels::normalize_label;
use super::text::read_text;
use super::Dataset;

/// Which column holds the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// By 0-based position; `-1`-style positions are not supported.
    Index(usize),
    /// By header name (the file must have a header).
    Name(String),
}

/// How to read a delimited file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delimited {
    /// Field separator; `None` infers it from the name (`.tsv` → tab) or the first line.
    pub delimiter: Option<char>,
    /// Whether the first line is a header; `None` treats it as one when it is not all numbers.
    pub header: Option<bool>,
    /// The label column, if any; every other column is a feature.
    pub label_column: Option<LabelColumn>,
}

/// Reads a delimited table of finite numbers (plus an optional label column).
///
/// Errors name the file and line: ragged rows, a field that is not a number, NaN or infinity,
/// a missing label column, no data rows.
pub fn read_delimited(path: &Path, how: &Delimited) -> Result<Dataset> {
    let text = read_text(path)?;
    let shown = path.display();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).peekable();
    let Some(&(_, first)) = lines.peek() else {
        bail!("{shown}: the file is empty (no data rows)");
    };
    let delim = how.delimiter.unwrap_or_else(|| infer_delimiter(path, first));
    let split = |line: &str| -> Vec<String> {
        let clean = |f: &str| f.trim().trim_matches('"').to_owned();
        if delim == ' ' {
            line.split_whitespace().map(clean).collect()
        } else {
            line.split(delim).map(clean).collect()
        }
    };
    let is_header = is_header(&split(first), how);
    let header = if is_header { lines.next().map(|(_, l)| split(l)) } else { None };
    let label_index = match &how.label_column {
        None => None,
        Some(LabelColumn::Index(i)) => Some(*i),
        Some(LabelColumn::Name(name)) => match &header {
            Some(h) => match h.iter().position(|c| c == name) {
                Some(i) => Some(i),
                None => bail!(
                    "{shown}:1: no column named \"{name}\" in the header (columns: {})",
                    h.join(", ")
                ),
            },
            None => bail!(
                "{shown}: `label_column = \"{name}\"` needs a header line, but the first line \
                 is all numbers; give the column's 0-based index instead"
            ),
        },
    };

    let mut x = Vec::new();
    let mut labels = label_index.map(|_| Vec::new());
    let mut width: Option<(usize, usize)> = None; // (fields, line of the first row)
    for (index, line) in lines {
        let n = index + 1;
        let fields = split(line);
        match width {
            None => width = Some((fields.len(), n)),
            Some((w, first_line)) if w != fields.len() => bail!(
                "{shown}:{n}: expected {w} fields like line {first_line}, found {} \
                 (every row needs the same number of fields)",
                fields.len()
            ),
            Some(_) => {}
        }
        if let (Some(li), Some(labels)) = (label_index, labels.as_mut()) {
            match fields.get(li) {
                Some(l) if !l.is_empty() => labels.push(normalize_label(l)),
                _ => bail!(
                    "{shown}:{n}: label column {li} is missing or empty (the row has {} fields)",
                    fields.len()
                ),
            }
        }
        for (k, field) in fields.iter().enumerate() {
            if Some(k) == label_index {
                continue;
            }
            x.push(
                parse_value(field)
                    .map_err(|why| anyhow::anyhow!("{shown}:{n}, field {}: {why}", k + 1))?,
            );
        }
    }
    let Some((fields, _)) = width else {
        bail!("{shown}: the file has a header but no data rows");
    };
    let features = fields - usize::from(label_index.is_some());
    if features == 0 {
        bail!("{shown}: the rows have no feature columns besides the label");
    }
    Ok(Dataset {
        source: path.display().to_string(),
        shape: vec![features],
        x,
        labels,
        starts: None,
    })
}

/// Whether a first line of `fields` is a header: as `how` says, else when it holds a non-number
/// outside the (positional) label column.
fn is_header(fields: &[String], how: &Delimited) -> bool {
    how.header.unwrap_or_else(|| {
        let label = match how.label_column {
            Some(LabelColumn::Index(i)) => Some(i),
            _ => None,
        };
        fields.iter().enumerate().any(|(k, f)| Some(k) != label && f.parse::<f64>().is_err())
    })
}

/// The feature columns' names (the label column left out), or none when the file has no header.
pub fn feature_names(path: &Path, how: &Delimited) -> Result<Vec<String>> {
    let text = read_text(path)?;
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else { return Ok(Vec::new()) };
    let delim = how.delimiter.unwrap_or_else(|| infer_delimiter(path, first));
    let fields: Vec<String> = if delim == ' ' {
        first.split_whitespace().map(|f| f.trim_matches('"').to_owned()).collect()
    } else {
        first.split(delim).map(|f| f.trim().trim_matches('"').to_owned()).collect()
    };
    if !is_header(&fields, how) {
        return Ok(Vec::new());
    }
    let label = match &how.label_column {
        Some(LabelColumn::Index(i)) => Some(*i),
        Some(LabelColumn::Name(n)) => fields.iter().position(|f| f == n),
        None => None,
    };
    Ok(fields.into_iter().enumerate().filter(|(k, _)| Some(*k) != label).map(|(_, f)| f).collect())
}

/// Parses one field as a finite f32.
pub(crate) fn parse_value(field: &str) -> std::result::Result<f32, String> {
    if field.is_empty() {
        return Err("empty field; fill in or drop the row".to_owned());
    }
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() && (v as f32).is_finite() => Ok(v as f32),
        Ok(_) => Err(format!("\"{field}\" is not a finite number; remove or impute it")),
        Err(_) => Err(format!("\"{field}\" is not a number")),
    }
}

fn infer_delimiter(path: &Path, first: &str) -> char {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.trim_end_matches(".gz");
    if name.ends_with(".tsv") || name.ends_with(".tab") {
        '\t'
    } else if name.ends_with(".csv") {
        ','
    } else if first.contains('\t') {
        '\t'
    } else if first.contains(',') {
        ','
    } else if first.contains(';') {
        ';'
    } else {
        ' '
    }
}
