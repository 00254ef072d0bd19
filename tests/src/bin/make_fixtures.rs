//! Writes the seeded fixture models and their test inputs into `tests/fixtures/`.
//!
//! Run `cargo run -p tinyae-tests --bin make-fixtures`, then
//! `python3 tests/reference/numpy_reference.py` (dense fixtures) and
//! `python3 tests/reference/torch_reference.py` (convolutional and recurrent ones) to compute
//! the expected outputs.
//! Both outputs are committed; rerunning gives the same bytes.

use std::path::Path;

use serde_json::json;
use tinyae_core::ir::{
    Anomaly, Calibration, Dense, GaussianHead, Metric, ModelKind, Op, Preprocessing,
};
use tinyae_core::synth::{self, Rng};
use tinyae_core::{format, Activation, Model};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    std::fs::create_dir_all(&dir).expect("create fixtures dir");
    for (name, model, inputs) in fixtures() {
        let bytes = format::to_bytes(&model).expect("serialize");
        tinyae_core::load(&bytes).expect("fixture must be valid");
        format::write_atomic(&dir.join(format!("{name}.safetensors")), &bytes)
            .expect("write model");
        let text = serde_json::to_string_pretty(&json!({ "inputs": inputs })).expect("json");
        format::write_atomic(&dir.join(format!("{name}.inputs.json")), text.as_bytes())
            .expect("write inputs");
        println!("wrote {name}: {} layers, {} inputs", model.layers.len(), inputs.len());
    }
}

#[path = "make_fixtures/conv_lstm.rs"]
mod conv_lstm;

/// A fixture: its name, the model and its raw test inputs.
type Fixture = (&'static str, Model, Vec<Vec<f32>>);

fn fixtures() -> Vec<Fixture> {
    vec![
        sensor(),
        ecg(),
        mnist(),
        vae(),
        plain(),
        conv_lstm::conv(),
        conv_lstm::conv_valid(),
        conv_lstm::lstm(),
        conv_lstm::lstm_stack(),
        conv_lstm::conv_vae(),
        conv_lstm::conv_rows(),
    ]
}

/// The seeds' 3→2→3 sensor autoencoder: vibration (g), temperature (°C), pressure (kPa).
fn sensor() -> (&'static str, Model, Vec<Vec<f32>>) {
    let mut m = synth::dense_autoencoder(&[3, 2, 3], Activation::Tanh, Activation::Sigmoid, 3);
    let (min, max) = (vec![0.0, 20.0, 95.0], vec![0.5, 80.0, 105.0]);
    m.preprocessing = Preprocessing::MinMax { min: min.clone(), max: max.clone() };
    m.anomaly = anomaly(Metric::Mse, 0.02, Calibration::Manual);
    let inputs = uniform_inputs(&min, &max, 64, 0.2, 11);
    ("sensor", m, inputs)
}

/// ECG-sized 140→32→16→8→16→32→140, one layer per activation the format defines.
fn ecg() -> (&'static str, Model, Vec<Vec<f32>>) {
    let acts = [
        Activation::LeakyRelu { alpha: 0.2 },
        Activation::Elu { alpha: 1.0 },
        Activation::Tanh,
        Activation::Softplus { beta: 1.0, threshold: 20.0 },
        Activation::HardSigmoid { slope: 1.0 / 6.0, offset: 0.5 },
        Activation::Linear,
    ];
    let mut m = synth::dense_autoencoder(
        &[140, 32, 16, 8, 16, 32, 140],
        Activation::Relu,
        Activation::Linear,
        5,
    );
    for (layer, act) in m.layers.iter_mut().zip(acts) {
        layer.activation = act;
    }
    m.preprocessing = Preprocessing::Standard { mean: vec![0.0], std: vec![1.0] };
    let calibration = Calibration::MeanStd { k: 3.0, samples: Some(100), split: validation() };
    m.anomaly = anomaly(Metric::Mae, 0.5, calibration);
    let inputs = uniform_inputs(&[-4.0], &[4.0], 16, 0.0, 12)
        .into_iter()
        .map(|r| expand(&r, 140, 13))
        .collect();
    ("ecg", m, inputs)
}

/// The seeds' MNIST 784→128→64→32→64→128→784: relu hidden, sigmoid output, pixels 0..255.
fn mnist() -> (&'static str, Model, Vec<Vec<f32>>) {
    let mut m = synth::dense_autoencoder(
        &[784, 128, 64, 32, 64, 128, 784],
        Activation::Relu,
        Activation::Sigmoid,
        1,
    );
    m.preprocessing = Preprocessing::MinMax { min: vec![0.0], max: vec![255.0] };
    let calibration =
        Calibration::Percentile { percentile: 95.0, samples: Some(1000), split: validation() };
    m.anomaly = anomaly(Metric::Mse, 0.05, calibration);
    let mut rng = Rng::new(14);
    let inputs = (0..8)
        .map(|_| {
            (0..784)
                .map(|_| if rng.next_f32() < 0.8 { 0.0 } else { (rng.next_f32() * 255.0).round() })
                .collect()
        })
        .collect();
    ("mnist", m, inputs)
}

/// A small VAE: 6→4→(gaussian head 2)→4→6, per-feature standard scaling.
fn vae() -> (&'static str, Model, Vec<Vec<f32>>) {
    let mut rng = Rng::new(9);
    let enc = synth::dense_layer("enc.0", 6, 4, Activation::Relu, &mut rng);
    let mu = dense_of(synth::dense_layer("mu", 4, 2, Activation::Linear, &mut rng));
    let log_var = dense_of(synth::dense_layer("log_var", 4, 2, Activation::Linear, &mut rng));
    let dec0 = synth::dense_layer("dec.0", 2, 4, Activation::Relu, &mut rng);
    let dec1 = synth::dense_layer("dec.1", 4, 6, Activation::Linear, &mut rng);
    let head = tinyae_core::ir::Layer {
        name: "latent".into(),
        op: Op::GaussianHead(GaussianHead { mu, log_var }),
        activation: Activation::Linear,
    };
    let mean = vec![1.0, -2.0, 0.5, 10.0, 0.0, 3.0];
    let std = vec![0.5, 2.0, 1.0, 4.0, 1.0, 0.25];
    let model = Model {
        kind: ModelKind::Vae,
        input_shape: vec![6],
        layers: vec![enc, head, dec0, dec1],
        latent_layer: 1,
        preprocessing: Preprocessing::Standard { mean: mean.clone(), std: std.clone() },
        anomaly: None,
        provenance: Default::default(),
        data: None,
    };
    let lo: Vec<f32> = mean.iter().zip(&std).map(|(m, s)| m - 2.0 * s).collect();
    let hi: Vec<f32> = mean.iter().zip(&std).map(|(m, s)| m + 2.0 * s).collect();
    ("vae", model, uniform_inputs(&lo, &hi, 16, 0.0, 15))
}

/// No scaling and layers without bias: 5→3→5.
fn plain() -> (&'static str, Model, Vec<Vec<f32>>) {
    let mut m = synth::dense_autoencoder(&[5, 3, 5], Activation::Relu, Activation::Linear, 21);
    for layer in &mut m.layers {
        if let Op::Dense(d) = &mut layer.op {
            d.bias = None;
        }
    }
    (
        "plain",
        m,
        uniform_inputs(&[-1.0], &[1.0], 16, 0.0, 16)
            .into_iter()
            .map(|r| expand(&r, 5, 17))
            .collect(),
    )
}

/// An anomaly setting: the metric, the threshold and how it was calibrated.
fn anomaly(metric: Metric, threshold: f32, calibration: Calibration) -> Option<Anomaly> {
    Some(Anomaly { metric, threshold, calibration })
}

/// The split a calibration used.
fn validation() -> Option<String> {
    Some("validation".into())
}

fn dense_of(layer: tinyae_core::ir::Layer) -> Dense {
    match layer.op {
        Op::Dense(d) => d,
        _ => unreachable!("synth builds dense layers"),
    }
}

/// `count` rows uniform in [min, max] per feature, widened by `margin` of the range each side
/// (out-of-range inputs are real too).
fn uniform_inputs(min: &[f32], max: &[f32], count: usize, margin: f32, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            min.iter()
                .zip(max)
                .map(|(lo, hi)| {
                    let span = hi - lo;
                    lo - margin * span + rng.next_f32() * span * (1.0 + 2.0 * margin)
                })
                .collect()
        })
        .collect()
}

/// Widens a one-feature row to `n` features around its value.
fn expand(row: &[f32], n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed.wrapping_add(row[0].to_bits() as u64));
    (0..n).map(|_| row[0] * 0.5 + rng.symmetric(1.5)).collect()
}
