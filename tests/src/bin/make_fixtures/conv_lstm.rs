//! The convolutional and recurrent fixtures: every op of docs/FORMAT.md's "Convolution and
//! recurrent ops" in small seeded models, with the variants that change the arithmetic
//! (non-square inputs and kernels, strides, `same` padding split unevenly, explicit padding,
//! `output_padding`, layers without bias, an LSTM with one bias, a feature map as the code, a
//! VAE with a convolutional encoder). The expected outputs come from PyTorch
//! (`tests/reference/torch_reference.py`).

use tinyae_core::ir::{Anomaly, Calibration, Metric, ModelKind, Padding, Preprocessing};
use tinyae_core::synth as ops;
use tinyae_core::synth::{self, Rng};
use tinyae_core::{Activation, Model};

use super::{uniform_inputs, Fixture};

fn model(
    kind: ModelKind,
    input_shape: &[usize],
    layers: Vec<tinyae_core::ir::Layer>,
    latent: usize,
) -> Model {
    Model::bare(kind, input_shape.to_vec(), layers, latent)
}

/// `[1, 12, 10]` pixels 0..255 → conv same → pool → conv (kernel [3, 2], stride [2, 1], same
/// padding split 0/1) → flatten → dense code of 8 → dense → reshape → upsample [2, 1] →
/// transposed conv (stride 2, padding 1, output_padding 1) → conv (padding [1, 1]) → sigmoid.
pub fn conv() -> Fixture {
    let mut rng = Rng::new(31);
    let layers = vec![
        ops::conv2d(
            "enc.0",
            (1, 4, [3, 3], [1, 1]),
            Padding::Same,
            Activation::Relu,
            true,
            &mut rng,
        ),
        ops::max_pool2d("enc.1", [2, 2], [2, 2]),
        ops::conv2d(
            "enc.2",
            (4, 6, [3, 2], [2, 1]),
            Padding::Same,
            Activation::Elu { alpha: 1.0 },
            true,
            &mut rng,
        ),
        ops::flatten("enc.3"),
        synth::dense_layer("enc.4", 90, 8, Activation::Tanh, &mut rng),
        synth::dense_layer("dec.0", 8, 90, Activation::Relu, &mut rng),
        ops::reshape("dec.1", &[6, 3, 5]),
        ops::upsample2d("dec.2", [2, 1]),
        ops::conv_transpose2d(
            "dec.3",
            (6, 4, [3, 3], [2, 2]),
            [1, 1],
            [1, 1],
            Activation::LeakyRelu { alpha: 0.1 },
            true,
            &mut rng,
        ),
        ops::conv2d(
            "dec.4",
            (4, 1, [3, 3], [1, 1]),
            Padding::Explicit([1, 1]),
            Activation::Sigmoid,
            true,
            &mut rng,
        ),
    ];
    let mut m = model(ModelKind::Autoencoder, &[1, 12, 10], layers, 4);
    m.preprocessing = Preprocessing::MinMax { min: vec![0.0], max: vec![255.0] };
    m.anomaly =
        Some(Anomaly { metric: Metric::Mse, threshold: 0.1, calibration: Calibration::Manual });
    let inputs = uniform_inputs(&[0.0], &[255.0], 8, 0.0, 32)
        .into_iter()
        .map(|r| image(&r, 120, 33))
        .collect();
    ("conv", m, inputs)
}

/// `[2, 9, 9]`, no scaling, no biases: valid conv with stride 2 → overlapping pool (kernel 3,
/// stride 1) whose `[3, 2, 2]` feature map is the code → transposed convs back to `[2, 9, 9]`.
pub fn conv_valid() -> Fixture {
    let mut rng = Rng::new(41);
    let layers = vec![
        ops::conv2d(
            "enc.0",
            (2, 3, [3, 3], [2, 2]),
            Padding::Valid,
            Activation::Relu,
            false,
            &mut rng,
        ),
        ops::max_pool2d("enc.1", [3, 3], [1, 1]),
        ops::conv_transpose2d(
            "dec.0",
            (3, 3, [3, 3], [2, 2]),
            [0, 0],
            [0, 0],
            Activation::Tanh,
            false,
            &mut rng,
        ),
        ops::conv_transpose2d(
            "dec.1",
            (3, 2, [3, 3], [2, 2]),
            [1, 1],
            [0, 0],
            Activation::Linear,
            true,
            &mut rng,
        ),
    ];
    let m = model(ModelKind::Autoencoder, &[2, 9, 9], layers, 1);
    let inputs = uniform_inputs(&[-1.0], &[1.0], 8, 0.0, 42)
        .into_iter()
        .map(|r| image(&r, 162, 43))
        .collect();
    ("conv_valid", m, inputs)
}

/// `[2, 16, 12]` scaled per feature, a model that streams row by row (`tinyae_core::rows`):
/// conv same → pool fused into it → conv (kernel [3, 2], stride [2, 1]) whose `[3, 4, 6]` map
/// is the code → upsample [2, 1] → transposed conv (stride 2, padding 1, output_padding 1) →
/// overlapping pool (kernel 3, stride 1) on its own → conv (padding [2, 2]) to 2 channels.
/// No PyTorch outputs: the generated code is checked against the reference interpreter, whose
/// every layer kind the other fixtures check against PyTorch.
pub fn conv_rows() -> Fixture {
    let mut rng = Rng::new(61);
    let layers = vec![
        ops::conv2d(
            "enc.0",
            (2, 4, [3, 3], [1, 1]),
            Padding::Same,
            Activation::Relu,
            true,
            &mut rng,
        ),
        ops::max_pool2d("enc.1", [2, 2], [2, 2]),
        ops::conv2d(
            "enc.2",
            (4, 3, [3, 2], [2, 1]),
            Padding::Same,
            Activation::Elu { alpha: 1.0 },
            false,
            &mut rng,
        ),
        ops::upsample2d("dec.0", [2, 1]),
        ops::conv_transpose2d(
            "dec.1",
            (3, 4, [3, 3], [2, 2]),
            [1, 1],
            [1, 1],
            Activation::LeakyRelu { alpha: 0.1 },
            true,
            &mut rng,
        ),
        ops::max_pool2d("dec.2", [3, 3], [1, 1]),
        ops::conv2d(
            "dec.3",
            (4, 2, [3, 3], [1, 1]),
            Padding::Explicit([2, 2]),
            Activation::Sigmoid,
            true,
            &mut rng,
        ),
    ];
    let mut m = model(ModelKind::Autoencoder, &[2, 16, 12], layers, 2);
    let n = 2 * 16 * 12;
    let min: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
    let max: Vec<f32> = min.iter().map(|v| v + 10.0).collect();
    m.preprocessing = Preprocessing::MinMax { min: min.clone(), max: max.clone() };
    m.anomaly =
        Some(Anomaly { metric: Metric::Mae, threshold: 0.1, calibration: Calibration::Manual });
    let inputs = super::uniform_inputs(&min, &max, 8, 0.1, 62);
    ("conv_rows", m, inputs)
}

/// `[10, 2]` standardized per feature: LSTM (both biases) whose last hidden state is the code →
/// repeat 10 → LSTM returning sequences (no bias) → dense at every step.
pub fn lstm() -> Fixture {
    let mut rng = Rng::new(51);
    let layers = vec![
        ops::lstm("enc.0", 2, 6, false, (true, true), &mut rng),
        ops::repeat("dec.0", 10),
        ops::lstm("dec.1", 6, 5, true, (false, false), &mut rng),
        synth::dense_layer("dec.2", 5, 2, Activation::Linear, &mut rng),
    ];
    let mut m = model(ModelKind::Autoencoder, &[10, 2], layers, 0);
    let (mean, std) = (vec![0.5, -1.0], vec![2.0, 0.5]);
    // Per input value: the two features alternate along the flat [steps, features] layout.
    let per_value = |v: &[f32]| (0..20).map(|i| v[i % 2]).collect::<Vec<f32>>();
    m.preprocessing = Preprocessing::Standard { mean: per_value(&mean), std: per_value(&std) };
    m.anomaly =
        Some(Anomaly { metric: Metric::Mae, threshold: 0.8, calibration: Calibration::Manual });
    let lo: Vec<f32> = per_value(&[-3.5, -2.5]);
    let hi: Vec<f32> = per_value(&[4.5, 0.5]);
    ("lstm", m, uniform_inputs(&lo, &hi, 8, 0.0, 52))
}

/// `[12, 1]` min-max: stacked LSTMs (the first returns its sequence, one bias only) → flatten
/// → dense code → repeat → LSTM → dense sigmoid at every step.
pub fn lstm_stack() -> Fixture {
    let mut rng = Rng::new(61);
    let layers = vec![
        ops::lstm("enc.0", 1, 4, true, (true, false), &mut rng),
        ops::flatten("enc.1"),
        synth::dense_layer("enc.2", 48, 5, Activation::Relu, &mut rng),
        ops::repeat("dec.0", 12),
        ops::lstm("dec.1", 5, 4, true, (false, true), &mut rng),
        synth::dense_layer("dec.2", 4, 1, Activation::Sigmoid, &mut rng),
    ];
    let mut m = model(ModelKind::Autoencoder, &[12, 1], layers, 2);
    m.preprocessing = Preprocessing::MinMax { min: vec![20.0], max: vec![80.0] };
    m.anomaly =
        Some(Anomaly { metric: Metric::Mse, threshold: 0.05, calibration: Calibration::Manual });
    let inputs = uniform_inputs(&[20.0], &[80.0], 8, 0.1, 62)
        .into_iter()
        .map(|r| image(&r, 12, 63))
        .collect();
    ("lstm_stack", m, inputs)
}

/// A VAE with a convolutional encoder: `[1, 8, 8]` → conv → pool → flatten → Gaussian head of 4
/// → dense → reshape → transposed conv (kernel 2, stride 2) → sigmoid.
pub fn conv_vae() -> Fixture {
    let mut rng = Rng::new(71);
    let head =
        |name: &str, rng: &mut Rng| match synth::dense_layer(name, 32, 4, Activation::Linear, rng)
            .op
        {
            tinyae_core::ir::Op::Dense(d) => d,
            _ => unreachable!("synth builds dense layers"),
        };
    let (mu, log_var) = (head("latent.mu", &mut rng), head("latent.log_var", &mut rng));
    let layers = vec![
        ops::conv2d(
            "enc.0",
            (1, 2, [3, 3], [1, 1]),
            Padding::Same,
            Activation::Relu,
            true,
            &mut rng,
        ),
        ops::max_pool2d("enc.1", [2, 2], [2, 2]),
        ops::flatten("enc.2"),
        tinyae_core::ir::Layer {
            name: "latent".into(),
            op: tinyae_core::ir::Op::GaussianHead(tinyae_core::ir::GaussianHead { mu, log_var }),
            activation: Activation::Linear,
        },
        synth::dense_layer("dec.0", 4, 32, Activation::Relu, &mut rng),
        ops::reshape("dec.1", &[2, 4, 4]),
        ops::conv_transpose2d(
            "dec.2",
            (2, 1, [2, 2], [2, 2]),
            [0, 0],
            [0, 0],
            Activation::Sigmoid,
            true,
            &mut rng,
        ),
    ];
    let mut m = model(ModelKind::Vae, &[1, 8, 8], layers, 3);
    m.preprocessing = Preprocessing::MinMax { min: vec![0.0], max: vec![1.0] };
    let inputs =
        uniform_inputs(&[0.0], &[1.0], 8, 0.0, 72).into_iter().map(|r| image(&r, 64, 73)).collect();
    ("conv_vae", m, inputs)
}

/// A smooth random image (or series) of `n` values around a row's first value: neighbouring
/// values are close, like pixels, so convolutions see structure rather than noise.
fn image(row: &[f32], n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed.wrapping_add(u64::from(row[0].to_bits())));
    let mut v = row[0];
    let span = row[0].abs().max(1.0);
    (0..n)
        .map(|_| {
            v += rng.symmetric(0.25 * span);
            v
        })
        .collect()
}
