//! Three-way parity: macro-generated code vs the reference interpreter (`tinyae-core`) vs
//! numpy in float64 (`tests/reference/numpy_reference.py`, outputs committed in
//! `tests/fixtures/*.expected.json`), for every unroll mode.
//!
//! - Generated vs reference: the same f32 operations in the same order, so the outputs must be
//!   identical bit for bit (tolerance 0).
//! - Generated vs numpy (float64): the f32 rounding error, bounded per the activation of the
//!   compared output; see [`Tolerance`]. The observed maxima are printed with `--nocapture`.

use tinyae::Autoencoder;
use tinyae_core::Activation;
use tinyae_tests::{
    check_modes, check_sample_latent, column, compare, fixture, generated, input, load_model, rows,
    three_way, user_scale, vectors, Output,
};

generated! {
    sensor = "fixtures/sensor.safetensors": [Full(unroll = full), Loops(unroll = loops), Auto];
    ecg = "fixtures/ecg.safetensors": [Full(unroll = full), Loops(unroll = loops), Auto];
    mnist = "fixtures/mnist.safetensors": [Loops(unroll = loops), Auto];
    vae = "fixtures/vae.safetensors": [Full(unroll = full), Loops(unroll = loops)];
    plain = "fixtures/plain.safetensors": [Full(unroll = full), Loops(unroll = loops)];
}

/// Allowed distance from the float64 result: `abs * scale + rel * |expected|`, where `scale`
/// is the largest factor between the compared space and the model's (the input range when
/// comparing in user units, 1 otherwise).
#[derive(Debug, Clone, Copy)]
struct Tolerance {
    abs: f64,
    rel: f64,
}

/// Per activation of the compared output. Bounded activations with derivative ≤ 1 pass on at
/// most the f32 rounding of their argument; unbounded ones also scale with the magnitude.
fn tolerance(activation: Activation) -> Tolerance {
    match activation {
        Activation::Sigmoid | Activation::HardSigmoid { .. } | Activation::Tanh => {
            Tolerance { abs: 2e-6, rel: 0.0 }
        }
        Activation::Linear
        | Activation::Relu
        | Activation::LeakyRelu { .. }
        | Activation::Elu { .. }
        | Activation::Softplus { .. } => Tolerance { abs: 1e-5, rel: 1e-5 },
    }
}

/// The MSE/MAE score sums squared f32 errors of outputs within the output tolerance.
const SCORE: Tolerance = Tolerance { abs: 1e-6, rel: 1e-5 };

fn check_numpy(actual: &[f32], expected: &[f64], tol: Tolerance, scale: f64, what: &str) -> f64 {
    let (worst, ok) = compare(actual, expected, tol.abs * scale, tol.rel);
    assert!(ok, "{what}: max |generated - numpy| = {worst:e} exceeds {tol:?} × {scale}");
    worst
}

/// Runs every API function of `M` on the fixture's vectors against both references; returns
/// the largest difference from numpy.
fn check<M: Autoencoder<N, L>, const N: usize, const L: usize>(name: &str, mode: &str) -> f64 {
    let model = load_model(&fixture(&format!("{name}.safetensors")));
    let enc_tol = tolerance(model.layers[model.latent_layer].activation);
    let out_tol = tolerance(model.layers.last().expect("layers").activation);
    let scale = user_scale(&model);
    let mut worst = 0.0f64;
    three_way::<M, N, L>(name, mode, false, |output, actual, expected, what| {
        let (tol, scale) = match output {
            Output::Encode => (enc_tol, 1.0),
            Output::Reconstruct | Output::Decode => (out_tol, scale),
            Output::Score => (SCORE, 1.0),
        };
        worst = worst.max(check_numpy(actual, expected, tol, scale, &what));
    });
    println!("{name}/{mode}: max |generated - numpy| = {worst:.3e}");
    worst
}

/// `is_anomaly` agrees with numpy wherever the score is not within rounding of the threshold.
fn check_threshold<const N: usize>(name: &str, is_anomaly: fn(&[f32; N]) -> bool, threshold: f32) {
    let v = vectors(name);
    let scores = column(&v, "score");
    let flags: Vec<bool> = v["is_anomaly"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|b| b.as_bool().expect("bool"))
        .collect();
    assert!(
        flags.iter().any(|f| *f) && flags.iter().any(|f| !*f),
        "{name}: vectors should hit both sides of the threshold"
    );
    for (i, row) in rows(&v, "inputs").iter().enumerate() {
        if (scores[i] - f64::from(threshold)).abs() > 1e-6 {
            assert_eq!(is_anomaly(&input(row)), flags[i], "{name} is_anomaly #{i}");
        }
    }
}

#[test]
fn sensor_3_2_3() {
    check_modes!(sensor, 3, 2, [Full, Loops, Auto]);
    check_threshold("sensor", sensor::Auto::is_anomaly, sensor::Auto::THRESHOLD);
}

#[test]
fn ecg_140_32_16_8_16_32_140_every_activation() {
    check_modes!(ecg, 140, 8, [Full, Loops, Auto]);
}

#[test]
fn mnist_784_128_64_32_64_128_784() {
    check_modes!(mnist, 784, 32, [Loops, Auto]);
}

#[test]
fn layers_without_bias_and_without_scaling() {
    check_modes!(plain, 5, 3, [Full, Loops]);
}

#[test]
fn vae_encodes_the_mean_and_samples_with_caller_noise() {
    check_modes!(vae, 6, 2, [Full, Loops]);
    let samplers = [vae::Full::sample_latent, vae::Loops::sample_latent];
    check_sample_latent::<6, 2>("vae", &samplers, (1e-5, 1e-5));
}

#[test]
fn constants_state_the_model_costs() {
    use tinyae::ModelInfo;
    // Independent arithmetic from the architecture: (in + 1) * out per dense layer.
    let dense = |w: &[usize]| w.windows(2).map(|p| (p[0] + 1) * p[1]).sum::<usize>();
    let macs = |w: &[usize]| w.windows(2).map(|p| p[0] * p[1]).sum::<usize>();
    let mnist = [784, 128, 64, 32, 64, 128, 784];
    assert_eq!(mnist::Auto::PARAMS, dense(&mnist));
    assert_eq!(mnist::Auto::MACS, macs(&mnist));
    assert_eq!(<mnist::Auto as ModelInfo>::MACS, 221_184);
    assert_eq!(
        mnist::Auto::WEIGHT_BYTES,
        dense(&mnist) * 4,
        "uniform min-max scaling adds no arrays"
    );
    // Largest pair of consecutive hidden widths: 128 + 64.
    assert_eq!(mnist::Auto::SCRATCH_LEN, 192);
    assert_eq!(mnist::Auto::BUFFER_BYTES, (192 + 2 * 784) * 4);
    // The first layer (784 scaled inputs, a kernel call) scales them 256 at a time into a
    // buffer on cores without SIMD: 1 KB more frame.
    assert_eq!(mnist::Auto::FRAME_BYTES, tinyae::FRAME_ALLOWANCE + 256 * 4);
    assert_eq!(mnist::Auto::STACK_BYTES, (192 + 2 * 784) * 4 + mnist::Auto::FRAME_BYTES);
    // Sensor's layers are unrolled: no buffer.
    assert_eq!(sensor::Auto::FRAME_BYTES, tinyae::FRAME_ALLOWANCE);
    assert_eq!((mnist::Auto::INPUT_LEN, mnist::Auto::LATENT_LEN), (784, 32));
    // Sensor: per-feature min-max adds offset, scale and range arrays (3 × 3 floats).
    assert_eq!(sensor::Auto::PARAMS, dense(&[3, 2, 3]));
    assert_eq!(sensor::Auto::WEIGHT_BYTES, (dense(&[3, 2, 3]) + 9) * 4);
    assert_eq!(sensor::Auto::SCRATCH_LEN, 2);
    assert_eq!(ecg::Auto::SCRATCH_LEN, 48);
}
