//! Input scaling fitted on the training split and stored in the model file.
//!
//! Training sees exactly what the generated code computes: `x' = (x - offset) * scale` with
//! `scale = 1 / range` rounded to f32 once ([`Preprocessing::affine`]).

use serde::{Deserialize, Serialize};
use tinyae_core::ir::Preprocessing;

use super::Dataset;

/// How inputs are scaled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// Used as given.
    None,
    /// The training range maps to [0, 1].
    #[default]
    MinMax,
    /// Zero mean, unit standard deviation on the training split.
    Standard,
}

/// Fits `kind` on `train`: one value per feature when `per_feature`, else one for all values
/// (e.g. MNIST pixels). A constant feature gets a range of 1, as the format asks.
pub fn fit_scaling(kind: Scaling, per_feature: bool, train: &Dataset) -> Preprocessing {
    let n = train.features();
    let groups = if per_feature { n } else { 1 };
    let group = |j: usize| if per_feature { j } else { 0 };
    match kind {
        Scaling::None => Preprocessing::None,
        Scaling::MinMax => {
            let mut lo = vec![f32::INFINITY; groups];
            let mut hi = vec![f32::NEG_INFINITY; groups];
            for i in 0..train.len() {
                for (j, &v) in train.row(i).iter().enumerate() {
                    lo[group(j)] = lo[group(j)].min(v);
                    hi[group(j)] = hi[group(j)].max(v);
                }
            }
            for (l, h) in lo.iter().zip(hi.iter_mut()) {
                // A range that rounds to 0 (or below f32 precision) would scale by infinity.
                if *h - *l <= f32::EPSILON * l.abs().max(1.0) {
                    *h = *l + 1.0;
                }
            }
            Preprocessing::MinMax { min: lo, max: hi }
        }
        Scaling::Standard => {
            let mut sum = vec![0f64; groups];
            let mut sq = vec![0f64; groups];
            let mut count = vec![0f64; groups];
            for i in 0..train.len() {
                for (j, &v) in train.row(i).iter().enumerate() {
                    sum[group(j)] += f64::from(v);
                    count[group(j)] += 1.0;
                }
            }
            let mean: Vec<f64> = sum.iter().zip(&count).map(|(s, c)| s / c.max(1.0)).collect();
            for i in 0..train.len() {
                for (j, &v) in train.row(i).iter().enumerate() {
                    sq[group(j)] += (f64::from(v) - mean[group(j)]).powi(2);
                }
            }
            let std: Vec<f32> = sq
                .iter()
                .zip(&count)
                .map(|(s, c)| {
                    let sd = (s / c.max(1.0)).sqrt() as f32;
                    if sd > 0.0 && sd.is_finite() {
                        sd
                    } else {
                        1.0
                    }
                })
                .collect();
            Preprocessing::Standard { mean: mean.iter().map(|&m| m as f32).collect(), std }
        }
    }
}

/// Scales every sample of `data` in place, exactly as the generated code scales inputs.
pub fn apply_scaling(p: &Preprocessing, data: &mut Dataset) {
    let n = data.features();
    let Some(affine) = p.affine(n) else { return };
    for row in data.x.chunks_mut(n) {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (*v - affine.offset[j]) * affine.scale[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(x: Vec<f32>, n: usize) -> Dataset {
        Dataset { source: "t".into(), shape: vec![n], x, labels: None, starts: None }
    }

    #[test]
    fn min_max_maps_training_range_to_unit_interval() {
        let mut d = data(vec![0.0, 10.0, 5.0, 20.0, 10.0, 30.0], 2);
        let p = fit_scaling(Scaling::MinMax, true, &d);
        assert_eq!(p, Preprocessing::MinMax { min: vec![0.0, 10.0], max: vec![10.0, 30.0] });
        apply_scaling(&p, &mut d);
        assert_eq!(d.x, vec![0.0, 0.0, 0.5, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn constant_feature_gets_unit_range() {
        let d = data(vec![3.0, 1.0, 3.0, 2.0], 2);
        let Preprocessing::MinMax { min, max } = fit_scaling(Scaling::MinMax, true, &d) else {
            panic!("expected min-max")
        };
        assert_eq!((min[0], max[0]), (3.0, 4.0));
    }

    #[test]
    fn standard_gives_zero_mean_unit_variance() {
        let mut d = data(vec![1.0, 2.0, 3.0, 4.0], 1);
        let p = fit_scaling(Scaling::Standard, false, &d);
        apply_scaling(&p, &mut d);
        let mean: f32 = d.x.iter().sum::<f32>() / 4.0;
        let var: f32 = d.x.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 4.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "mean {mean} var {var}");
    }
}
