//! The `fma` option: generated code with fused multiply-adds vs the reference interpreter
//! evaluating the same terms with `f32::mul_add` in the same order (`reference::*_with(..,
//! Mac::Fused)`), bit for bit (tolerance 0), on the shipped models; `fma = auto` against the
//! form its `FMA` constant says this build took; and the fused form is not a no-op.
//!
//! Built for the host: with `-C target-cpu=native` (or `+fma`) the kernels run `vfmadd…ps`,
//! on generic x86-64 `libm::fmaf`; either must match `std`'s `mul_add`.

use tinyae::Autoencoder;
use tinyae_core::reference::{self, Mac};
use tinyae_core::Model;
use tinyae_tests::{assert_bits, bit_exact, generated, load_model, repo_root};

generated! {
    sensor = "../models/sensor.safetensors": [
        Fused(fma = true),
        FusedLoops(unroll = loops, fma = true),
        Auto(fma = auto),
        Separate(fma = false),
    ];
    ecg = "../models/ecg5000.safetensors":
        [Fused(fma = true), FusedFull(unroll = full, fma = true), Auto(fma = auto)];
    mnist = "../models/mnist.safetensors": [Fused(fma = true), Auto(fma = auto), Default];
    // A Gaussian head: both heads are dense layers.
    vae = "fixtures/vae.safetensors": [Fused(fma = true)];
    // Layers of a kernel of their own: `auto` keeps them separate.
    f16 = "fixtures/ecg_f16.safetensors": [Auto(fma = auto)];
}

fn shipped(name: &str) -> Model {
    load_model(&repo_root().join("models").join(name))
}

/// Deterministic raw inputs spread over each feature's range (the model's input scaling), or
/// over [0, 1) for a model without one.
fn inputs<const N: usize>(model: &Model, count: usize) -> Vec<[f32; N]> {
    let affine = model.preprocessing.affine(N);
    let mut bits = 0x9e37_79b9u32;
    let mut unit = move || {
        bits ^= bits << 13;
        bits ^= bits >> 17;
        bits ^= bits << 5;
        (bits >> 8) as f32 / (1u32 << 24) as f32
    };
    (0..count)
        .map(|_| {
            core::array::from_fn(|i| match &affine {
                Some(a) => a.offset[i] + unit() * a.range[i],
                None => unit(),
            })
        })
        .collect()
}

/// Every API function of `M` against the reference in the form `mac`, on `count` inputs.
fn check<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    model: &Model,
    mac: Mac,
    count: usize,
    what: &str,
) {
    bit_exact::<M, N, L>(model, &inputs::<N>(model, count), mac, what);
}

/// The form an `fma = auto` build took, as its `FMA` constant states.
fn form(fma: bool) -> Mac {
    if fma {
        Mac::Fused
    } else {
        Mac::Separate
    }
}

#[test]
fn sensor_fused_equals_the_reference_with_mul_add() {
    let m = shipped("sensor.safetensors");
    // Checked when this test compiles: the constants state the option.
    const { assert!(sensor::Fused::FMA && sensor::FusedLoops::FMA && !sensor::Separate::FMA) };
    check::<sensor::Fused, 3, 2>(&m, Mac::Fused, 64, "sensor fused (unrolled)");
    check::<sensor::FusedLoops, 3, 2>(&m, Mac::Fused, 64, "sensor fused (loops)");
    check::<sensor::Separate, 3, 2>(&m, Mac::Separate, 64, "sensor separate");
    check::<sensor::Auto, 3, 2>(&m, form(sensor::Auto::FMA), 64, "sensor auto");
}

#[test]
fn ecg_fused_equals_the_reference_with_mul_add() {
    let m = shipped("ecg5000.safetensors");
    check::<ecg::Fused, 140, 8>(&m, Mac::Fused, 16, "ecg fused (kernels)");
    check::<ecg::FusedFull, 140, 8>(&m, Mac::Fused, 16, "ecg fused (unrolled)");
    check::<ecg::Auto, 140, 8>(&m, form(ecg::Auto::FMA), 16, "ecg auto");
}

#[test]
fn mnist_fused_equals_the_reference_with_mul_add() {
    let m = shipped("mnist.safetensors");
    check::<mnist::Fused, 784, 32>(&m, Mac::Fused, 8, "mnist fused");
    check::<mnist::Auto, 784, 32>(&m, form(mnist::Auto::FMA), 8, "mnist auto");
}

#[test]
fn a_gaussian_heads_mean_is_fused_too() {
    let m = load_model(&tinyae_tests::fixture("vae.safetensors"));
    check::<vae::Fused, 6, 2>(&m, Mac::Fused, 16, "vae fused");
}

#[test]
fn auto_keeps_layers_with_kernels_of_their_own_separate() {
    const { assert!(!f16::Auto::FMA) };
    let m = load_model(&tinyae_tests::fixture("ecg_f16.safetensors"));
    check::<f16::Auto, 140, 8>(&m, Mac::Separate, 4, "ecg f16 auto");
}

/// The option changes results: fused and separate differ on MNIST (most of its 784 outputs
/// sum 128 terms), in the reference and in the generated code alike, by a few f32 roundings.
#[test]
fn fused_differs_from_separate() {
    let m = shipped("mnist.safetensors");
    // Differences in the model's scaled space (sigmoid outputs in [0, 1]).
    let range = m.preprocessing.affine(784).map_or(1.0, |a| a.range[0]);
    let (mut differ, mut total, mut worst) = (0usize, 0usize, 0.0f32);
    for x in inputs::<784>(&m, 4) {
        let fused = reference::reconstruct_with(&m, &x, Mac::Fused);
        let separate = reference::reconstruct_with(&m, &x, Mac::Separate);
        assert_bits(&mnist::Default::reconstruct(&x), &separate, "mnist default");
        assert_bits(&mnist::Fused::reconstruct(&x), &fused, "mnist fused");
        for (f, s) in fused.iter().zip(&separate) {
            differ += usize::from(f.to_bits() != s.to_bits());
            worst = worst.max((f - s).abs() / range);
        }
        total += fused.len();
    }
    assert!(differ * 10 > total, "only {differ} of {total} outputs differ");
    // The two forms differ by roundings, not by a different model.
    assert!(worst < 1e-4, "fused and separate differ by {worst:e} of the range");
    println!("mnist: {differ} of {total} outputs differ, by at most {worst:e} of the range");
}
