//! Generation (seeds 000, 002, 003): the shipped MNIST VAEs with a 2-value latent
//! (configs/mnist_vae2.toml) and a 16-value latent (configs/mnist_vae16.toml). Draws new
//! digits from the prior, the 2-D latent manifold (15×15 at the normal quantiles of
//! 0.05..0.95, as the tutorials), and interpolations between two test digits; shows
//! `sample_latent`, the reparameterized sample `μ + exp(½ log σ²)·ε` with ε from the caller's
//! random number generator, which is what a device does with its own RNG.
//!
//! `cargo run --release -p tinyae-examples --bin generation [-- --out DIR]`
//! (pictures: docs/gallery/generation_{samples,manifold,interpolation}.png)

use std::process::ExitCode;

use tinyae::{Autoencoder, ModelInfo};
use tinyae_examples::digits::{normal_ppf, quality, unit, Digits, Gaussian, PIXELS};
use tinyae_examples::gallery::{image_grid, out_dir, ImageRow};

tinyae::autoencoder!(pub Vae2 = "../../models/mnist_vae2.safetensors");
tinyae::autoencoder!(pub Vae16 = "../../models/mnist_vae16.safetensors");

/// The manifold's side, as in the tutorials.
const SIDE: usize = 15;

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

/// Digits decoded from `count` latent samples of N(0, I).
fn samples<M: Autoencoder<PIXELS, L>, const L: usize>(
    count: usize,
    rng: &mut Gaussian,
) -> Vec<Vec<f32>> {
    (0..count).map(|_| unit(&M::decode(&core::array::from_fn(|_| rng.sample())))).collect()
}

/// Digits decoded along the straight line between the codes (means) of `a` and `b`.
fn interpolate<M: Autoencoder<PIXELS, L>, const L: usize>(
    a: &[f32; PIXELS],
    b: &[f32; PIXELS],
    steps: usize,
) -> Vec<Vec<f32>> {
    let (za, zb) = (M::encode(a), M::encode(b));
    (0..steps)
        .map(|k| {
            let t = k as f32 / (steps - 1) as f32;
            unit(&M::decode(&core::array::from_fn(|d| (1.0 - t) * za[d] + t * zb[d])))
        })
        .collect()
}

/// Test MSE and PSNR of `decode(encode(x))`, and the mean and standard deviation of the codes.
fn report<M: Autoencoder<PIXELS, L> + ModelInfo, const L: usize>(name: &str, test: &Digits) {
    let clean: Vec<Vec<f32>> = test.images.iter().map(|x| unit(x)).collect();
    let recon: Vec<Vec<f32>> = test.images.iter().map(|x| unit(&M::reconstruct(x))).collect();
    let (mse, psnr) = quality(clean.iter().zip(&recon).map(|(a, b)| (&a[..], &b[..])));
    let codes: Vec<[f32; L]> = test.images.iter().map(M::encode).collect();
    let n = codes.len() as f64;
    let mean = codes.iter().flatten().map(|&v| f64::from(v)).sum::<f64>() / (n * L as f64);
    let var = codes.iter().flatten().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>()
        / (n * L as f64);
    println!(
        "| {name} | {L} | {} | {} | {mse:.5} | {psnr:.2} dB | {mean:.3} | {:.3} |",
        M::WEIGHT_BYTES,
        M::MACS,
        var.sqrt()
    );
}

fn run() -> Result<(), String> {
    let out = out_dir()?;
    let test = Digits::load("t10k")?;
    println!("MNIST test images: {}", test.images.len());
    println!("| model | latent | WEIGHT_BYTES | MACs | test MSE (decoded mean) | mean PSNR | code mean | code std |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    report::<Vae2, 2>("mnist_vae2", &test);
    report::<Vae16, 16>("mnist_vae16", &test);

    // sample_latent with the caller's noise: the encoder gives the posterior, the caller's RNG
    // the ε, so a device draws variations of what it saw without any RNG in the model.
    let mut rng = Gaussian::new(7);
    let x = &test.images[0];
    let mu = Vae16::encode(x);
    let variations: Vec<Vec<f32>> = (0..9)
        .map(|_| {
            let eps: [f32; 16] = core::array::from_fn(|_| rng.sample());
            unit(&Vae16::decode(&Vae16::sample_latent(x, &eps)))
        })
        .collect();
    println!(
        "\nsample_latent on test digit 0 (a {}): μ[..4] = {:.3?}; 9 draws of ε from the caller's RNG",
        test.labels[0],
        &mu[..4]
    );

    let mut rng = Gaussian::new(1);
    let rows = [
        ImageRow::digits("2-D latent", samples::<Vae2, 2>(12, &mut rng)),
        ImageRow::digits("2-D latent", samples::<Vae2, 2>(12, &mut rng)),
        ImageRow::digits("16-D latent", samples::<Vae16, 16>(12, &mut rng)),
        ImageRow::digits("16-D latent", samples::<Vae16, 16>(12, &mut rng)),
        ImageRow::digits("sample_latent", variations),
    ];
    let path = out.join("generation_samples.png");
    image_grid(
        &path,
        "Digits decoded from z ~ N(0, I); last row: sample_latent(x, ε) around test digit 0",
        &rows,
        6,
    )?;
    println!("wrote {}", path.display());

    let grid: Vec<f32> =
        (0..SIDE).map(|i| normal_ppf(0.05 + 0.9 * i as f64 / (SIDE - 1) as f64) as f32).collect();
    let manifold: Vec<ImageRow> = grid
        .iter()
        .rev()
        .map(|&y| {
            ImageRow::digits("", grid.iter().map(|&x| unit(&Vae2::decode(&[x, y]))).collect())
        })
        .collect();
    let path = out.join("generation_manifold.png");
    image_grid(
        &path,
        "2-D latent manifold: decode([Φ⁻¹(p₁), Φ⁻¹(p₂)]), p in 0.05..0.95",
        &manifold,
        0,
    )?;
    println!("wrote {}", path.display());

    let pairs = [(0usize, 1usize), (3, 4)];
    let mut rows = Vec::new();
    for &(a, b) in &pairs {
        let (xa, xb) = (&test.images[a], &test.images[b]);
        let label = format!("{} → {}", test.labels[a], test.labels[b]);
        rows.push(ImageRow::digits(&format!("16-D {label}"), interpolate::<Vae16, 16>(xa, xb, 10)));
        rows.push(ImageRow::digits(&format!("2-D {label}"), interpolate::<Vae2, 2>(xa, xb, 10)));
    }
    let path = out.join("generation_interpolation.png");
    image_grid(&path, "Interpolation between the codes of two test digits", &rows, 6)?;
    println!("wrote {}", path.display());
    Ok(())
}
