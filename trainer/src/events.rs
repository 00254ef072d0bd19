//! Alarms over a series as events: which labelled windows raised an alarm and how late, which
//! alarms fell outside every labelled window (grouped into false-alarm events), the NAB score,
//! and what the same number of alarms placed at random would have scored.

use std::ops::Range;

use rand::seq::index::sample;
use rand::SeedableRng;
use serde::Serialize;

use crate::nab::{self, NabScore, PROFILES};

/// Alarms raised from per-reading decisions `above` (score above the threshold): an alarm is
/// raised on a reading above the threshold unless one was raised fewer than `hold` readings
/// before, so one excursion raises one alarm per `hold` readings instead of one per reading.
/// `hold` 1 raises an alarm on every reading above the threshold.
pub fn raise_alarms(above: &[bool], hold: usize) -> Vec<bool> {
    let mut last: Option<usize> = None;
    above
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let raised = a && last.is_none_or(|l| i - l >= hold.max(1));
            if raised {
                last = Some(i);
            }
            raised
        })
        .collect()
}

/// Labelled windows as row ranges: the runs of anomalous readings.
pub fn labelled_windows(anomalous: &[bool]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, &a) in anomalous.iter().enumerate() {
        match out.last_mut() {
            Some(w) if a && w.1 + 1 == i => w.1 = i,
            _ if a => out.push((i, i)),
            _ => {}
        }
    }
    out
}

/// One labelled window, clipped to the scored rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// First row of the labelled window.
    pub first: usize,
    /// Last row (inclusive).
    pub last: usize,
    /// The first alarm inside it, if any.
    pub first_alarm: Option<usize>,
}

impl Detection {
    /// Rows from the window's start (or the first scored row) to its first alarm.
    pub fn delay(&self, scored_from: usize) -> Option<usize> {
        self.first_alarm.map(|a| a - self.first.max(scored_from))
    }
}

/// Alarms of one detector on one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Events {
    /// The labelled windows that overlap the scored rows.
    pub windows: Vec<Detection>,
    /// False-alarm events: `(first row, last row, alarms)`.
    pub false_events: Vec<(usize, usize, usize)>,
    /// Alarmed rows.
    pub alarms: usize,
    /// NAB scores per profile (standard, reward low FP, reward low FN).
    pub nab: Vec<NabScore>,
}

impl Events {
    /// Labelled windows with an alarm.
    pub fn detected(&self) -> usize {
        self.windows.iter().filter(|w| w.first_alarm.is_some()).count()
    }
}

/// Groups `alarms` (one per row) over the rows `scored` against labelled `windows` (inclusive
/// row ranges, sorted). A false alarm within `gap` rows of the previous one extends its event
/// (a detector sliding one reading at a time flags one excursion from many windows). NAB scores
/// take the rows before `scored` as NAB's probationary period.
pub fn events(
    alarms: &[bool],
    windows: &[(usize, usize)],
    scored: Range<usize>,
    gap: usize,
) -> Events {
    let mut out = Events {
        windows: windows
            .iter()
            .filter(|w| w.1 >= scored.start && w.0 < scored.end)
            .map(|&(first, last)| Detection { first, last, first_alarm: None })
            .collect(),
        false_events: Vec::new(),
        alarms: 0,
        nab: Vec::new(),
    };
    for i in scored.clone().filter(|&i| alarms[i]) {
        out.alarms += 1;
        match out.windows.iter_mut().find(|w| w.first <= i && i <= w.last) {
            Some(w) => {
                w.first_alarm.get_or_insert(i);
            }
            None => match out.false_events.last_mut() {
                Some(e) if i - e.1 <= gap => {
                    e.1 = i;
                    e.2 += 1;
                }
                _ => out.false_events.push((i, i, 1)),
            },
        }
    }
    let clipped: Vec<bool> = (0..alarms.len().min(scored.end)).map(|i| alarms[i]).collect();
    out.nab = PROFILES.iter().map(|p| nab::score(&clipped, windows, scored.start, p)).collect();
    out
}

/// What placing the same number of alarms uniformly at random among the rows `candidates` would
/// score: the exact expected number of labelled windows detected, and means over `draws` seeded
/// draws of false-alarm events and NAB scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RandomPlacement {
    /// Alarms placed per draw.
    pub alarms: usize,
    /// Expected labelled windows with at least one alarm (exact, hypergeometric).
    pub expected_detected: f64,
    /// Mean false-alarm events over the draws.
    pub false_events: f64,
    /// Mean raw and normalized NAB score per profile over the draws.
    pub nab: Vec<(f64, f64)>,
    /// Draws.
    pub draws: usize,
}

/// Random alarm placement as a reference for `actual` (see [`RandomPlacement`]).
pub fn random_placement(
    actual: &Events,
    rows: usize,
    windows: &[(usize, usize)],
    candidates: Range<usize>,
    gap: usize,
    draws: usize,
    seed: u64,
) -> RandomPlacement {
    let n = candidates.len();
    let k = actual.alarms.min(n);
    // P(a window of m candidate rows gets none of k alarms) = Π_{j<k} (n - m - j) / (n - j).
    let miss = |m: usize| -> f64 {
        if m + k > n {
            return 0.0;
        }
        (0..k).map(|j| (n - m - j) as f64 / (n - j) as f64).product()
    };
    let expected_detected = actual
        .windows
        .iter()
        .map(|w| {
            let m = (w.last + 1).min(candidates.end).saturating_sub(w.first.max(candidates.start));
            1.0 - miss(m)
        })
        .sum();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut sums = (0.0, vec![(0.0, 0.0); PROFILES.len()]);
    for _ in 0..draws {
        let mut alarms = vec![false; rows];
        for i in sample(&mut rng, n, k) {
            alarms[candidates.start + i] = true;
        }
        let e = events(&alarms, windows, candidates.clone(), gap);
        sums.0 += e.false_events.len() as f64;
        for (s, p) in sums.1.iter_mut().zip(&e.nab) {
            s.0 += p.raw;
            s.1 += p.normalized;
        }
    }
    let d = draws.max(1) as f64;
    RandomPlacement {
        alarms: k,
        expected_detected,
        false_events: sums.0 / d,
        nab: sums.1.iter().map(|(r, n)| (r / d, n / d)).collect(),
        draws,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_alarms_into_detections_and_false_events() {
        let windows = [(10, 14)];
        let mut alarms = vec![false; 30];
        for i in [2, 3, 12, 13, 16, 25] {
            alarms[i] = true;
        }
        let e = events(&alarms, &windows, 0..30, 2);
        assert_eq!(e.windows, vec![Detection { first: 10, last: 14, first_alarm: Some(12) }]);
        assert_eq!(e.windows[0].delay(0), Some(2));
        assert_eq!(e.false_events, vec![(2, 3, 2), (16, 16, 1), (25, 25, 1)]);
        assert_eq!((e.alarms, e.detected()), (6, 1));
        // Rows outside the scored range are neither alarms nor windows.
        let e = events(&alarms, &windows, 15..30, 2);
        assert_eq!((e.alarms, e.windows.len()), (2, 0));
    }

    #[test]
    fn alarms_are_held_off_for_hold_readings() {
        let above = [true, true, true, false, true, true, false, false, true];
        let raised = |h| -> Vec<usize> {
            raise_alarms(&above, h).iter().enumerate().filter(|(_, &r)| r).map(|(i, _)| i).collect()
        };
        assert_eq!(raised(1), [0, 1, 2, 4, 5, 8]);
        assert_eq!(raised(3), [0, 4, 8]);
        assert_eq!(raised(5), [0, 5]);
    }

    #[test]
    fn labelled_windows_are_runs_of_anomalous_readings() {
        let a = [false, true, true, false, true, false, false, true];
        assert_eq!(labelled_windows(&a), vec![(1, 2), (4, 4), (7, 7)]);
    }

    #[test]
    fn random_placement_matches_the_hypergeometric_expectation() {
        // 100 candidate rows, a window of 10, 5 alarms: P(miss) = C(90,5)/C(100,5).
        let windows = [(40, 49)];
        let mut alarms = vec![false; 100];
        for i in [0, 20, 45, 60, 80] {
            alarms[i] = true;
        }
        let actual = events(&alarms, &windows, 0..100, 0);
        let r = random_placement(&actual, 100, &windows, 0..100, 0, 4000, 7);
        let miss = (0..5).map(|j| (90 - j) as f64 / (100 - j) as f64).product::<f64>();
        assert!((r.expected_detected - (1.0 - miss)).abs() < 1e-12);
        // With gap 0 every alarm outside the window is its own event: 5 · 90/100 = 4.5 expected.
        assert!((r.false_events - 4.5).abs() < 0.05, "{}", r.false_events);
    }
}
