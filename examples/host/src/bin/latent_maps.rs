//! Latent maps (seeds 000, 002, 003): t-SNE and PCA of 2,000 MNIST test digits, the pixels and
//! the shipped autoencoder's 32-value codes side by side, coloured by digit (the tutorials'
//! "original vs encoded t-SNE"); and the 2-value codes of three models of the same data: a plain
//! autoencoder (configs/mnist_dense_small.toml), the adversarial autoencoder
//! (configs/mnist_aae2.toml) and the VAE's means (configs/mnist_vae2.toml), each with its
//! Kolmogorov–Smirnov distance to N(0, 1) per code value. t-SNE is linfa-tsne (Barnes–Hut),
//! PCA linfa-reduction.
//!
//! `cargo run --release -p tinyae-examples --bin latent_maps [-- --out DIR]`
//! (pictures: docs/gallery/latent_{tsne,pca,2d}.png)

use std::process::ExitCode;
use std::time::Instant;

use tinyae::Encoder;
use tinyae_examples::analysis::{matrix, pca, points, tsne_2d};
use tinyae_examples::digits::{unit, Digits, PIXELS};
use tinyae_examples::gallery::{out_dir, scatter_panels, Scatter};

tinyae::autoencoder!(pub Codes32 = "../../models/mnist.safetensors", parts = encoder);
tinyae::autoencoder!(pub Plain2 = "../../models/mnist_dense_small.safetensors", parts = encoder);
tinyae::autoencoder!(pub Aae2 = "../../models/mnist_aae2.safetensors", parts = encoder);
tinyae::autoencoder!(pub Vae2 = "../../models/mnist_vae2.safetensors", parts = encoder);

/// Test digits on the maps (exact t-SNE cost grows with the square of this).
const SHOWN: usize = 2000;

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn axes(x: &str, y: &str) -> (String, String) {
    (x.to_owned(), y.to_owned())
}

/// The largest Kolmogorov–Smirnov distance, over code values, between the values and N(0, 1).
fn ks_to_normal(codes: &[[f32; 2]]) -> f64 {
    let cdf = |x: f64| 0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
    (0..2)
        .map(|d| {
            let mut v: Vec<f64> = codes.iter().map(|z| f64::from(z[d])).collect();
            v.sort_by(f64::total_cmp);
            let n = v.len() as f64;
            v.iter()
                .enumerate()
                .map(|(i, &x)| {
                    (cdf(x) - i as f64 / n).abs().max(((i + 1) as f64 / n - cdf(x)).abs())
                })
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max)
}

fn two_d<M: Encoder<PIXELS, 2>>(name: &str, test: &Digits) -> Scatter {
    let codes: Vec<[f32; 2]> = test.images.iter().map(M::encode).collect();
    let stat = |d: usize| {
        let n = codes.len() as f64;
        let mean = codes.iter().map(|z| f64::from(z[d])).sum::<f64>() / n;
        let var = codes.iter().map(|z| (f64::from(z[d]) - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    };
    let ((m0, s0), (m1, s1)) = (stat(0), stat(1));
    let ks = ks_to_normal(&codes);
    println!("| {name} | ({m0:.2}, {m1:.2}) | ({s0:.2}, {s1:.2}) | {ks:.3} |");
    Scatter {
        title: format!("{name}: KS to N(0,1) {ks:.3}"),
        axes: axes("z 1", "z 2"),
        points: codes.iter().map(|z| (f64::from(z[0]), f64::from(z[1]))).collect(),
    }
}

fn run() -> Result<(), String> {
    let out = out_dir()?;
    let test = Digits::load("t10k")?.first(SHOWN);
    let pixels = matrix(&test.images.iter().map(|x| unit(x)).collect::<Vec<_>>());
    let codes = matrix(&test.images.iter().map(Codes32::encode).collect::<Vec<_>>());

    let started = Instant::now();
    let (pixels_pca, _) = pca(&pixels, &pixels, 2)?;
    let (codes_pca, _) = pca(&codes, &codes, 2)?;
    let path = out.join("latent_pca.png");
    let panels = [
        Scatter {
            title: "pixels (784 values)".into(),
            axes: axes("PC 1", "PC 2"),
            points: points(&pixels_pca),
        },
        Scatter {
            title: "autoencoder codes (32 values)".into(),
            axes: axes("PC 1", "PC 2"),
            points: points(&codes_pca),
        },
    ];
    scatter_panels(&path, &format!("PCA of {SHOWN} MNIST test digits"), &panels, &test.labels)?;
    println!("wrote {} ({:.1} s)", path.display(), started.elapsed().as_secs_f64());

    let started = Instant::now();
    let panels = [
        Scatter {
            title: "pixels (784 values)".into(),
            axes: axes("t-SNE 1", "t-SNE 2"),
            points: tsne_2d(&pixels, 42)?,
        },
        Scatter {
            title: "autoencoder codes (32 values)".into(),
            axes: axes("t-SNE 1", "t-SNE 2"),
            points: tsne_2d(&codes, 42)?,
        },
    ];
    let path = out.join("latent_tsne.png");
    scatter_panels(&path, &format!("t-SNE of {SHOWN} MNIST test digits"), &panels, &test.labels)?;
    println!("wrote {} ({:.1} s)", path.display(), started.elapsed().as_secs_f64());

    println!("\n2-value codes of the {SHOWN} digits:");
    println!("| model | mean | std | KS distance to N(0, 1) (largest of the two values) |");
    println!("|---|---|---|---:|");
    let panels = [
        two_d::<Plain2>("plain AE 784-2", &test),
        two_d::<Aae2>("adversarial AE 784-128-2", &test),
        two_d::<Vae2>("VAE 784-256-2 (means)", &test),
    ];
    let path = out.join("latent_2d.png");
    scatter_panels(
        &path,
        "2-value codes: plain, adversarial (prior N(0, I)) and variational",
        &panels,
        &test.labels,
    )?;
    println!("wrote {}", path.display());
    Ok(())
}
