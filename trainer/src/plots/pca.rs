//! Principal component analysis to two dimensions, for latent scatter plots.

/// Projects `rows × dims` values onto their first two principal components (power iteration
/// with deflation on the covariance matrix, deterministic). Two-dimensional data is returned
/// centred but otherwise unchanged in orientation only when `dims == 2`.
pub fn pca_2d(x: &[f32], dims: usize) -> Vec<(f64, f64)> {
    let rows = x.len() / dims.max(1);
    if dims == 0 || rows == 0 {
        return Vec::new();
    }
    if dims == 1 {
        return x.iter().map(|&v| (f64::from(v), 0.0)).collect();
    }
    let mut mean = vec![0f64; dims];
    for r in x.chunks(dims) {
        for (m, &v) in mean.iter_mut().zip(r) {
            *m += f64::from(v) / rows as f64;
        }
    }
    if dims == 2 {
        return x
            .chunks(2)
            .map(|r| (f64::from(r[0]) - mean[0], f64::from(r[1]) - mean[1]))
            .collect();
    }
    let mut cov = vec![0f64; dims * dims];
    for r in x.chunks(dims) {
        for i in 0..dims {
            let a = f64::from(r[i]) - mean[i];
            for j in 0..dims {
                cov[i * dims + j] += a * (f64::from(r[j]) - mean[j]);
            }
        }
    }
    let first = top_eigenvector(&cov, dims);
    let lambda = rayleigh(&cov, &first, dims);
    for i in 0..dims {
        for j in 0..dims {
            cov[i * dims + j] -= lambda * first[i] * first[j];
        }
    }
    let second = top_eigenvector(&cov, dims);
    x.chunks(dims)
        .map(|r| {
            let c: Vec<f64> = r.iter().zip(&mean).map(|(&v, m)| f64::from(v) - m).collect();
            let dot = |e: &[f64]| c.iter().zip(e).map(|(a, b)| a * b).sum::<f64>();
            (dot(&first), dot(&second))
        })
        .collect()
}

fn top_eigenvector(m: &[f64], n: usize) -> Vec<f64> {
    // A fixed, non-symmetric start vector avoids being orthogonal to the answer by accident.
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + i as f64 * 0.1).collect();
    for _ in 0..500 {
        let mut w = vec![0f64; n];
        for i in 0..n {
            for j in 0..n {
                w[i] += m[i * n + j] * v[j];
            }
        }
        let norm = w.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm < 1e-300 {
            break;
        }
        v = w.iter().map(|a| a / norm).collect();
    }
    v
}

fn rayleigh(m: &[f64], v: &[f64], n: usize) -> f64 {
    (0..n).map(|i| v[i] * (0..n).map(|j| m[i * n + j] * v[j]).sum::<f64>()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_direction_of_largest_variance() {
        // Points along (1, 1, 0) with a little spread along (0, 0, 1).
        let mut x = Vec::new();
        for i in -10..=10 {
            let t = i as f32;
            x.extend_from_slice(&[t, t, 0.01 * (i % 3) as f32]);
        }
        let p = pca_2d(&x, 3);
        let spread1: f64 = p.iter().map(|q| q.0 * q.0).sum();
        let spread2: f64 = p.iter().map(|q| q.1 * q.1).sum();
        assert!(spread1 > 1000.0 * spread2, "{spread1} vs {spread2}");
        // The first component of the point (10, 10, ·) is ±10·√2.
        assert!((p[20].0.abs() - 10.0 * 2f64.sqrt()).abs() < 1e-3, "{:?}", p[20]);
    }
}
