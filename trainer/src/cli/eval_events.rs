//! `tinyae eval` on a series: alarms as events, next to the PCA baseline's and to random
//! placement of as many alarms. A window scoring above the threshold raises an alarm at its
//! last reading (when a device would know it), unless an alarm was raised fewer than `hold`
//! readings before: one excursion raises one alarm per `hold` readings, not one per reading.

use std::ops::Range;

use serde_json::{json, Value};

use crate::data::{format_duration, format_timestamp, Dataset, SeriesData};
use crate::events::{
    events, labelled_windows, raise_alarms, random_placement, Events, RandomPlacement,
};
use crate::nab::PROFILES;

/// Seed of the random placements (fixed, so reports repeat).
const SEED: u64 = 13;

/// Event evaluation of one series part.
#[derive(Debug, Clone)]
pub struct SeriesReport {
    /// The autoencoder's events.
    pub model: Events,
    /// The PCA baseline's events, when it was fitted.
    pub pca: Option<Events>,
    /// Random placement of the autoencoder's number of alarms.
    pub random: RandomPlacement,
    /// Readings whose window scored above the threshold: the model's and PCA's.
    above: (usize, Option<usize>),
    /// Timestamps per reading, when the series has them.
    timestamps: Option<Vec<i64>>,
    /// First scored row.
    from: usize,
    /// Readings per window.
    window: usize,
    /// Readings an alarm holds off the next.
    hold: usize,
    /// Seconds per reading.
    period: Option<i64>,
}

/// Per reading: whether the window ending on it scores above `threshold` (window `k` starts at
/// `starts[k]`).
pub fn readings_above(
    rows: usize,
    data: &Dataset,
    window: usize,
    scores: &[f32],
    threshold: f32,
) -> Vec<bool> {
    let mut above = vec![false; rows];
    for (&start, &s) in data.starts.iter().flatten().zip(scores) {
        above[start + window - 1] = s > threshold;
    }
    above
}

/// How alarms are raised and grouped, and how many random placements to draw.
#[derive(Debug, Clone, Copy)]
pub struct Alarming {
    /// Readings after an alarm before the next can be raised.
    pub hold: usize,
    /// False alarms this close form one event.
    pub gap: usize,
    /// Random placements drawn.
    pub draws: usize,
}

/// Events of the model (and the PCA baseline) on the rows `part` of `sd`.
pub fn series_events(
    sd: &SeriesData,
    part: Range<usize>,
    data: &Dataset,
    model: (&[f32], f32),
    pca: Option<(&[f32], f32)>,
    how: Alarming,
) -> SeriesReport {
    let rows = sd.series.rows();
    let windows = labelled_windows(&sd.anomalous);
    let of = |(scores, threshold): (&[f32], f32)| {
        let above = readings_above(rows, data, sd.window, scores, threshold);
        let count = above[part.clone()].iter().filter(|&&a| a).count();
        (events(&raise_alarms(&above, how.hold), &windows, part.clone(), how.gap), count)
    };
    let (model_events, above) = of(model);
    // Alarms can fall on the rows where a whole window of the part has arrived.
    let candidates = (part.start + sd.window - 1).min(part.end)..part.end;
    let random =
        random_placement(&model_events, rows, &windows, candidates, how.gap, how.draws, SEED);
    let pca = pca.map(of);
    SeriesReport {
        model: model_events,
        above: (above, pca.as_ref().map(|p| p.1)),
        pca: pca.map(|p| p.0),
        random,
        timestamps: sd.series.timestamps.clone(),
        from: part.start,
        window: sd.window,
        hold: how.hold,
        period: sd.series.sample_period(),
    }
}

impl SeriesReport {
    fn when(&self, row: usize) -> String {
        match &self.timestamps {
            Some(ts) => format_timestamp(ts[row]),
            None => format!("row {row}"),
        }
    }

    fn span(&self, readings: usize) -> String {
        match self.period {
            Some(p) => format_duration(p * readings as i64),
            None => format!("{readings} readings"),
        }
    }

    fn mean_delay(e: &Events, from: usize) -> Option<f64> {
        let d: Vec<usize> = e.windows.iter().filter_map(|w| w.delay(from)).collect();
        (!d.is_empty()).then(|| d.iter().sum::<usize>() as f64 / d.len() as f64)
    }

    /// Prints the events table and the per-window detail.
    pub fn print(&self) {
        let m = &self.model;
        let r = &self.random;
        println!(
            "events: a window of {} readings ({}) scoring above the threshold raises an alarm at \
             its last reading, then none for {} readings; {} labelled anomaly window(s) in \
             these rows",
            self.window,
            self.span(self.window),
            self.hold,
            m.windows.len()
        );
        let cols = |label: &str, ae: String, pca: Option<String>, random: String| {
            let pca = pca.unwrap_or_else(|| "-".into());
            println!("  {label:<30} {ae:>12} {pca:>12} {random:>18}");
        };
        cols("", "autoencoder".into(), Some("PCA".into()), format!("random ({} draws)", r.draws));
        let n = m.windows.len();
        cols(
            "labelled windows detected",
            format!("{} of {n}", m.detected()),
            self.pca.as_ref().map(|p| format!("{} of {n}", p.detected())),
            format!("{:.2} expected", r.expected_detected),
        );
        cols(
            "false-alarm events",
            m.false_events.len().to_string(),
            self.pca.as_ref().map(|p| p.false_events.len().to_string()),
            format!("{:.1}", r.false_events),
        );
        cols(
            "alarms raised",
            m.alarms.to_string(),
            self.pca.as_ref().map(|p| p.alarms.to_string()),
            r.alarms.to_string(),
        );
        cols(
            "readings above the threshold",
            self.above.0.to_string(),
            self.above.1.map(|a| a.to_string()),
            "-".into(),
        );
        let delay = |e: &Events| {
            Self::mean_delay(e, self.from).map_or("-".into(), |d| self.span(d.round() as usize))
        };
        cols("mean detection delay", delay(m), self.pca.as_ref().map(delay), "-".into());
        for (k, p) in PROFILES.iter().enumerate() {
            let show = |e: &Events| format!("{:.1}", e.nab[k].normalized);
            cols(
                &format!("NAB {}", p.name),
                show(m),
                self.pca.as_ref().map(show),
                format!("{:.1}", r.nab[k].1),
            );
        }
        println!(
            "  (NAB: normalized per series, 100 = every window caught at its start, 0 = no alarm)"
        );
        for w in &m.windows {
            let status = match w.first_alarm {
                Some(a) => format!(
                    "detected after {} (first alarm {})",
                    self.span(w.delay(self.from).unwrap_or(0)),
                    self.when(a)
                ),
                None => "missed".into(),
            };
            println!("  labelled {} .. {}: {status}", self.when(w.first), self.when(w.last));
        }
        for (a, b, k) in m.false_events.iter().take(20) {
            println!("  false alarm {} .. {} ({k} alarms)", self.when(*a), self.when(*b));
        }
        if m.false_events.len() > 20 {
            println!("  … {} more false-alarm events", m.false_events.len() - 20);
        }
    }

    /// The report as JSON.
    pub fn json(&self) -> Value {
        let side = |e: &Events| {
            json!({
                "windows": e.windows.iter().map(|w| json!({
                    "start": self.when(w.first), "end": self.when(w.last),
                    "first_alarm": w.first_alarm.map(|a| self.when(a)),
                    "delay_readings": w.delay(self.from),
                })).collect::<Vec<_>>(),
                "detected": e.detected(),
                "false_alarm_events": e.false_events.len(),
                "alarms": e.alarms,
                "mean_delay_readings": Self::mean_delay(e, self.from),
                "nab": PROFILES.iter().zip(&e.nab).map(|(p, s)| (p.name.to_owned(), json!(s)))
                    .collect::<serde_json::Map<_, _>>(),
            })
        };
        let r = &self.random;
        json!({
            "window": self.window,
            "hold": self.hold,
            "readings_above_threshold": {"autoencoder": self.above.0, "pca": self.above.1},
            "autoencoder": side(&self.model),
            "pca": self.pca.as_ref().map(side),
            "random_placement": {
                "alarms": r.alarms, "draws": r.draws, "expected_detected": r.expected_detected,
                "false_alarm_events": r.false_events,
                "nab": PROFILES.iter().zip(&r.nab).map(|(p, (raw, norm))| (p.name.to_owned(),
                    json!({"raw": raw, "normalized": norm}))).collect::<serde_json::Map<_, _>>(),
            },
        })
    }
}
