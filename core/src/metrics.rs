//! Detection metrics the trainer's `eval` and the examples share.

/// Area under the ROC curve: the probability that a random anomaly scores above a random
/// normal sample, ties counting one half (Mann–Whitney U). `None` without both classes.
pub fn roc_auc(scores: &[f32], is_anomaly: &[bool]) -> Option<f64> {
    let pos = is_anomaly.iter().filter(|&&a| a).count();
    let neg = is_anomaly.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks over ties, 1-based.
    let mut rank_sum_pos = 0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += avg * order[i..=j].iter().filter(|&&k| is_anomaly[k]).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_pos - (pos * (pos + 1)) as f64 / 2.0;
    Some(u / (pos as f64 * neg as f64))
}
