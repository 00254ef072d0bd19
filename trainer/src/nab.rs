//! The Numenta Anomaly Benchmark score of alarms on one series, from NAB's published definition
//! (Lavin & Ahmad, ICMLA 2015; `nab/sweeper.py` and `config/profiles.json` of numenta/NAB).
//!
//! Per labelled window (rows `L..=R`, width `W = R - L + 1`), the earliest alarm in it earns
//! `σ(-(R - i + 1)/W) · A_tp / σ(-1)`, so an alarm on the window's first row earns `A_tp` and
//! one on its last ~0; a window without an alarm costs `-A_fn`. Every alarm outside the windows
//! costs `A_fp · σ(|i - R_prev| / (W_prev - 1))` after a window (mild just after it, −A_fp far
//! away) and `-A_fp` before the first, where `σ(x) = 2/(1 + e^{5x}) - 1` (and −1 past x = 3).
//! Rows before `probation` are not scored. NAB normalizes to 100 for a perfect detector and 0
//! for one that never alarms.

/// A NAB application profile: the weights of true positives, false positives and misses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// The profile's name in NAB.
    pub name: &'static str,
    /// `A_tp`.
    pub tp: f64,
    /// `A_fp`.
    pub fp: f64,
    /// `A_fn`.
    pub fn_: f64,
}

/// NAB's three profiles (`config/profiles.json`).
pub const PROFILES: [Profile; 3] = [
    Profile { name: "standard", tp: 1.0, fp: 0.11, fn_: 1.0 },
    Profile { name: "reward_low_FP_rate", tp: 1.0, fp: 0.22, fn_: 1.0 },
    Profile { name: "reward_low_FN_rate", tp: 1.0, fp: 0.11, fn_: 2.0 },
];

/// One profile's result on a series.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NabScore {
    /// The raw score (what NAB's per-file results list as `Score`).
    pub raw: f64,
    /// `100 · (raw − null) / (perfect − null)`: 0 never alarming, 100 perfect.
    pub normalized: f64,
    /// Labelled windows with scored rows.
    pub windows: usize,
    /// Alarmed rows inside windows.
    pub tp: usize,
    /// Alarmed rows outside windows.
    pub fp: usize,
}

/// NAB's probationary period of a file of `rows` rows: the first 15 %, at most 750 rows.
pub fn probation(rows: usize) -> usize {
    ((0.15 * rows as f64).floor() as usize).min(750)
}

/// `2·sigmoid(-5x) - 1`, and −1 beyond `x = 3`.
fn scaled_sigmoid(x: f64) -> f64 {
    if x > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * x).exp()) - 1.0
    }
}

/// Each row's weighted score as if it alarmed (NAB's `sweepScore`), and the window holding it.
fn row_scores(rows: usize, windows: &[(usize, usize)], p: &Profile) -> Vec<(f64, Option<usize>)> {
    let max_tp = scaled_sigmoid(-1.0);
    let mut out = Vec::with_capacity(rows);
    let mut prev: Option<(usize, usize)> = None; // (right edge, width) of the last window passed
    let mut next = 0;
    for i in 0..rows {
        while next < windows.len() && windows[next].1 < i {
            prev = Some((windows[next].1, windows[next].1 - windows[next].0 + 1));
            next += 1;
        }
        let inside = windows.get(next).filter(|w| w.0 <= i && i <= w.1);
        let score = match (inside, prev) {
            (Some(&(l, r)), _) => {
                let width = (r - l + 1) as f64;
                scaled_sigmoid(-((r - i + 1) as f64) / width) * p.tp / max_tp
            }
            (None, None) => -p.fp,
            // A one-row window has no width to scale by: treat the alarm as far from it.
            (None, Some((_, 1))) => -p.fp,
            (None, Some((right, width))) => {
                scaled_sigmoid((i - right) as f64 / (width - 1) as f64) * p.fp
            }
        };
        out.push((score, inside.map(|_| next)));
    }
    out
}

/// The NAB score of `alarms` (one per row) against `windows` (inclusive row ranges, sorted,
/// disjoint), scoring rows from `probation` on.
pub fn score(
    alarms: &[bool],
    windows: &[(usize, usize)],
    probation: usize,
    p: &Profile,
) -> NabScore {
    let rows = row_scores(alarms.len(), windows, p);
    let mut best: Vec<Option<f64>> = vec![None; windows.len()];
    let mut scored = vec![false; windows.len()];
    let (mut fp_total, mut tp, mut fp) = (0.0, 0, 0);
    for (&alarm, &(s, window)) in alarms.iter().zip(&rows).skip(probation) {
        match window {
            Some(w) => {
                scored[w] = true;
                if alarm {
                    tp += 1;
                    best[w] = Some(best[w].map_or(s, |b: f64| b.max(s)));
                }
            }
            None if alarm => {
                fp += 1;
                fp_total += s;
            }
            None => {}
        }
    }
    let counted = scored.iter().filter(|&&s| s).count();
    let window_total: f64 = (0..windows.len())
        .filter(|&w| scored[w])
        .map(|w| best[w].map_or(-p.fn_, |b| b.max(-p.fn_)))
        .sum();
    let raw = window_total + fp_total;
    let null = -p.fn_ * counted as f64;
    let perfect = p.tp * counted as f64;
    let normalized = if counted == 0 { f64::NAN } else { 100.0 * (raw - null) / (perfect - null) };
    NabScore { raw, normalized, windows: counted, tp, fp }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANDARD: Profile = PROFILES[0];

    #[test]
    fn worked_example_by_hand() {
        // 20 rows, one labelled window at rows 10..=14 (width 5), no probation.
        let windows = [(10, 14)];
        let mut alarms = vec![false; 20];
        // An alarm before any window costs A_fp = 0.11.
        alarms[2] = true;
        // The first alarm in the window at row 11: position -(14 - 11 + 1)/5 = -0.8,
        // 2/(1 + e^-4) - 1 = 0.96403, divided by σ(-1) = 2/(1 + e^-5) - 1 = 0.98661 → 0.97710.
        alarms[11] = true;
        alarms[13] = true; // a later alarm in the same window adds nothing
                           // Two rows after the window: position |16 - 14| / (5 - 1) = 0.5,
                           // 2/(1 + e^2.5) - 1 = -0.84828, times 0.11 → -0.093311.
        alarms[16] = true;
        let s = score(&alarms, &windows, 0, &STANDARD);
        let by_hand = -0.11
            + 0.964_027_580_075_817 / 0.986_614_298_151_430_2
            + 0.11 * -0.848_283_639_957_512_9;
        assert!((s.raw - by_hand).abs() < 1e-12, "{} vs {by_hand}", s.raw);
        assert_eq!((s.tp, s.fp, s.windows), (2, 2, 1));
        // Normalized: (raw + 1) / 2 · 100.
        assert!((s.normalized - 100.0 * (by_hand + 1.0) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn perfect_null_and_probation() {
        let windows = [(5, 9), (20, 24)];
        let mut alarms = vec![false; 30];
        let null = score(&alarms, &windows, 0, &STANDARD);
        assert_eq!((null.raw, null.normalized), (-2.0, 0.0));
        alarms[5] = true;
        alarms[20] = true;
        let perfect = score(&alarms, &windows, 0, &STANDARD);
        assert!((perfect.raw - 2.0).abs() < 1e-12 && (perfect.normalized - 100.0).abs() < 1e-9);
        // With the first window inside the probationary rows, only the second counts.
        let late = score(&alarms, &windows, 12, &STANDARD);
        assert_eq!(late.windows, 1);
        assert!((late.raw - 1.0).abs() < 1e-12);
        // Reward-low-FN doubles the cost of a miss.
        let miss = score(&[false; 30], &windows, 0, &PROFILES[2]);
        assert_eq!(miss.raw, -4.0);
        assert_eq!(probation(22_695), 750);
        assert_eq!(probation(1882), 282);
    }
}
