//! Classical machine learning on features (pixels, PCA components, autoencoder codes) with the
//! linfa crates: multinomial logistic regression, k-nearest-neighbour voting, PCA and t-SNE.

use linfa::traits::{Fit, Predict, Transformer};
use linfa::Dataset;
use linfa_nn::distance::L2Dist;
use linfa_nn::{CommonNearestNeighbour, NearestNeighbour};
use ndarray::{Array1, Array2, Axis};

/// Rows of features as an `(rows, features)` f64 matrix.
pub fn matrix<R: AsRef<[f32]>>(rows: &[R]) -> Array2<f64> {
    let cols = rows.first().map_or(0, |r| r.as_ref().len());
    Array2::from_shape_fn((rows.len(), cols), |(i, j)| f64::from(rows[i].as_ref()[j]))
}

/// A PCA fitted on `train` with `k` components: `(train projected, test projected)`.
pub fn pca(
    train: &Array2<f64>,
    test: &Array2<f64>,
    k: usize,
) -> Result<(Array2<f64>, Array2<f64>), String> {
    let data = Dataset::from(train.clone());
    let fitted = linfa_reduction::Pca::params(k).fit(&data).map_err(|e| format!("PCA: {e}"))?;
    let project = |x: &Array2<f64>| -> Array2<f64> { fitted.predict(x) };
    Ok((project(train), project(test)))
}

/// `(train, test)` standardized with the training columns' mean and standard deviation (a
/// constant column is only centred).
pub fn standardize(train: &Array2<f64>, test: &Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    let mean = train.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(train.ncols()));
    let std = train.std_axis(Axis(0), 0.0).mapv(|s| if s > 1e-12 { s } else { 1.0 });
    ((train - &mean) / &std, (test - &mean) / &std)
}

fn accuracy(predicted: &[usize], truth: &[usize]) -> f64 {
    let right = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    right as f64 / truth.len().max(1) as f64
}

/// Test accuracy of a multinomial logistic regression (L2 `alpha`) fitted on the training rows.
pub fn logistic_accuracy(
    (train, train_y): (&Array2<f64>, &[usize]),
    (test, test_y): (&Array2<f64>, &[usize]),
    alpha: f64,
) -> Result<f64, String> {
    let data = Dataset::new(train.clone(), Array1::from(train_y.to_vec()));
    let model = linfa_logistic::MultiLogisticRegression::default()
        .alpha(alpha)
        .max_iterations(100)
        .fit(&data)
        .map_err(|e| format!("logistic regression: {e}"))?;
    let predicted: Array1<usize> = model.predict(test);
    Ok(accuracy(predicted.as_slice().unwrap_or(&[]), test_y))
}

/// Test accuracy of `k`-nearest-neighbour majority voting (Euclidean; ties go to the nearest
/// neighbour's class), neighbours found by linfa-nn over the training rows.
pub fn knn_accuracy(
    (train, train_y): (&Array2<f64>, &[usize]),
    (test, test_y): (&Array2<f64>, &[usize]),
    k: usize,
) -> Result<f64, String> {
    // A k-d tree pays in few dimensions; in many, every query visits most points anyway and a
    // linear scan skips the tree's overhead.
    let algorithm = if train.ncols() <= 16 {
        CommonNearestNeighbour::KdTree
    } else {
        CommonNearestNeighbour::LinearSearch
    };
    let index = algorithm.from_batch(train, L2Dist).map_err(|e| format!("k-NN index: {e}"))?;
    let classes = train_y.iter().max().map_or(0, |m| m + 1);
    let mut predicted = Vec::with_capacity(test.nrows());
    for row in test.rows() {
        let neighbours = index.k_nearest(row, k).map_err(|e| format!("k-NN query: {e}"))?;
        let mut votes = vec![0usize; classes];
        for (_, i) in &neighbours {
            votes[train_y[*i]] += 1;
        }
        let best = votes.iter().copied().max().unwrap_or(0);
        // Among the classes with the most votes, the one of the nearest such neighbour.
        let class =
            neighbours.iter().map(|(_, i)| train_y[*i]).find(|&c| votes[c] == best).unwrap_or(0);
        predicted.push(class);
    }
    Ok(accuracy(&predicted, test_y))
}

/// A 2-D t-SNE embedding: linfa-tsne in its exact mode (θ = 0: every pair's force, O(n²) per
/// iteration, fine for a few thousand points), perplexity 30, 1000 iterations, seeded. Its
/// Barnes–Hut mode (θ > 0) recursed without end in bhtsne 0.4.1's space-partitioning tree on
/// MNIST (a stack overflow at any stack size), so it is not used.
pub fn tsne_2d(x: &Array2<f64>, seed: u64) -> Result<Vec<(f64, f64)>, String> {
    let rng: rand::rngs::StdRng = rand::SeedableRng::seed_from_u64(seed);
    let y = linfa_tsne::TSneParams::embedding_size_with_rng(2, rng)
        .perplexity(30.0)
        .approx_threshold(0.0)
        .max_iter(1000)
        .transform(x.clone())
        .map_err(|e| format!("t-SNE: {e}"))?;
    Ok(y.rows().into_iter().map(|r| (r[0], r[1])).collect())
}

/// The first two columns as points.
pub fn points(x: &Array2<f64>) -> Vec<(f64, f64)> {
    x.rows().into_iter().map(|r| (r[0], r.get(1).copied().unwrap_or(0.0))).collect()
}
