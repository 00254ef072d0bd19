//! Three-way parity: macro-generated code vs the reference interpreter (`tinyae-core`) vs
//! numpy in float64 (`tests/reference/numpy_reference.py`, outputs committed in
//! `tests/fixtures/*.expected.json`), for every unroll mode.
//!
//! - Generated vs reference: the same f32 operations in the same order, so the outputs must be
//!   identical bit for bit (tolerance 0).
//! - Generated vs numpy (float64): the f32 rounding error, bounded per the activation of the
//!   compared output; see [`Tolerance`]. The observed maxima are printed with `--nocapture`.

use tinyae::Autoencoder;
use tinyae_core::{reference, Activation, Model};
use tinyae_tests::{column, compare, fixture, input, load_model, rows, vectors};

mod sensor {
    tinyae::autoencoder!(pub Full = "fixtures/sensor.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "fixtures/sensor.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "fixtures/sensor.safetensors");
}
mod ecg {
    tinyae::autoencoder!(pub Full = "fixtures/ecg.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "fixtures/ecg.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "fixtures/ecg.safetensors");
}
mod mnist {
    tinyae::autoencoder!(pub Loops = "fixtures/mnist.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "fixtures/mnist.safetensors");
}
mod vae {
    tinyae::autoencoder!(pub Full = "fixtures/vae.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "fixtures/vae.safetensors", unroll = loops);
}
mod plain {
    tinyae::autoencoder!(pub Full = "fixtures/plain.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "fixtures/plain.safetensors", unroll = loops);
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

fn user_scale(model: &Model) -> f64 {
    model
        .preprocessing
        .affine(model.input_len())
        .map_or(1.0, |a| a.range.iter().fold(0.0f64, |m, r| m.max(f64::from(*r))))
}

fn assert_bits(actual: &[f32], expected: &[f32], what: &str) {
    let same = actual.iter().zip(expected).all(|(a, e)| a.to_bits() == e.to_bits());
    assert!(
        same && actual.len() == expected.len(),
        "{what}: generated {actual:?} != reference {expected:?}"
    );
}

fn check_numpy(actual: &[f32], expected: &[f64], tol: Tolerance, scale: f64, what: &str) -> f64 {
    let (worst, ok) = compare(actual, expected, tol.abs * scale, tol.rel);
    assert!(ok, "{what}: max |generated - numpy| = {worst:e} exceeds {tol:?} × {scale}");
    worst
}

/// Runs every API function of `M` on the fixture's vectors against both references; returns
/// the largest difference from numpy.
fn check<M: Autoencoder<N, L>, const N: usize, const L: usize>(name: &str, mode: &str) -> f64 {
    let model = load_model(&fixture(&format!("{name}.safetensors")));
    let v = vectors(name);
    let what = |f: &str, i: usize| format!("{name}/{mode} {f} #{i}");
    let enc_tol = tolerance(model.layers[model.latent_layer].activation);
    let out_tol = tolerance(model.layers.last().expect("layers").activation);
    let scale = user_scale(&model);
    let mut worst = 0.0f64;
    let mut scratch = M::new_scratch();

    for (i, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; N] = input(row);
        let z = M::encode(&x);
        assert_bits(&z, &reference::encode(&model, &x), &what("encode", i));
        worst =
            worst.max(check_numpy(&z, &rows(&v, "encode")[i], enc_tol, 1.0, &what("encode", i)));

        let y = M::reconstruct(&x);
        assert_bits(&y, &reference::reconstruct(&model, &x), &what("reconstruct", i));
        worst = worst.max(check_numpy(
            &y,
            &rows(&v, "reconstruct")[i],
            out_tol,
            scale,
            &what("reconstruct", i),
        ));

        let score = M::anomaly_score(&x);
        assert_bits(&[score], &[reference::anomaly_score(&model, &x)], &what("score", i));
        worst = worst.max(check_numpy(
            &[score],
            &[column(&v, "score")[i]],
            SCORE,
            1.0,
            &what("score", i),
        ));

        // The `*_into` variants compute the same values with caller buffers.
        let (mut z2, mut y2) = ([0.0f32; L], [0.0f32; N]);
        M::encode_into(&x, &mut scratch, &mut z2);
        M::reconstruct_into(&x, &mut scratch, &mut y2);
        assert_bits(&z2, &z, &what("encode_into", i));
        assert_bits(&y2, &y, &what("reconstruct_into", i));
        let score2 = M::anomaly_score_into(&x, &mut scratch, &mut y2);
        assert_bits(&[score2], &[score], &what("anomaly_score_into", i));
    }
    for (i, row) in rows(&v, "latents").iter().enumerate() {
        let z: [f32; L] = input(row);
        let y = M::decode(&z);
        assert_bits(&y, &reference::decode(&model, &z), &what("decode", i));
        worst =
            worst.max(check_numpy(&y, &rows(&v, "decode")[i], out_tol, scale, &what("decode", i)));
    }
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
    check::<sensor::Full, 3, 2>("sensor", "full");
    check::<sensor::Loops, 3, 2>("sensor", "loops");
    check::<sensor::Auto, 3, 2>("sensor", "auto");
    check_threshold("sensor", sensor::Auto::is_anomaly, sensor::Auto::THRESHOLD);
}

#[test]
fn ecg_140_32_16_8_16_32_140_every_activation() {
    check::<ecg::Full, 140, 8>("ecg", "full");
    check::<ecg::Loops, 140, 8>("ecg", "loops");
    check::<ecg::Auto, 140, 8>("ecg", "auto");
}

#[test]
fn mnist_784_128_64_32_64_128_784() {
    check::<mnist::Loops, 784, 32>("mnist", "loops");
    check::<mnist::Auto, 784, 32>("mnist", "auto");
}

#[test]
fn layers_without_bias_and_without_scaling() {
    check::<plain::Full, 5, 3>("plain", "full");
    check::<plain::Loops, 5, 3>("plain", "loops");
}

#[test]
fn vae_encodes_the_mean_and_samples_with_caller_noise() {
    check::<vae::Full, 6, 2>("vae", "full");
    check::<vae::Loops, 6, 2>("vae", "loops");
    let model = load_model(&fixture("vae.safetensors"));
    let v = vectors("vae");
    let eps = rows(&v, "eps");
    for (i, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; 6] = input(row);
        let e: [f32; 2] = input(&eps[i]);
        for z in [vae::Full::sample_latent(&x, &e), vae::Loops::sample_latent(&x, &e)] {
            let r = reference::sample_latent(&model, &x, &e).expect("vae");
            assert_bits(&z, &r, &format!("vae sample_latent #{i}"));
            check_numpy(
                &z,
                &rows(&v, "sample_latent")[i],
                Tolerance { abs: 1e-5, rel: 1e-5 },
                1.0,
                "vae sample",
            );
        }
    }
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
