//! Detection metrics with "anomaly" as the positive class: confusion matrix, precision,
//! recall, F1, ROC-AUC and PR-AUC (average precision, scikit-learn's definition).

use serde::Serialize;

/// Counts of a binary decision against the truth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Anomalies flagged.
    pub tp: usize,
    /// Normal samples flagged.
    pub fp: usize,
    /// Normal samples passed.
    pub tn: usize,
    /// Anomalies passed.
    pub r#fn: usize,
}

impl Confusion {
    /// Counts `score > threshold` against `is_anomaly`.
    pub fn at(scores: &[f32], is_anomaly: &[bool], threshold: f32) -> Self {
        let mut c = Confusion::default();
        for (&s, &truth) in scores.iter().zip(is_anomaly) {
            match (s > threshold, truth) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.r#fn += 1,
            }
        }
        c
    }

    /// All samples.
    pub fn total(&self) -> usize {
        self.tp + self.fp + self.tn + self.r#fn
    }

    /// Correct decisions / all.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// Flagged samples that are anomalies.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Anomalies that are flagged.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.r#fn)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// The same decisions with "normal" as the positive class (TensorFlow's ECG tutorial
    /// reports its precision and recall this way).
    pub fn normal_positive(&self) -> Confusion {
        Confusion { tp: self.tn, fp: self.r#fn, tn: self.tp, r#fn: self.fp }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

pub use tinyae_core::metrics::roc_auc;

/// Average precision: `Σ (R_k − R_{k−1}) P_k` over thresholds at each distinct score, from the
/// highest down. `None` without anomalies.
pub fn pr_auc(scores: &[f32], is_anomaly: &[bool]) -> Option<f64> {
    let pos = is_anomaly.iter().filter(|&&a| a).count();
    if pos == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut last_recall) = (0usize, 0usize, 0f64, 0f64);
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if is_anomaly[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        let recall = tp as f64 / pos as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - last_recall) * precision;
        last_recall = recall;
    }
    Some(ap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_counts() {
        let c = Confusion::at(&[0.1, 0.9, 0.8, 0.2], &[false, true, false, true], 0.5);
        assert_eq!(c, Confusion { tp: 1, fp: 1, tn: 1, r#fn: 1 });
        assert_eq!((c.precision(), c.recall(), c.accuracy(), c.f1()), (0.5, 0.5, 0.5, 0.5));
    }

    #[test]
    fn roc_auc_matches_hand_computation() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
        let auc = roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        assert!((auc - 0.75).abs() < 1e-12);
        // Ties count one half.
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(roc_auc(&[0.5], &[true]), None);
    }

    #[test]
    fn average_precision_matches_sklearn() {
        // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333…
        let ap = pr_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        assert!((ap - 5.0 / 6.0).abs() < 1e-12, "{ap}");
    }
}
