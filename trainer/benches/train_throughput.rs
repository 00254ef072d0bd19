//! Training throughput of the seeds' MNIST autoencoder (784-128-64-32-64-128-784, relu,
//! sigmoid output, Adamax, MSE, batch 256) with the tinyae trainer (dfdx), next to the same
//! model and batch size in PyTorch (CPU), measured in one run. Not part of the test suite.
//!
//! ```text
//! cargo bench -p tinyae-trainer --bench train_throughput            # 60 timed batches
//! cargo bench -p tinyae-trainer --bench train_throughput -- 200     # more batches
//! ```
//!
//! The PyTorch side runs `trainer/benches/pytorch_mnist.py` with `python3` (needs `torch`
//! and `numpy`); when that fails, the reason is printed and only tinyae's figures are shown.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use tinyae_core::ir::ModelKind;
use tinyae_core::Activation;
use tinyae_trainer::data::{read_idx, Dataset};
use tinyae_trainer::net::{Architecture, Net};
use tinyae_trainer::objective::{Kind, Loss, Objective};
use tinyae_trainer::optim::{OptimizerConfig, OptimizerKind};
use tinyae_trainer::train::{fit, Settings, Silent, State};

const BATCH: usize = 256;
const WARMUP_BATCHES: usize = 5;

fn main() {
    let batches: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let images = root.join("data/mnist/train-images-idx3-ubyte.gz");
    let idx = read_idx(&images).expect("bundled MNIST training images");
    let rows = (batches * BATCH).min(idx.dims[0]);
    let x: Vec<f32> = idx.data[..rows * 784].iter().map(|&p| f32::from(p) / 255.0).collect();
    let data = Dataset { source: "mnist".into(), shape: vec![784], x, labels: None, starts: None };
    let warm = data.select(&(0..WARMUP_BATCHES * BATCH).collect::<Vec<_>>());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    println!("MNIST autoencoder 784-128-64-32-64-128-784, Adamax, MSE, batch {BATCH}, {rows} samples timed");
    println!(
        "{:>8}  {:>18}  {:>18}  {:>16}",
        "threads", "tinyae samples/s", "PyTorch samples/s", "tinyae / PyTorch"
    );
    let mut threads: Vec<usize> = vec![1];
    if cores > 1 {
        threads.push(cores);
    }
    for t in threads {
        let ours = tinyae_rate(&data, &warm, t);
        match pytorch_rate(&root, &images, rows, t) {
            Ok(theirs) => println!("{t:>8}  {ours:>18.0}  {theirs:>18.0}  {:>16.2}", ours / theirs),
            Err(why) => {
                println!("{t:>8}  {ours:>18.0}  {:>18}  {:>16}", "-", "-");
                eprintln!("PyTorch side not run: {why}");
            }
        }
    }
}

/// Samples per second of one epoch over `data` (shuffle, forward, backward, Adamax update).
fn tinyae_rate(data: &Dataset, warm: &Dataset, threads: usize) -> f64 {
    let arch = Architecture {
        kind: ModelKind::Autoencoder,
        input_shape: vec![784],
        encoder: tinyae_trainer::spec::LayerSpec::widths(&[128, 64, 32]),
        decoder: tinyae_trainer::spec::LayerSpec::widths(&[64, 128]),
        hidden: Activation::Relu,
        latent: Activation::Relu,
        output: Activation::Sigmoid,
    };
    let settings = Settings {
        epochs: 1,
        batch_size: BATCH,
        seed: 1,
        early_stopping: None,
        objective: Objective { kind: Kind::Vanilla, loss: Loss::Mse, range: (0.0, 1.0) },
        optimizer: OptimizerConfig::new(OptimizerKind::Adamax, 1e-3),
        targets: None,
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| {
        let mut net = Net::new(&arch, 1);
        let mut state = State::new(&net, settings.optimizer);
        fit(&mut net, warm, None, &settings, &mut state, &mut Silent).expect("warm-up");
        let mut state = State::new(&net, settings.optimizer);
        let started = Instant::now();
        fit(&mut net, data, None, &settings, &mut state, &mut Silent).expect("timed epoch");
        data.len() as f64 / started.elapsed().as_secs_f64()
    })
}

/// Runs the PyTorch script and parses `samples_per_s=<x>` from its output.
fn pytorch_rate(root: &Path, images: &Path, rows: usize, threads: usize) -> Result<f64, String> {
    let script = root.join("trainer/benches/pytorch_mnist.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["--images", &images.to_string_lossy()])
        .args(["--rows", &rows.to_string(), "--batch", &BATCH.to_string()])
        .args(["--warmup", &WARMUP_BATCHES.to_string(), "--threads", &threads.to_string()])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(stderr.lines().last().unwrap_or("python3 failed").to_owned());
    }
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("samples_per_s=")?.trim().parse().ok())
        .ok_or_else(|| format!("unexpected output: {stdout}"))
}
