//! Sliding windows over a series, the one labelling rule, and the chronological parts.
//!
//! The rule, used by training, `eval`, `score` and the examples alike: a window's score is
//! known when its last reading arrives, so a window is [`ANOMALY`] when its **last reading** is
//! anomalous. Training and calibration windows must hold no anomalous reading at all.

use std::ops::Range;

use super::series::{Series, ANOMALY, NORMAL};
use super::Dataset;

/// Windows of `size` readings every `stride` readings, each wholly inside `rows` (so no window
/// crosses a part boundary), labelled by their last reading. With `clean`, windows holding any
/// anomalous reading are left out. `starts` records each window's first reading.
pub fn cut_windows(
    series: &Series,
    anomalous: &[bool],
    rows: Range<usize>,
    size: usize,
    stride: usize,
    clean: bool,
) -> Dataset {
    let f = series.features();
    // prefix[i] = anomalous readings before row i, so a window's count is a difference.
    let mut prefix = Vec::with_capacity(anomalous.len() + 1);
    prefix.push(0usize);
    for &a in anomalous {
        prefix.push(prefix.last().copied().unwrap_or(0) + usize::from(a));
    }
    let mut out = Dataset {
        source: series.source.clone(),
        shape: vec![size * f],
        x: Vec::new(),
        labels: Some(Vec::new()),
        starts: Some(Vec::new()),
    };
    if size == 0 || stride == 0 || rows.len() < size {
        return out;
    }
    for start in (rows.start..=rows.end - size).step_by(stride) {
        let end = start + size;
        if clean && prefix[end] > prefix[start] {
            continue;
        }
        out.x.extend_from_slice(&series.values[start * f..end * f]);
        let label = if anomalous[end - 1] { ANOMALY } else { NORMAL };
        out.labels.get_or_insert_with(Vec::new).push(label.to_owned());
        out.starts.get_or_insert_with(Vec::new).push(start);
    }
    out
}

/// Consecutive row ranges `train, validation, test` of `rows` rows: the last `test` fraction,
/// the `validation` fraction before it, the rest first (fractions of all rows, rounded).
pub fn chronological_parts(rows: usize, validation: f64, test: f64) -> [Range<usize>; 3] {
    let count = |f: f64| ((rows as f64 * f).round() as usize).min(rows);
    let test_start = rows - count(test);
    let val_start = test_start.saturating_sub(count(validation));
    [0..val_start, val_start..test_start, test_start..rows]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: Vec<f32>, features: usize) -> Series {
        Series {
            source: "t".into(),
            columns: (0..features).map(|i| format!("c{i}")).collect(),
            timestamp_column: None,
            timestamps: None,
            values,
            labels: None,
        }
    }

    #[test]
    fn windows_stay_inside_their_part_and_take_the_last_readings_label() {
        let s = series((0..10).map(|v| v as f32).collect(), 1);
        let mut anomalous = vec![false; 10];
        anomalous[5] = true;
        let d = cut_windows(&s, &anomalous, 2..8, 3, 1, false);
        assert_eq!(d.starts.as_deref(), Some(&[2, 3, 4, 5][..]));
        assert_eq!(d.row(0), &[2.0, 3.0, 4.0]);
        // The window 3..6 ends on the anomalous reading 5; 4..7 and 5..8 hold it but end later.
        let labels: Vec<&str> = d.labels.as_ref().unwrap().iter().map(String::as_str).collect();
        assert_eq!(labels, [NORMAL, ANOMALY, NORMAL, NORMAL]);
        let clean = cut_windows(&s, &anomalous, 0..10, 3, 2, true);
        assert_eq!(clean.starts.as_deref(), Some(&[0, 2, 6][..]));
    }

    #[test]
    fn multivariate_windows_are_reading_after_reading() {
        let s = series(vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0], 2);
        let d = cut_windows(&s, &[false; 3], 0..3, 2, 1, false);
        assert_eq!((d.features(), d.len()), (4, 2));
        assert_eq!(d.row(1), &[2.0, 20.0, 3.0, 30.0]);
    }

    #[test]
    fn parts_are_consecutive_and_cover_every_row() {
        let [t, v, s] = chronological_parts(100, 0.2, 0.3);
        assert_eq!((t, v, s), (0..50, 50..70, 70..100));
        let [t, v, s] = chronological_parts(7, 0.2, 0.0);
        assert_eq!((t, v, s), (0..6, 6..7, 7..7));
    }
}
