//! The anomaly threshold from reconstruction errors of normal data, stored in the file with how
//! it was chosen.

use anyhow::{bail, Result};
use tinyae_core::ir::{Anomaly, Calibration, Metric};

/// How to turn errors into a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The p-th percentile (linear interpolation between order statistics, numpy's default).
    Percentile(f64),
    /// Mean plus k population standard deviations.
    MeanStd(f64),
}

/// `p`-th percentile of `values` with numpy's default (linear) interpolation.
pub fn percentile(values: &[f32], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (rank - lo as f64)
}

/// Mean and population standard deviation.
pub fn mean_std(values: &[f32]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Fewest calibration values a percentile threshold is trusted on without a warning.
pub const MIN_CALIBRATION: usize = 50;

/// A warning when `samples` values are too few for `method`: a high percentile of a handful
/// of values is one or two order statistics, and moves a lot from seed to seed.
pub fn small_set_warning(samples: usize, method: Method, split: &str) -> Option<String> {
    if samples >= MIN_CALIBRATION {
        return None;
    }
    let how = match method {
        Method::Percentile(p) => {
            let above = (samples as f64 * (1.0 - p / 100.0)).max(0.0);
            format!("its {p}th percentile rests on about {above:.1} value(s) above it")
        }
        Method::MeanStd(k) => format!("mean + {k}·std of so few values is itself noisy"),
    };
    Some(format!(
        "warning: the threshold is calibrated on only {samples} {split} value(s) (fewer than \
         {MIN_CALIBRATION}): {how}, so it can change a lot with the seed\nhelp: hold out more \
         normal samples (`data.validation`), or use `anomaly.mean_std = 3.0` (mean + k·σ) or a \
         lower percentile (e.g. `anomaly.percentile = 90`)"
    ))
}

/// [`small_set_warning`] for a calibrated anomaly section (none for a manual threshold or an
/// unrecorded sample count).
pub fn warning_for(anomaly: &Anomaly) -> Option<String> {
    let (method, samples, split) = match &anomaly.calibration {
        Calibration::Percentile { percentile, samples, split } => {
            (Method::Percentile(*percentile), samples, split)
        }
        Calibration::MeanStd { k, samples, split } => (Method::MeanStd(*k), samples, split),
        Calibration::Manual => return None,
    };
    let samples = usize::try_from((*samples)?).ok()?;
    small_set_warning(samples, method, split.as_deref().unwrap_or("calibration"))
}

/// The anomaly section for `errors` (scores of normal samples from `split`).
pub fn calibrate(errors: &[f32], method: Method, metric: Metric, split: &str) -> Result<Anomaly> {
    if errors.is_empty() {
        bail!("no {split} errors to calibrate the threshold on; set `data.validation` > 0");
    }
    let samples = Some(errors.len() as u64);
    let split = Some(split.to_owned());
    let (threshold, calibration) = match method {
        Method::Percentile(p) => {
            (percentile(errors, p), Calibration::Percentile { percentile: p, samples, split })
        }
        Method::MeanStd(k) => {
            let (m, s) = mean_std(errors);
            (m + k * s, Calibration::MeanStd { k, samples, split })
        }
    };
    // Round up to f32 so the calibrated fraction of errors stays at or below it.
    let mut t = threshold as f32;
    if f64::from(t) < threshold {
        t = f32::from_bits(t.to_bits() + 1);
    }
    Ok(Anomaly { metric, threshold: t.max(0.0), calibration })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4], 95) = 3.85
        assert!((percentile(&[4.0, 1.0, 3.0, 2.0], 95.0) - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&[5.0], 50.0), 5.0);
        assert_eq!(percentile(&[1.0, 2.0], 100.0), 2.0);
    }

    #[test]
    fn percentile_threshold_flags_the_tail() {
        let errors: Vec<f32> = (1..=100).map(|i| i as f32 / 100.0).collect();
        let a = calibrate(&errors, Method::Percentile(95.0), Metric::Mse, "validation").unwrap();
        let above = errors.iter().filter(|&&e| e > a.threshold).count();
        assert_eq!(above, 5, "threshold {}", a.threshold);
    }

    #[test]
    fn small_calibration_sets_warn_with_the_count_and_the_alternatives() {
        let w = small_set_warning(14, Method::Percentile(95.0), "validation").unwrap();
        assert!(w.contains("only 14 validation value(s)"), "{w}");
        assert!(w.contains("mean_std") && w.contains("lower percentile"), "{w}");
        assert_eq!(small_set_warning(50, Method::Percentile(95.0), "validation"), None);
    }

    #[test]
    fn mean_std_threshold() {
        let a = calibrate(&[1.0, 3.0], Method::MeanStd(2.0), Metric::Mae, "train").unwrap();
        assert!((a.threshold - 4.0).abs() < 1e-6);
        assert!(matches!(a.calibration, Calibration::MeanStd { k, .. } if k == 2.0));
    }
}
