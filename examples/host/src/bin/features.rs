//! Feature extraction (seeds 000 and 002): the codes of the shipped MNIST autoencoder as
//! features for a classifier, against the raw pixels and against PCA of the same dimension.
//! Multinomial logistic regression (linfa-logistic, L2 α = 1e-3, on standardized features) and
//! 5-nearest-neighbour voting (linfa-nn, Euclidean, features as they are) learn from the first
//! 10,000 training images and are scored on the 10,000 test images. The codes come from the
//! encoder-only part, the code a device runs.
//!
//! Most of the run time is the raw pixels row (784-value logistic regression and k-NN).
//!
//! `cargo run --release -p tinyae-examples --bin features`

use std::process::ExitCode;
use std::time::Instant;

use ndarray::Array2;
use tinyae_examples::analysis::{knn_accuracy, logistic_accuracy, matrix, pca, standardize};
use tinyae_examples::digits::{unit, Digits, PIXELS};

tinyae::autoencoder!(pub AeEncoder = "../../models/mnist.safetensors", parts = encoder);
tinyae::autoencoder!(pub Vae16Encoder = "../../models/mnist_vae16.safetensors", parts = encoder);

/// Training images the classifiers learn from.
const TRAIN: usize = 10_000;
/// Neighbours that vote.
const K: usize = 5;

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

struct Features {
    name: String,
    train: Array2<f64>,
    test: Array2<f64>,
}

fn row(f: &Features, labels: (&[usize], &[usize])) -> Result<(), String> {
    let started = Instant::now();
    let (train_s, test_s) = standardize(&f.train, &f.test);
    let logistic = logistic_accuracy((&train_s, labels.0), (&test_s, labels.1), 1e-3)?;
    let knn = knn_accuracy((&f.train, labels.0), (&f.test, labels.1), K)?;
    println!(
        "| {} | {} | {:.4} | {:.4} | {:.0} s |",
        f.name,
        f.train.ncols(),
        logistic,
        knn,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run() -> Result<(), String> {
    let train = Digits::load("train")?.first(TRAIN);
    let test = Digits::load("t10k")?;
    let labels = |d: &Digits| d.labels.iter().map(|&l| usize::from(l)).collect::<Vec<_>>();
    let (train_y, test_y) = (labels(&train), labels(&test));
    let pixels = |d: &Digits| matrix(&d.images.iter().map(|x| unit(x)).collect::<Vec<_>>());
    let (train_px, test_px) = (pixels(&train), pixels(&test));
    let codes = |d: &Digits, f: &dyn Fn(&[f32; PIXELS]) -> Vec<f32>| {
        matrix(&d.images.iter().map(f).collect::<Vec<_>>())
    };
    let ae = |x: &[f32; PIXELS]| AeEncoder::encode(x).to_vec();
    let vae = |x: &[f32; PIXELS]| Vae16Encoder::encode(x).to_vec();
    let (pca32_train, pca32_test) = pca(&train_px, &test_px, 32)?;
    let (pca16_train, pca16_test) = pca(&train_px, &test_px, 16)?;
    let features = [
        Features { name: "raw pixels".into(), train: train_px.clone(), test: test_px.clone() },
        Features { name: "PCA of the pixels".into(), train: pca32_train, test: pca32_test },
        Features {
            name: "autoencoder code (mnist, 784-128-64-32)".into(),
            train: codes(&train, &ae),
            test: codes(&test, &ae),
        },
        Features { name: "PCA of the pixels".into(), train: pca16_train, test: pca16_test },
        Features {
            name: "VAE mean (mnist_vae16, 784-256-16)".into(),
            train: codes(&train, &vae),
            test: codes(&test, &vae),
        },
    ];
    println!(
        "MNIST: classifiers fitted on the first {TRAIN} training images, accuracy on the {} test images",
        test_y.len()
    );
    println!("| features | dimension | logistic regression | {K}-NN | time |");
    println!("|---|---:|---:|---:|---:|");
    for f in &features {
        row(f, (&train_y, &test_y))?;
    }
    Ok(())
}
