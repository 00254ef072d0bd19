//! Denoising (seeds 000, 002, 004): the tutorials' noisy digits, `clip(x + 0.5·N(0, 1), 0, 1)`,
//! cleaned by the shipped denoising autoencoder (configs/mnist_denoising.toml) and, for
//! comparison, by the plain autoencoder of the same shape (configs/mnist.toml). Prints MSE and
//! PSNR against the clean test images before and after; draws noisy / denoised / clean.
//!
//! `cargo run --release -p tinyae-examples --bin denoising [-- --out DIR]`
//! (pictures: docs/gallery/denoising.png)

use std::process::ExitCode;

use tinyae::Autoencoder;
use tinyae_examples::digits::{add_noise, quality, unit, Digits, Gaussian, PIXELS};
use tinyae_examples::gallery::{image_grid, out_dir, ImageRow};

tinyae::autoencoder!(pub Denoiser = "../../models/mnist_denoising.safetensors");
tinyae::autoencoder!(pub Plain = "../../models/mnist.safetensors");

/// The tutorials' noise factor.
const FACTOR: f32 = 0.5;

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

/// The model's output for a noisy image in 0..1, in 0..1 (the models take raw 0..255 pixels).
fn clean_up<M: Autoencoder<PIXELS, 32>>(noisy: &[f32]) -> Vec<f32> {
    let x: [f32; PIXELS] = core::array::from_fn(|i| noisy[i] * 255.0);
    unit(&M::reconstruct(&x))
}

fn run() -> Result<(), String> {
    let out = out_dir()?;
    let test = Digits::load("t10k")?;
    let clean: Vec<Vec<f32>> = test.images.iter().map(|x| unit(x)).collect();
    let mut rng = Gaussian::new(2015);
    let noisy: Vec<Vec<f32>> = clean.iter().map(|x| add_noise(x, FACTOR, &mut rng)).collect();
    let denoised: Vec<Vec<f32>> = noisy.iter().map(|x| clean_up::<Denoiser>(x)).collect();
    let plain: Vec<Vec<f32>> = noisy.iter().map(|x| clean_up::<Plain>(x)).collect();
    let plain_clean: Vec<Vec<f32>> = clean.iter().map(|x| clean_up::<Plain>(x)).collect();
    let denoiser_clean: Vec<Vec<f32>> = clean.iter().map(|x| clean_up::<Denoiser>(x)).collect();

    let against_clean =
        |images: &[Vec<f32>]| quality(clean.iter().zip(images).map(|(a, b)| (&a[..], &b[..])));
    println!(
        "MNIST test images: {}, noise clip(x + {FACTOR}·N(0, 1), 0, 1), seed 2015",
        clean.len()
    );
    println!("| input → output | MSE vs clean | mean PSNR vs clean |");
    println!("|---|---:|---:|");
    let rows = [
        ("noisy input, as is", against_clean(&noisy)),
        ("noisy → denoising AE", against_clean(&denoised)),
        ("noisy → plain AE", against_clean(&plain)),
        ("clean → denoising AE", against_clean(&denoiser_clean)),
        ("clean → plain AE", against_clean(&plain_clean)),
    ];
    for (name, (mse, psnr)) in rows {
        println!("| {name} | {mse:.5} | {psnr:.2} dB |");
    }
    let shown = 10;
    let grid = [
        ImageRow::digits("noisy", noisy[..shown].to_vec()),
        ImageRow::digits("denoising AE", denoised[..shown].to_vec()),
        ImageRow::digits("plain AE", plain[..shown].to_vec()),
        ImageRow::digits("clean", clean[..shown].to_vec()),
    ];
    let path = out.join("denoising.png");
    image_grid(&path, "Denoising MNIST (noise factor 0.5): 784-128-64-32 autoencoders", &grid, 6)?;
    println!("\nwrote {}", path.display());
    Ok(())
}
