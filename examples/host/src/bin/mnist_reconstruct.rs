//! MNIST digits through the shipped 784-128-64-32 autoencoder (the seeds' model 001): mean
//! squared reconstruction error on the 10,000 test images, per digit, and one digit drawn in
//! text before and after.
//!
//! `cargo run --release -p tinyae-examples --bin mnist_reconstruct`

use std::process::ExitCode;
use std::time::Instant;

use tinyae_examples::{data_path, read_idx_gz};

tinyae::autoencoder!(pub Mnist = "../../models/mnist.safetensors");

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn run() -> Result<(), String> {
    let (dims, pixels) = read_idx_gz(&data_path("mnist/t10k-images-idx3-ubyte.gz"))?;
    let (_, labels) = read_idx_gz(&data_path("mnist/t10k-labels-idx1-ubyte.gz"))?;
    let n = dims[0];
    // Raw pixels 0..255 go in as they are; the model's min-max scaling maps them to 0..1.
    let images: Vec<[f32; Mnist::INPUT_LEN]> = pixels
        .chunks_exact(Mnist::INPUT_LEN)
        .map(|c| {
            let mut x = [0f32; Mnist::INPUT_LEN];
            for (v, &p) in x.iter_mut().zip(c) {
                *v = f32::from(p);
            }
            x
        })
        .collect();
    let mut scratch = Mnist::new_scratch();
    let mut y = [0f32; Mnist::INPUT_LEN];
    let started = Instant::now();
    // anomaly_score is the MSE between the scaled input and the reconstruction (0..1 units).
    let errors: Vec<f32> =
        images.iter().map(|x| Mnist::anomaly_score_into(x, &mut scratch, &mut y)).collect();
    let per_image = started.elapsed().as_secs_f64() / n as f64;
    let mse = errors.iter().map(|&e| f64::from(e)).sum::<f64>() / n as f64;

    println!("MNIST test images: {n}; model: {} params, {} MACs", Mnist::PARAMS, Mnist::MACS);
    println!("test MSE (pixels scaled to 0..1): {mse:.5}");
    println!("per digit:");
    for d in 0..10u8 {
        let e: Vec<f64> = errors
            .iter()
            .zip(&labels)
            .filter(|(_, &l)| l == d)
            .map(|(&e, _)| f64::from(e))
            .collect();
        println!("  {d}: {:.5} ({} images)", e.iter().sum::<f64>() / e.len() as f64, e.len());
    }
    let flagged = images.iter().filter(|x| Mnist::is_anomaly(x)).count();
    println!(
        "{flagged} test images ({:.1} %) score above the threshold {} (95th percentile of validation)",
        100.0 * flagged as f64 / n as f64,
        Mnist::THRESHOLD
    );
    println!("{:.1} µs per image (anomaly_score_into, one core)\n", per_image * 1e6);

    let x = &images[0];
    let r = Mnist::reconstruct(x);
    println!("test image 0 (label {}) and its reconstruction:", labels[0]);
    let shade = |v: f32| match v {
        v if v > 192.0 => '#',
        v if v > 128.0 => '+',
        v if v > 64.0 => '.',
        _ => ' ',
    };
    for row in 4..24 {
        let left: String = (0..28).map(|c| shade(x[row * 28 + c])).collect();
        let right: String = (0..28).map(|c| shade(r[row * 28 + c])).collect();
        println!("  {left}   {right}");
    }
    Ok(())
}
