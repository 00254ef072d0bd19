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
    fn mean_std_threshold() {
        let a = calibrate(&[1.0, 3.0], Method::MeanStd(2.0), Metric::Mae, "train").unwrap();
        assert!((a.threshold - 4.0).abs() < 1e-6);
        assert!(matches!(a.calibration, Calibration::MeanStd { k, .. } if k == 2.0));
    }
}
