//! Series: a table of readings over time (`timestamp,value` as in NAB, or several sensor
//! columns, optionally a per-reading label column), and labelled anomaly intervals (NAB's
//! `combined_windows.json`).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::delimited::parse_value;
use super::labels::normalize_label;
use super::text::read_text;
use super::time::parse_timestamp;
use super::LabelSet;

/// Label of a window whose last reading is anomalous.
pub const ANOMALY: &str = "anomaly";
/// Label of every other window.
pub const NORMAL: &str = "normal";

/// Readings in file order: `features()` values per row, with timestamps when the file has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The file, for messages.
    pub source: String,
    /// The value columns, in input order.
    pub columns: Vec<String>,
    /// The timestamp column, when the file has one.
    pub timestamp_column: Option<String>,
    /// Seconds since 1970 per row (UTC as written), when the file has a timestamp column.
    pub timestamps: Option<Vec<i64>>,
    /// `rows × columns` values, row-major.
    pub values: Vec<f32>,
    /// Per-row labels from a label column, normalized.
    pub labels: Option<Vec<String>>,
}

/// Which columns of a series file to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesColumns {
    /// Value columns; empty = every column but the timestamp and the label.
    pub values: Vec<String>,
    /// The timestamp column (default: `timestamp` when the header has it).
    pub timestamp: Option<String>,
    /// A per-reading label column.
    pub label: Option<String>,
}

/// Labelled anomaly intervals `[start, end]`, inclusive, in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Intervals(pub Vec<(i64, i64)>);

impl Intervals {
    /// The index of the interval holding `t`.
    pub fn which(&self, t: i64) -> Option<usize> {
        self.0.iter().position(|&(a, b)| a <= t && t <= b)
    }
}

/// Reads a series file: a header naming the columns, then one reading per line.
pub fn read_series(path: &Path, want: &SeriesColumns) -> Result<Series> {
    let text = read_text(path)?;
    let shown = path.display();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        bail!(
            "{shown}: the file is empty (expected a header such as `timestamp,value`, then rows)"
        );
    };
    let delimiter = if header.contains('\t') { '\t' } else { ',' };
    let split = |l: &str| -> Vec<String> {
        l.split(delimiter).map(|f| f.trim().trim_matches('"').to_owned()).collect()
    };
    let names = split(header);
    let find = |name: &str| -> Result<usize> {
        names.iter().position(|n| n == name).with_context(|| {
            format!("{shown}:1: no `{name}` column in the header (columns: {})", names.join(", "))
        })
    };
    let ts_col = match &want.timestamp {
        Some(name) => Some(find(name)?),
        None => names.iter().position(|n| n == "timestamp"),
    };
    let label_col = want.label.as_deref().map(find).transpose()?;
    let value_cols: Vec<usize> = if want.values.is_empty() {
        (0..names.len()).filter(|&k| Some(k) != ts_col && Some(k) != label_col).collect()
    } else {
        want.values.iter().map(|c| find(c)).collect::<Result<_>>()?
    };
    if value_cols.is_empty() {
        bail!(
            "{shown}:1: no value column besides the timestamp and label (columns: {})",
            names.join(", ")
        );
    }
    let mut timestamps = ts_col.map(|_| Vec::new());
    let mut labels = label_col.map(|_| Vec::new());
    let mut values = Vec::new();
    for (index, line) in lines {
        let n = index + 1;
        let fields = split(line);
        if fields.len() != names.len() {
            bail!(
                "{shown}:{n}: expected {} fields like the header, found {}",
                names.len(),
                fields.len()
            );
        }
        if let (Some(k), Some(ts)) = (ts_col, timestamps.as_mut()) {
            let t = parse_timestamp(&fields[k])
                .with_context(|| format!("{shown}:{n}: bad timestamp \"{}\"", fields[k]))?;
            ts.push(t);
        }
        if let (Some(k), Some(l)) = (label_col, labels.as_mut()) {
            if fields[k].is_empty() {
                bail!("{shown}:{n}: the label column `{}` is empty", names[k]);
            }
            l.push(normalize_label(&fields[k]));
        }
        for &k in &value_cols {
            let v = parse_value(&fields[k]).map_err(|why| {
                anyhow::anyhow!("{shown}:{n}, field {} (`{}`): {why}", k + 1, names[k])
            })?;
            values.push(v);
        }
    }
    if values.is_empty() {
        bail!("{shown}: the file has a header but no data rows");
    }
    Ok(Series {
        source: shown.to_string(),
        columns: value_cols.iter().map(|&k| names[k].clone()).collect(),
        timestamp_column: ts_col.map(|k| names[k].clone()),
        timestamps,
        values,
        labels,
    })
}

/// Reads the intervals stored under `key` in a NAB `combined_windows.json`-style file
/// (`{"<key>": [["start", "end"], ...]}`).
pub fn read_intervals(path: &Path, key: &str) -> Result<Intervals> {
    let text = read_text(path)?;
    let shown = path.display();
    let doc: HashMap<String, serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{shown}:{}: not a JSON object keyed by series name: {e}", e.line())
    })?;
    let Some(list) = doc.get(key) else {
        let similar = doc.keys().find(|k| k.rsplit('/').next() == key.rsplit('/').next());
        bail!(
            "{shown}: no entry \"{key}\"{}",
            similar.map_or(String::new(), |k| format!("; did you mean \"{k}\"?"))
        );
    };
    let mut out = Vec::new();
    for (i, w) in list.as_array().into_iter().flatten().enumerate() {
        let pair = w.as_array().filter(|p| p.len() == 2);
        let parse = |v: &serde_json::Value| v.as_str().and_then(|s| parse_timestamp(s).ok());
        match pair.and_then(|p| Some((parse(&p[0])?, parse(&p[1])?))) {
            Some((a, b)) if a <= b => out.push((a, b)),
            _ => {
                bail!("{shown}: entry \"{key}\" window {i} is not [\"start\", \"end\"] timestamps")
            }
        }
    }
    Ok(Intervals(out))
}

impl Series {
    /// Number of readings.
    pub fn rows(&self) -> usize {
        self.values.len() / self.features()
    }

    /// Values per reading.
    pub fn features(&self) -> usize {
        self.columns.len().max(1)
    }

    /// Reading `i`'s values.
    pub fn reading(&self, i: usize) -> &[f32] {
        let f = self.features();
        &self.values[i * f..(i + 1) * f]
    }

    /// The most common positive gap between consecutive timestamps, in seconds.
    pub fn sample_period(&self) -> Option<i64> {
        let ts = self.timestamps.as_ref()?;
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for pair in ts.windows(2) {
            let gap = pair[1] - pair[0];
            if gap > 0 {
                *counts.entry(gap).or_default() += 1;
            }
        }
        // Ties go to the shorter gap, so the answer does not depend on hash order.
        counts.into_iter().max_by_key(|&(gap, n)| (n, std::cmp::Reverse(gap))).map(|(gap, _)| gap)
    }

    /// Which readings are anomalous: inside a labelled interval, or labelled outside `normal`
    /// in the label column. Fails when intervals are given but the series has no timestamps.
    pub fn anomalous_rows(&self, intervals: &Intervals, normal: &LabelSet) -> Result<Vec<bool>> {
        let mut out = vec![false; self.rows()];
        if !intervals.0.is_empty() {
            let Some(ts) = &self.timestamps else {
                bail!(
                    "{}: labelled intervals need timestamps, but the file has no timestamp column",
                    self.source
                );
            };
            for (o, &t) in out.iter_mut().zip(ts) {
                *o = intervals.which(t).is_some();
            }
        }
        if let Some(labels) = &self.labels {
            if normal.is_empty() {
                bail!(
                    "{}: the series has a label column; say which labels are normal with \
                     `normal_labels` (labels found: {})",
                    self.source,
                    LabelSet::distinct(labels)
                );
            }
            for (o, l) in out.iter_mut().zip(labels) {
                *o |= !normal.contains(l);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tinyae-series-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_several_columns_and_labels() {
        let path = write(
            "multi.csv",
            "timestamp,temp,label,vib\n2024-01-01 00:00:00,1,ok,10\n2024-01-01 00:05:00,2,bad,20\n\
             2024-01-01 00:10:00,3,ok,30\n",
        );
        let want = SeriesColumns { label: Some("label".into()), ..Default::default() };
        let s = read_series(&path, &want).unwrap();
        assert_eq!(s.columns, ["temp", "vib"]);
        assert_eq!((s.rows(), s.reading(1)), (3, &[2.0, 20.0][..]));
        assert_eq!(s.sample_period(), Some(300));
        let anomalous = s.anomalous_rows(&Intervals::default(), &LabelSet::new(["ok"])).unwrap();
        assert_eq!(anomalous, [false, true, false]);
        let e = read_series(
            &path,
            &SeriesColumns { values: vec!["pressure".into()], ..Default::default() },
        )
        .unwrap_err();
        assert!(
            e.to_string().contains(
                "no `pressure` column in the header (columns: timestamp, temp, label, vib)"
            ),
            "{e}"
        );
    }

    #[test]
    fn rows_without_timestamps_are_readings_too() {
        let path = write("plain.csv", "a,b\n1,2\n3,4\n");
        let s = read_series(&path, &SeriesColumns::default()).unwrap();
        assert_eq!((s.rows(), s.features(), s.sample_period()), (2, 2, None));
        let e = s.anomalous_rows(&Intervals(vec![(0, 1)]), &LabelSet::default()).unwrap_err();
        assert!(e.to_string().contains("need timestamps"), "{e}");
    }
}
