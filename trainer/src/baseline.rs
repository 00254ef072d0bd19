//! A PCA reconstruction baseline: the linear autoencoder an autoencoder has to beat.
//!
//! Fitted on the model's own scaled training rows with as many components as the model's code
//! has values, it scores a sample by the same metric in the same scaled space:
//! `x̂ = μ + V Vᵀ (x − μ)`. The eigenvectors come from the covariance matrix by cyclic Jacobi
//! rotations (exact to rounding, deterministic, fine for the few hundred values of a window or
//! a heartbeat; a 784-value image takes seconds).

use rayon::prelude::*;
use tinyae_core::ir::{Metric, Model};
use tinyae_core::reference;

use crate::data::Dataset;

/// Most rows the covariance is computed from (evenly spaced when there are more).
const MAX_ROWS: usize = 20_000;

/// A fitted PCA.
#[derive(Debug, Clone)]
pub struct Pca {
    /// Mean of the fitted rows.
    pub mean: Vec<f64>,
    /// `k` unit eigenvectors of the largest eigenvalues, each of `dims` values.
    pub components: Vec<Vec<f64>>,
    /// Their eigenvalues, largest first.
    pub variances: Vec<f64>,
    /// Rows it was fitted on.
    pub rows: usize,
}

impl Pca {
    /// Fits `k` components to `rows × dims` values `x`.
    pub fn fit(x: &[f32], dims: usize, k: usize) -> Pca {
        let n = x.len() / dims.max(1);
        let step = n.div_ceil(MAX_ROWS).max(1);
        let picked: Vec<&[f32]> = x.chunks_exact(dims).step_by(step).collect();
        let m = picked.len().max(1) as f64;
        let mut mean = vec![0f64; dims];
        for r in &picked {
            for (a, &v) in mean.iter_mut().zip(*r) {
                *a += f64::from(v) / m;
            }
        }
        // Rows of the covariance in parallel; each is a sum over samples in a fixed order.
        let cov: Vec<f64> = (0..dims)
            .into_par_iter()
            .flat_map_iter(|i| {
                let mut row = vec![0f64; dims];
                for r in &picked {
                    let a = f64::from(r[i]) - mean[i];
                    for (c, (&v, mu)) in row.iter_mut().zip(r.iter().zip(&mean)) {
                        *c += a * (f64::from(v) - mu) / m;
                    }
                }
                row
            })
            .collect();
        let (values, vectors) = symmetric_eigen(cov, dims);
        let mut order: Vec<usize> = (0..dims).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let k = k.min(dims);
        Pca {
            mean,
            components: order[..k]
                .iter()
                .map(|&j| (0..dims).map(|i| vectors[i * dims + j]).collect())
                .collect(),
            variances: order[..k].iter().map(|&j| values[j]).collect(),
            rows: picked.len(),
        }
    }

    /// The reconstruction of `x` from its projection on the components.
    pub fn reconstruct(&self, x: &[f32]) -> Vec<f64> {
        let centred: Vec<f64> = x.iter().zip(&self.mean).map(|(&v, m)| f64::from(v) - m).collect();
        let mut out = self.mean.clone();
        for c in &self.components {
            let t: f64 = centred.iter().zip(c).map(|(a, b)| a * b).sum();
            for (o, v) in out.iter_mut().zip(c) {
                *o += t * v;
            }
        }
        out
    }

    /// The reconstruction error of `x` under `metric`.
    pub fn score(&self, x: &[f32], metric: Metric) -> f32 {
        let y = self.reconstruct(x);
        let n = x.len().max(1) as f64;
        let e: f64 = x
            .iter()
            .zip(&y)
            .map(|(&a, b)| match metric {
                Metric::Mse => (f64::from(a) - b).powi(2),
                Metric::Mae => (f64::from(a) - b).abs(),
            })
            .sum();
        (e / n) as f32
    }
}

/// The PCA baseline of `model`: fitted on `train` (raw rows, scaled as the model scales them)
/// with as many components as the model's code, scoring raw rows in the model's metric.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The fitted PCA (in the scaled space).
    pub pca: Pca,
    /// The metric.
    pub metric: Metric,
    model: Model,
}

impl Baseline {
    /// Fits the baseline for `model` on its raw training rows.
    pub fn fit(model: &Model, train: &Dataset) -> Baseline {
        let scaled: Vec<f32> = (0..train.len())
            .into_par_iter()
            .flat_map_iter(|i| reference::scale_input(model, train.row(i)))
            .collect();
        let metric = model.anomaly.as_ref().map_or(Metric::Mse, |a| a.metric);
        let pca = Pca::fit(&scaled, train.features(), model.latent_len());
        Baseline { pca, metric, model: model.clone() }
    }

    /// Scores raw rows.
    pub fn scores(&self, data: &Dataset) -> Vec<f32> {
        (0..data.len())
            .into_par_iter()
            .map(|i| self.pca.score(&reference::scale_input(&self.model, data.row(i)), self.metric))
            .collect()
    }
}

/// Eigenvalues and eigenvectors (column `j` of the row-major result) of the symmetric `n × n`
/// matrix `a`, by cyclic Jacobi rotations until the off-diagonal part is negligible.
pub fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        if off.sqrt() <= 1e-14 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Golub & Van Loan, §8.5.2).
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                // signum(0) is 1: a tie rotates by 45°.
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_decomposition_reassembles_the_matrix() {
        // A symmetric 4×4 matrix with known eigenvalues 1, 2, 3, 4 is Q diag(1,2,3,4) Qᵀ for
        // the orthonormal Q below (a Householder reflection I - 2uuᵀ, u = (1,1,1,1)/2).
        let q = |i: usize, j: usize| if i == j { 0.5 } else { -0.5 };
        let d = [1.0, 2.0, 3.0, 4.0];
        let a: Vec<f64> =
            (0..16).map(|k| (0..4).map(|m| q(k / 4, m) * d[m] * q(k % 4, m)).sum()).collect();
        let (mut values, vectors) = symmetric_eigen(a.clone(), 4);
        for j in 0..4 {
            // A v = λ v for every column.
            for i in 0..4 {
                let av: f64 = (0..4).map(|k| a[i * 4 + k] * vectors[k * 4 + j]).sum();
                assert!((av - values[j] * vectors[i * 4 + j]).abs() < 1e-12);
            }
        }
        values.sort_by(f64::total_cmp);
        for (v, want) in values.iter().zip(d) {
            assert!((v - want).abs() < 1e-12, "{values:?}");
        }
    }

    #[test]
    fn one_component_recovers_points_on_a_line() {
        // Points on the line (1, 2, 2)·t + (1, 0, 0) reconstruct exactly from one component.
        let x: Vec<f32> =
            (0..20).flat_map(|t| [1.0 + t as f32, 2.0 * t as f32, 2.0 * t as f32]).collect();
        let pca = Pca::fit(&x, 3, 1);
        assert!((pca.variances[0] - 9.0 * 399.0 / 12.0).abs() < 1e-9, "{:?}", pca.variances);
        assert!(pca.score(&[5.0, 8.0, 8.0], Metric::Mse) < 1e-12);
        // A point off the line keeps its orthogonal distance: (0, 1, -1) is orthogonal to it.
        let off = pca.score(&[5.0, 9.0, 7.0], Metric::Mse);
        assert!((f64::from(off) - 2.0 / 3.0).abs() < 1e-6, "{off}");
    }
}
