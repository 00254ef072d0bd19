//! ns per inference of every precision and sparsity variant of the shipped models (batch 1,
//! `reconstruct_into`, raw input to output in user units; the int8 models also
//! `reconstruct_q`, int8 in and out), timed like the main bench (`timing.rs`).
//!
//! `cd bench && RUSTFLAGS="-C target-cpu=native" cargo run --release --bin precision`
//! (docs/QUANTIZATION.md).

#[path = "../timing.rs"]
mod timing;

use std::hint::black_box;

use tinyae::Autoencoder;

mod m {
    tinyae::autoencoder!(pub EcgF32 = "../models/ecg5000.safetensors");
    tinyae::autoencoder!(pub EcgF16 = "../models/ecg5000.f16.safetensors");
    tinyae::autoencoder!(pub EcgInt8 = "../models/ecg5000.int8.safetensors");
    tinyae::autoencoder!(pub EcgPruned = "../models/ecg5000.pruned80.safetensors");
    tinyae::autoencoder!(pub EcgPrunedInt8 = "../models/ecg5000.pruned80.int8.safetensors");
    tinyae::autoencoder!(pub MnistF32 = "../models/mnist.safetensors");
    tinyae::autoencoder!(pub MnistF16 = "../models/mnist.f16.safetensors");
    tinyae::autoencoder!(pub MnistInt8 = "../models/mnist.int8.safetensors");
    tinyae::autoencoder!(pub MnistPruned = "../models/mnist.pruned80.safetensors");
    tinyae::autoencoder!(pub MnistPrunedInt8 = "../models/mnist.pruned80.int8.safetensors");
}

fn time<M: Autoencoder<N, L>, const N: usize, const L: usize>(name: &str, x: &[f32; N]) -> f64 {
    let mut s = M::new_scratch();
    let mut y = [0.0f32; N];
    let ns = timing::median_ns(|| M::reconstruct_into(black_box(x), &mut s, &mut y));
    black_box(&y);
    println!("| {name} | reconstruct_into | {ns:.0} |");
    ns
}

macro_rules! time_q {
    ($m:ty, $name:literal, $x:expr, $n:literal) => {{
        let mut s = <$m>::new_scratch();
        let (mut q, mut y) = ([0i8; $n], [0i8; $n]);
        <$m>::quantize_input($x, &mut q);
        let ns = timing::median_ns(|| <$m>::reconstruct_q(black_box(&q), &mut s, &mut y));
        black_box(&y);
        println!("| {} | reconstruct_q (int8 in and out) | {ns:.0} |", $name);
    }};
}

fn main() {
    let ecg: [f32; 140] = core::array::from_fn(|i| ((i as f32) * 0.07).sin() * 2.0);
    let mnist: [f32; 784] = core::array::from_fn(|i| if i % 7 < 3 { 200.0 } else { 0.0 });
    println!("| model | function | ns |");
    println!("|---|---|---:|");
    let base = time::<m::MnistF32, 784, 32>("MNIST f32", &mnist);
    let f16 = time::<m::MnistF16, 784, 32>("MNIST f16", &mnist);
    let int8 = time::<m::MnistInt8, 784, 32>("MNIST int8", &mnist);
    time_q!(m::MnistInt8, "MNIST int8", &mnist, 784);
    time::<m::MnistPruned, 784, 32>("MNIST f32 80 % pruned", &mnist);
    time::<m::MnistPrunedInt8, 784, 32>("MNIST int8 80 % pruned", &mnist);
    time_q!(m::MnistPrunedInt8, "MNIST int8 80 % pruned", &mnist, 784);
    time::<m::EcgF32, 140, 8>("ECG5000 f32", &ecg);
    time::<m::EcgF16, 140, 8>("ECG5000 f16", &ecg);
    time::<m::EcgInt8, 140, 8>("ECG5000 int8", &ecg);
    time_q!(m::EcgInt8, "ECG5000 int8", &ecg, 140);
    time::<m::EcgPruned, 140, 8>("ECG5000 f32 80 % pruned", &ecg);
    time::<m::EcgPrunedInt8, 140, 8>("ECG5000 int8 80 % pruned", &ecg);
    println!("\nMNIST: f16 / f32 = {:.2}, int8 / f32 = {:.2}", f16 / base, int8 / base);
}
