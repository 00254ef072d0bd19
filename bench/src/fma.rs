//! The `fma` option's cost: every shipped f32 model (`unroll = auto`) with `fma = false` and
//! `fma = true`, `reconstruct_into` timed side by side in one run, samples interleaved in
//! rotating order, medians reported. `bench/fma` builds it for the CPU (`-C
//! target-cpu=native`), generic x86-64, and x86-64 with `+fma`, and prints the three tables.
//! Each build also checks that its fused and separate outputs equal the reference
//! interpreter's in the same form, bit for bit.

use std::hint::black_box;

use tinyae::Autoencoder;
use tinyae_core::reference::{self, Mac};

#[path = "sampling.rs"]
mod sampling;
use sampling::{calls_per_sample, median, sample_ns, ROUNDS};

mod sensor {
    tinyae::autoencoder!(pub Off = "../models/sensor.safetensors", fma = false);
    tinyae::autoencoder!(pub On = "../models/sensor.safetensors", fma = true);
}
mod ecg5000 {
    tinyae::autoencoder!(pub Off = "../models/ecg5000.safetensors", fma = false);
    tinyae::autoencoder!(pub On = "../models/ecg5000.safetensors", fma = true);
}
mod mnist {
    tinyae::autoencoder!(pub Off = "../models/mnist.safetensors", fma = false);
    tinyae::autoencoder!(pub On = "../models/mnist.safetensors", fma = true);
}

/// Median ns per call of `M::reconstruct_into` for each form, samples interleaved.
fn time_pair<A, B, const N: usize, const L: usize>(x: &[f32; N]) -> [f64; 2]
where
    A: Autoencoder<N, L>,
    B: Autoencoder<N, L>,
{
    let (mut sa, mut sb) = (A::new_scratch(), B::new_scratch());
    let mut y = [0.0f32; N];
    let mut run_a = || A::reconstruct_into(black_box(x), &mut sa, black_box(&mut y));
    let calls = calls_per_sample(&mut run_a);
    let mut samples = [Vec::new(), Vec::new()];
    let mut y2 = [0.0f32; N];
    let mut run_b = || B::reconstruct_into(black_box(x), &mut sb, black_box(&mut y2));
    calls_per_sample(&mut run_b);
    for round in 0..ROUNDS {
        for k in 0..2 {
            let i = (k + round) % 2;
            let ns =
                if i == 0 { sample_ns(calls, &mut run_a) } else { sample_ns(calls, &mut run_b) };
            samples[i].push(ns);
        }
    }
    samples.map(median)
}

/// A raw input spread over the model's input range.
fn input<const N: usize>(model: &tinyae_core::Model) -> [f32; N] {
    let affine = model.preprocessing.affine(N);
    core::array::from_fn(|i| {
        let u = ((i * 7919) % 1000) as f32 / 1000.0;
        affine.as_ref().map_or(u, |a| a.offset[i] + u * a.range[i])
    })
}

/// Times one model's two forms after checking both against the reference.
fn row<A, B, const N: usize, const L: usize>(name: &str)
where
    A: Autoencoder<N, L>,
    B: Autoencoder<N, L>,
{
    let path = format!("{}/../models/{name}.safetensors", env!("CARGO_MANIFEST_DIR"));
    let model = tinyae_core::load(&std::fs::read(&path).expect("model file")).expect("valid");
    let x = input::<N>(&model);
    for (y, mac) in [(A::reconstruct(&x), Mac::Separate), (B::reconstruct(&x), Mac::Fused)] {
        let expected = reference::reconstruct_with(&model, &x, mac);
        let same = y.iter().zip(&expected).all(|(a, e)| a.to_bits() == e.to_bits());
        assert!(same, "{name} {mac:?}: generated != reference");
    }
    let [off, on] = time_pair::<A, B, N, L>(&x);
    println!("| {name} | {off:.0} | {on:.0} | {:.2}× |", off / on);
}

fn main() {
    let label = std::env::args().nth(1).unwrap_or_else(|| "this build".to_owned());
    println!("{label}: ns per `reconstruct_into`, median of {ROUNDS} interleaved samples\n");
    println!("| model | `fma = false` | `fma = true` | speed-up |");
    println!("|---|---:|---:|---:|");
    row::<sensor::Off, sensor::On, 3, 2>("sensor");
    row::<ecg5000::Off, ecg5000::On, 140, 8>("ecg5000");
    row::<mnist::Off, mnist::On, 784, 32>("mnist");
}
