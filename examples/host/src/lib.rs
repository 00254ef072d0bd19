//! Helpers shared by the host examples in `src/bin`: reading the bundled data (UCR TSV, CSV,
//! gzip IDX, NAB series and windows) and scoring detections. Errors name the file and line.

pub mod analysis;
pub mod digits;
pub mod gallery;

use std::io::Read;
use std::path::{Path, PathBuf};

/// A path under the repository's `data/` folder.
pub fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(relative)
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn number(field: &str, path: &Path, line: usize) -> Result<f32, String> {
    match field.trim().parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{}:{line}: \"{field}\" is not a finite number", path.display())),
    }
}

/// Rows of a delimited file of numbers with the label in column `label_col`; `header` skips
/// the first line. Labels are returned as written (integers normalized: `1.0` → `1`).
pub fn read_labelled(
    path: &Path,
    delimiter: char,
    label_col: usize,
    header: bool,
) -> Result<Vec<(String, Vec<f32>)>, String> {
    let text = read_text(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(usize::from(header)) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(delimiter).collect();
        let Some(raw) = fields.get(label_col) else {
            return Err(format!("{}:{}: no label column {label_col}", path.display(), i + 1));
        };
        let label = match raw.trim().parse::<f64>() {
            Ok(v) if v.fract() == 0.0 => format!("{}", v as i64),
            _ => raw.trim().to_owned(),
        };
        let values = fields
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != label_col)
            .map(|(_, f)| number(f, path, i + 1))
            .collect::<Result<Vec<f32>, String>>()?;
        rows.push((label, values));
    }
    Ok(rows)
}

/// An IDX file of bytes, gzip-compressed: `(dims, data)`.
pub fn read_idx_gz(path: &Path) -> Result<(Vec<usize>, Vec<u8>), String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: not gzip: {e}", path.display()))?;
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 8 {
        return Err(format!("{}: not an IDX file of bytes", path.display()));
    }
    let ndim = usize::from(bytes[3]);
    let dims: Vec<usize> = (0..ndim)
        .map(|d| {
            let at = 4 + 4 * d;
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        })
        .collect();
    let start = 4 + 4 * ndim;
    if bytes.len() != start + dims.iter().product::<usize>() {
        return Err(format!("{}: truncated IDX file", path.display()));
    }
    Ok((dims, bytes[start..].to_vec()))
}

/// A NAB `timestamp,value` series: `(timestamp text, value)` per row.
pub fn read_series(path: &Path) -> Result<Vec<(String, f32)>, String> {
    let text = read_text(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let Some((ts, v)) = line.split_once(',') else {
            return Err(format!("{}:{}: expected timestamp,value", path.display(), i + 1));
        };
        rows.push((ts.trim().to_owned(), number(v, path, i + 1)?));
    }
    Ok(rows)
}

/// The labelled windows of `key` in a NAB `combined_windows.json`, as `[start, end]` text
/// timestamps trimmed to `YYYY-MM-DD HH:MM:SS` (which compare correctly as strings).
pub fn read_windows(path: &Path, key: &str) -> Result<Vec<(String, String)>, String> {
    let text = read_text(path)?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let list = doc
        .get(key)
        .and_then(|v| v.as_array())
        .ok_or(format!("{}: no \"{key}\"", path.display()))?;
    list.iter()
        .map(|w| {
            let s = |i: usize| {
                w.get(i).and_then(|v| v.as_str()).map(|t| t[..19.min(t.len())].to_owned())
            };
            match (s(0), s(1)) {
                (Some(a), Some(b)) => Ok((a, b)),
                _ => Err(format!("{}: bad window in \"{key}\"", path.display())),
            }
        })
        .collect()
}

/// Counts of flagged (`score > threshold`) against truth (`true` = anomaly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Anomalies flagged.
    pub tp: usize,
    /// Normal samples flagged.
    pub fp: usize,
    /// Normal samples passed.
    pub tn: usize,
    /// Anomalies passed.
    pub fn_: usize,
}

impl Counts {
    /// Tallies decisions.
    pub fn new(flagged: &[bool], truth: &[bool]) -> Self {
        let mut c = Counts::default();
        for (&f, &t) in flagged.iter().zip(truth) {
            match (f, t) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// (accuracy, precision, recall, F1) with anomaly as the positive class.
    pub fn scores(&self) -> (f64, f64, f64, f64) {
        let r = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let p = r(self.tp, self.tp + self.fp);
        let rec = r(self.tp, self.tp + self.fn_);
        let f1 = if p + rec == 0.0 { 0.0 } else { 2.0 * p * rec / (p + rec) };
        (r(self.tp + self.tn, self.tp + self.tn + self.fp + self.fn_), p, rec, f1)
    }

    /// The same decisions with normal as the positive class.
    pub fn normal_positive(&self) -> Counts {
        Counts { tp: self.tn, fp: self.fn_, tn: self.tp, fn_: self.fp }
    }
}

/// An example's exit status: success, or `error: ...` on stderr and failure.
pub fn exit_code(result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// ROC-AUC ([`tinyae_core::metrics::roc_auc`]); NaN without both classes.
pub fn roc_auc(scores: &[f32], truth: &[bool]) -> f64 {
    tinyae_core::metrics::roc_auc(scores, truth).unwrap_or(f64::NAN)
}

/// The test part of a series model: the rows its data recipe (`tinyae.data`) kept out of
/// training and calibration, or every row when the file records no chronological split.
pub fn test_rows(model: &Path, rows: usize) -> Result<std::ops::Range<usize>, String> {
    let bytes =
        std::fs::read(model).map_err(|e| format!("cannot read {}: {e}", model.display()))?;
    let m = tinyae_core::load(&bytes).map_err(|e| format!("{}: {e}", model.display()))?;
    let part = m.data.and_then(|r| r.split).and_then(|s| s.test_rows);
    Ok(part.map_or(0..rows, |[a, b]| a.min(rows)..b.min(rows)))
}

/// The NAB series of the shipped window model, as the NAB labels name it.
pub const NAB_KEY: &str = "realKnownCause/machine_temperature_system_failure.csv";

/// The NAB machine_temperature readings `(timestamp, value)`, its labelled anomaly windows
/// `(start, end)`, and the rows of the shipped window model's test part (left out of training
/// and calibration).
pub type NabTestPart = (Vec<(String, f32)>, Vec<(String, String)>, std::ops::Range<usize>);

/// Reads [`NabTestPart`] from the bundled data and `models/nab_machine_temperature.safetensors`.
pub fn nab_test_part() -> Result<NabTestPart, String> {
    let series = read_series(&data_path(&format!("nab/{NAB_KEY}")))?;
    let windows = read_windows(&data_path("nab/labels/combined_windows.json"), NAB_KEY)?;
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models/nab_machine_temperature.safetensors");
    let part = test_rows(&model, series.len())?;
    Ok((series, windows, part))
}

/// A series streamed through `M` the way a device runs it: every reading goes into a
/// [`tinyae::stream::Window`] of the last `N` readings, each full window is scored, and an
/// [`tinyae::stream::AlarmGate`] raises an alarm on a score above the threshold at most once per
/// `N` readings. Returns, per reading, the score of the window ending on it and whether it
/// raised an alarm.
pub fn stream<M: tinyae::AnomalyDetector<N, L>, const N: usize, const L: usize>(
    values: &[f32],
) -> (Vec<Option<f32>>, Vec<bool>) {
    let mut window = tinyae::stream::Window::<N, 1>::new(1);
    let mut gate = tinyae::stream::AlarmGate::new(N as u32);
    let mut scratch = M::new_scratch();
    let mut y = [0.0f32; N];
    values
        .iter()
        .map(|&v| match window.push(&[v]) {
            Some(x) => {
                let score = M::anomaly_score_into(x, &mut scratch, &mut y);
                (Some(score), gate.update(score > M::THRESHOLD))
            }
            None => (None, false),
        })
        .unzip()
}

/// What a streaming detector's alarms amount to against labelled anomaly windows, with the
/// rule `tinyae eval` applies: an alarm at a reading inside a labelled window detects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEvents {
    /// The labelled windows within the decisions' time span.
    pub windows: Vec<(String, String)>,
    /// Per labelled window, the index of its first alarm.
    pub first_alarm: Vec<Option<usize>>,
    /// Alarms outside every labelled window, grouped into events: `(first, last, alarms)`.
    pub false_events: Vec<(usize, usize, usize)>,
    /// Decisions that raised an alarm.
    pub alarms: usize,
}

impl StreamEvents {
    /// Labelled windows with at least one alarm.
    pub fn detected(&self) -> usize {
        self.first_alarm.iter().filter(|f| f.is_some()).count()
    }
}

/// Groups streaming decisions: `alarm[k]` is decision `k`, taken at timestamp `at[k]` (text
/// `YYYY-MM-DD HH:MM:SS`, compared as strings against the `[start, end]` of `windows`; windows
/// outside the decisions' time span are left out). An alarm inside a labelled window detects
/// it; alarms outside all of them are false alarms, and one within `gap` decisions of the
/// previous false alarm extends that event instead of starting a new one.
pub fn stream_events(
    alarm: &[bool],
    at: &[&str],
    windows: &[(String, String)],
    gap: usize,
) -> StreamEvents {
    // Only the labelled windows that overlap the decisions' time span count.
    let (first, last) = (at.first().copied().unwrap_or(""), at.last().copied().unwrap_or(""));
    let windows: Vec<&(String, String)> =
        windows.iter().filter(|(a, b)| b.as_str() >= first && a.as_str() <= last).collect();
    let inside = |t: &str| windows.iter().position(|(a, b)| a.as_str() <= t && t <= b.as_str());
    let mut out = StreamEvents {
        windows: windows.iter().map(|w| (*w).clone()).collect(),
        first_alarm: vec![None; windows.len()],
        false_events: Vec::new(),
        alarms: 0,
    };
    for (k, (_, t)) in alarm.iter().zip(at).enumerate().filter(|(_, (a, _))| **a) {
        out.alarms += 1;
        match inside(t) {
            Some(w) => {
                out.first_alarm[w].get_or_insert(k);
            }
            None => match out.false_events.last_mut() {
                Some(event) if k - event.1 <= gap => {
                    event.1 = k;
                    event.2 += 1;
                }
                _ => out.false_events.push((k, k, 1)),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_detect_windows_and_merge_nearby_false_alarms() {
        let windows = vec![("2014-01-02".to_owned(), "2014-01-03".to_owned())];
        let at = ["2014-01-01", "2014-01-01", "2014-01-02", "2014-01-03", "2014-01-04"];
        let at: Vec<&str> = at.iter().copied().chain(["2014-01-05"; 5]).collect();
        // Alarms at 0 and 1 (before the window), 3 (inside it), 4 and 9 (after it).
        let alarm = [true, true, false, true, true, false, false, false, false, true];
        let e = stream_events(&alarm, &at, &windows, 2);
        assert_eq!(e.first_alarm, vec![Some(3)]);
        assert_eq!(e.false_events, vec![(0, 1, 2), (4, 4, 1), (9, 9, 1)]);
        assert_eq!((e.alarms, e.detected()), (5, 1));
        // Wider gaps join false alarms across the labelled alarm in between.
        let e = stream_events(&alarm, &at, &windows, 3);
        assert_eq!(e.false_events, vec![(0, 4, 3), (9, 9, 1)]);
        let e = stream_events(&alarm, &at, &windows, 5);
        assert_eq!(e.false_events, vec![(0, 9, 4)]);
        // No alarm: nothing detected.
        let e = stream_events(&[false; 10], &at, &windows, 5);
        assert_eq!((e.detected(), e.false_events.len(), e.alarms), (0, 0, 0));
        // Decisions after the labelled window: it is not counted as missed.
        let e = stream_events(&alarm[4..], &at[4..], &windows, 2);
        assert_eq!((e.windows.len(), e.first_alarm.len()), (0, 0));
    }
}
