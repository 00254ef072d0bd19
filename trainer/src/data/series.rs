//! NAB-style time series (`timestamp,value` CSV) cut into sliding windows, and NAB's labelled
//! anomaly windows (`combined_windows.json`).

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::delimited::parse_value;
use super::text::read_text;
use super::Dataset;

/// Label of a window that overlaps a labelled anomaly window.
pub const ANOMALY: &str = "anomaly";
/// Label of every other window.
pub const NORMAL: &str = "normal";

/// A univariate series with its timestamps (seconds since 1970, UTC as written).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The file, for messages.
    pub source: String,
    /// One per row.
    pub timestamps: Vec<i64>,
    /// One per row.
    pub values: Vec<f32>,
}

/// Labelled anomaly intervals `[start, end]`, inclusive, in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Windows(pub Vec<(i64, i64)>);

impl Windows {
    /// Whether `t` lies in any interval.
    pub fn contains(&self, t: i64) -> bool {
        self.0.iter().any(|&(a, b)| a <= t && t <= b)
    }

    /// The index of the interval holding `t`.
    pub fn which(&self, t: i64) -> Option<usize> {
        self.0.iter().position(|&(a, b)| a <= t && t <= b)
    }
}

/// Reads a CSV whose header names a `timestamp` column and the value column `column`.
pub fn read_series(path: &Path, column: &str) -> Result<Series> {
    let text = read_text(path)?;
    let shown = path.display();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        bail!("{shown}: the file is empty (expected a `timestamp,{column}` header and rows)");
    };
    let names: Vec<&str> = header.split(',').map(|f| f.trim().trim_matches('"')).collect();
    let Some(ts_col) = names.iter().position(|n| *n == "timestamp") else {
        bail!("{shown}:1: no `timestamp` column in the header (columns: {})", names.join(", "));
    };
    let Some(val_col) = names.iter().position(|n| *n == column) else {
        bail!("{shown}:1: no `{column}` column in the header (columns: {})", names.join(", "));
    };
    let (mut timestamps, mut values) = (Vec::new(), Vec::new());
    for (index, line) in lines {
        let n = index + 1;
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_matches('"')).collect();
        if fields.len() != names.len() {
            bail!(
                "{shown}:{n}: expected {} fields like the header, found {}",
                names.len(),
                fields.len()
            );
        }
        let t = parse_timestamp(fields[ts_col])
            .with_context(|| format!("{shown}:{n}: bad timestamp \"{}\"", fields[ts_col]))?;
        let v = parse_value(fields[val_col])
            .map_err(|why| anyhow::anyhow!("{shown}:{n}, field {}: {why}", val_col + 1))?;
        timestamps.push(t);
        values.push(v);
    }
    if values.is_empty() {
        bail!("{shown}: the file has a header but no data rows");
    }
    Ok(Series { source: shown.to_string(), timestamps, values })
}

/// Reads the windows stored under `key` in a NAB `combined_windows.json`-style file
/// (`{"<key>": [["start", "end"], ...]}`).
pub fn read_windows_json(path: &Path, key: &str) -> Result<Windows> {
    let text = read_text(path)?;
    let shown = path.display();
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{shown}:{}: not valid JSON: {e}", e.line()))?;
    let Some(map) = doc.as_object() else {
        bail!("{shown}: expected a JSON object keyed by series name");
    };
    let Some(list) = map.get(key) else {
        let similar: Vec<&String> =
            map.keys().filter(|k| k.rsplit('/').next() == key.rsplit('/').next()).collect();
        bail!(
            "{shown}: no entry \"{key}\"{}",
            match similar.first() {
                Some(k) => format!("; did you mean \"{k}\"?"),
                None => String::new(),
            }
        );
    };
    let mut windows = Vec::new();
    for (i, w) in list.as_array().into_iter().flatten().enumerate() {
        let pair = w.as_array().filter(|p| p.len() == 2);
        let parse = |v: &serde_json::Value| v.as_str().and_then(|s| parse_timestamp(s).ok());
        match pair.and_then(|p| Some((parse(&p[0])?, parse(&p[1])?))) {
            Some((a, b)) if a <= b => windows.push((a, b)),
            _ => {
                bail!("{shown}: entry \"{key}\" window {i} is not [\"start\", \"end\"] timestamps")
            }
        }
    }
    Ok(Windows(windows))
}

impl Series {
    /// Cuts windows of `size` consecutive rows every `stride` rows. A window is labelled
    /// [`ANOMALY`] when any of its rows lies in a labelled interval, else [`NORMAL`].
    pub fn windows(&self, size: usize, stride: usize, labelled: &Windows) -> Result<Dataset> {
        if size == 0 || stride == 0 {
            bail!("{}: `window` and `stride` must be at least 1", self.source);
        }
        if self.values.len() < size {
            bail!(
                "{}: {} rows are fewer than one window of {size}",
                self.source,
                self.values.len()
            );
        }
        let starts: Vec<usize> = (0..=self.values.len() - size).step_by(stride).collect();
        let mut x = Vec::with_capacity(starts.len() * size);
        let mut labels = Vec::with_capacity(starts.len());
        for &s in &starts {
            x.extend_from_slice(&self.values[s..s + size]);
            let hit = self.timestamps[s..s + size].iter().any(|&t| labelled.contains(t));
            labels.push(if hit { ANOMALY } else { NORMAL }.to_owned());
        }
        Ok(Dataset {
            source: self.source.clone(),
            shape: vec![size],
            x,
            labels: Some(labels),
            starts: Some(starts),
        })
    }
}

/// Parses `YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]` as seconds since 1970-01-01 (no time zone).
pub fn parse_timestamp(s: &str) -> Result<i64> {
    let s = s.trim();
    let bad = || anyhow::anyhow!("expected `YYYY-MM-DD HH:MM:SS`");
    let (date, time) = s.split_once([' ', 'T']).ok_or_else(bad)?;
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || !(2..=3).contains(&t.len()) {
        return Err(bad());
    }
    let num = |f: &str| f.parse::<i64>().map_err(|_| bad());
    let (y, m, day) = (num(d[0])?, num(d[1])?, num(d[2])?);
    let (hh, mm) = (num(t[0])?, num(t[1])?);
    let ss = match t.get(2) {
        Some(sec) => num(sec.split('.').next().unwrap_or(sec))?,
        None => 0,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, day) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM`.
pub fn format_timestamp(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let t = parse_timestamp("2013-12-10 06:25:00.000000").unwrap();
        assert_eq!(format_timestamp(t), "2013-12-10 06:25");
        assert_eq!(parse_timestamp("1970-01-02 00:00:01").unwrap(), 86_401);
        assert_eq!(
            format_timestamp(parse_timestamp("2000-02-29 23:59").unwrap()),
            "2000-02-29 23:59"
        );
        assert!(parse_timestamp("2013-13-10 06:25:00").is_err());
    }
}
