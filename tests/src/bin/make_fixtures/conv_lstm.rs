//! The convolutional and recurrent fixtures: every op of docs/FORMAT.md's "Convolution and
//! recurrent ops" in small seeded models, with the variants that change the arithmetic
//! (non-square inputs and kernels, strides, `same` padding split unevenly, explicit padding,
//! `output_padding`, layers without bias, an LSTM with one bias, a feature map as the code, a
//! VAE with a convolutional encoder). The expected outputs come from PyTorch
//! (`tests/reference/torch_reference.py`).

use tinyae_core::ir::{
    Calibration, GaussianHead, Layer, Metric, ModelKind, Op, Padding, Preprocessing,
};
use tinyae_core::synth::{self as ops, ConvSizes, Rng};
use tinyae_core::Activation::{self, Elu, LeakyRelu, Linear, Relu, Sigmoid, Tanh};
use tinyae_core::Model;

use super::{anomaly, dense_of, uniform_inputs, Fixture};

/// A model's layers in order, every weight drawn from one seeded generator.
struct Net {
    rng: Rng,
    layers: Vec<Layer>,
}

impl Net {
    fn new(seed: u64) -> Self {
        Net { rng: Rng::new(seed), layers: Vec::new() }
    }

    fn push(mut self, layer: Layer) -> Self {
        self.layers.push(layer);
        self
    }

    fn conv(
        mut self,
        name: &str,
        sizes: ConvSizes,
        pad: Padding,
        act: Activation,
        bias: bool,
    ) -> Self {
        let layer = ops::conv2d(name, sizes, pad, act, bias, &mut self.rng);
        self.push(layer)
    }

    /// A transposed convolution with `(padding, output_padding)`.
    fn conv_t(self, name: &str, sizes: ConvSizes, pads: [[usize; 2]; 2], act: Activation) -> Self {
        self.conv_t_bias(name, sizes, pads, act, true)
    }

    fn conv_t_bias(
        mut self,
        name: &str,
        sizes: ConvSizes,
        [pad, out_pad]: [[usize; 2]; 2],
        act: Activation,
        bias: bool,
    ) -> Self {
        let layer = ops::conv_transpose2d(name, sizes, pad, out_pad, act, bias, &mut self.rng);
        self.push(layer)
    }

    fn dense(mut self, name: &str, inputs: usize, outputs: usize, act: Activation) -> Self {
        let layer = ops::dense_layer(name, inputs, outputs, act, &mut self.rng);
        self.push(layer)
    }

    /// An LSTM; `biases` = (with `bias_ih`, with `bias_hh`).
    fn lstm(mut self, name: &str, sizes: [usize; 2], seq: bool, biases: (bool, bool)) -> Self {
        let layer = ops::lstm(name, sizes[0], sizes[1], seq, biases, &mut self.rng);
        self.push(layer)
    }

    fn model(self, kind: ModelKind, input_shape: &[usize], latent: usize) -> Model {
        Model::bare(kind, input_shape.to_vec(), self.layers, latent)
    }
}

/// Eight smooth inputs of `n` values ([`image`]), each around a value uniform in [lo, hi]
/// widened by `margin`; the images' seed is `seed + 1`.
fn images(lo: f32, hi: f32, margin: f32, seed: u64, n: usize) -> Vec<Vec<f32>> {
    let rows = uniform_inputs(&[lo], &[hi], 8, margin, seed);
    rows.into_iter().map(|r| image(&r, n, seed + 1)).collect()
}

/// `[1, 12, 10]` pixels 0..255 → conv same → pool → conv (kernel [3, 2], stride [2, 1], same
/// padding split 0/1) → flatten → dense code of 8 → dense → reshape → upsample [2, 1] →
/// transposed conv (stride 2, padding 1, output_padding 1) → conv (padding [1, 1]) → sigmoid.
pub fn conv() -> Fixture {
    let mut m = Net::new(31)
        .conv("enc.0", (1, 4, [3, 3], [1, 1]), Padding::Same, Relu, true)
        .push(ops::max_pool2d("enc.1", [2, 2], [2, 2]))
        .conv("enc.2", (4, 6, [3, 2], [2, 1]), Padding::Same, Elu { alpha: 1.0 }, true)
        .push(ops::flatten("enc.3"))
        .dense("enc.4", 90, 8, Tanh)
        .dense("dec.0", 8, 90, Relu)
        .push(ops::reshape("dec.1", &[6, 3, 5]))
        .push(ops::upsample2d("dec.2", [2, 1]))
        .conv_t("dec.3", (6, 4, [3, 3], [2, 2]), [[1, 1], [1, 1]], LeakyRelu { alpha: 0.1 })
        .conv("dec.4", (4, 1, [3, 3], [1, 1]), Padding::Explicit([1, 1]), Sigmoid, true)
        .model(ModelKind::Autoencoder, &[1, 12, 10], 4);
    m.preprocessing = Preprocessing::MinMax { min: vec![0.0], max: vec![255.0] };
    m.anomaly = anomaly(Metric::Mse, 0.1, Calibration::Manual);
    ("conv", m, images(0.0, 255.0, 0.0, 32, 120))
}

/// `[2, 9, 9]`, no scaling, no biases: valid conv with stride 2 → overlapping pool (kernel 3,
/// stride 1) whose `[3, 2, 2]` feature map is the code → transposed convs back to `[2, 9, 9]`.
pub fn conv_valid() -> Fixture {
    let m = Net::new(41)
        .conv("enc.0", (2, 3, [3, 3], [2, 2]), Padding::Valid, Relu, false)
        .push(ops::max_pool2d("enc.1", [3, 3], [1, 1]))
        .conv_t_bias("dec.0", (3, 3, [3, 3], [2, 2]), [[0, 0], [0, 0]], Tanh, false)
        .conv_t("dec.1", (3, 2, [3, 3], [2, 2]), [[1, 1], [0, 0]], Linear)
        .model(ModelKind::Autoencoder, &[2, 9, 9], 1);
    ("conv_valid", m, images(-1.0, 1.0, 0.0, 42, 162))
}

/// `[2, 16, 12]` scaled per feature, a model that streams row by row (`tinyae_core::rows`):
/// conv same → pool fused into it → conv (kernel [3, 2], stride [2, 1]) whose `[3, 4, 6]` map
/// is the code → upsample [2, 1] → transposed conv (stride 2, padding 1, output_padding 1) →
/// overlapping pool (kernel 3, stride 1) on its own → conv (padding [2, 2]) to 2 channels.
/// No PyTorch outputs: the generated code is checked against the reference interpreter, whose
/// every layer kind the other fixtures check against PyTorch.
pub fn conv_rows() -> Fixture {
    let mut m = Net::new(61)
        .conv("enc.0", (2, 4, [3, 3], [1, 1]), Padding::Same, Relu, true)
        .push(ops::max_pool2d("enc.1", [2, 2], [2, 2]))
        .conv("enc.2", (4, 3, [3, 2], [2, 1]), Padding::Same, Elu { alpha: 1.0 }, false)
        .push(ops::upsample2d("dec.0", [2, 1]))
        .conv_t("dec.1", (3, 4, [3, 3], [2, 2]), [[1, 1], [1, 1]], LeakyRelu { alpha: 0.1 })
        .push(ops::max_pool2d("dec.2", [3, 3], [1, 1]))
        .conv("dec.3", (4, 2, [3, 3], [1, 1]), Padding::Explicit([2, 2]), Sigmoid, true)
        .model(ModelKind::Autoencoder, &[2, 16, 12], 2);
    let n = 2 * 16 * 12;
    let min: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
    let max: Vec<f32> = min.iter().map(|v| v + 10.0).collect();
    m.preprocessing = Preprocessing::MinMax { min: min.clone(), max: max.clone() };
    m.anomaly = anomaly(Metric::Mae, 0.1, Calibration::Manual);
    let inputs = uniform_inputs(&min, &max, 8, 0.1, 62);
    ("conv_rows", m, inputs)
}

/// `[10, 2]` standardized per feature: LSTM (both biases) whose last hidden state is the code →
/// repeat 10 → LSTM returning sequences (no bias) → dense at every step.
pub fn lstm() -> Fixture {
    let mut m = Net::new(51)
        .lstm("enc.0", [2, 6], false, (true, true))
        .push(ops::repeat("dec.0", 10))
        .lstm("dec.1", [6, 5], true, (false, false))
        .dense("dec.2", 5, 2, Linear)
        .model(ModelKind::Autoencoder, &[10, 2], 0);
    let (mean, std) = (vec![0.5, -1.0], vec![2.0, 0.5]);
    // Per input value: the two features alternate along the flat [steps, features] layout.
    let per_value = |v: &[f32]| (0..20).map(|i| v[i % 2]).collect::<Vec<f32>>();
    m.preprocessing = Preprocessing::Standard { mean: per_value(&mean), std: per_value(&std) };
    m.anomaly = anomaly(Metric::Mae, 0.8, Calibration::Manual);
    let lo: Vec<f32> = per_value(&[-3.5, -2.5]);
    let hi: Vec<f32> = per_value(&[4.5, 0.5]);
    ("lstm", m, uniform_inputs(&lo, &hi, 8, 0.0, 52))
}

/// `[12, 1]` min-max: stacked LSTMs (the first returns its sequence, one bias only) → flatten
/// → dense code → repeat → LSTM → dense sigmoid at every step.
pub fn lstm_stack() -> Fixture {
    let mut m = Net::new(61)
        .lstm("enc.0", [1, 4], true, (true, false))
        .push(ops::flatten("enc.1"))
        .dense("enc.2", 48, 5, Relu)
        .push(ops::repeat("dec.0", 12))
        .lstm("dec.1", [5, 4], true, (false, true))
        .dense("dec.2", 4, 1, Sigmoid)
        .model(ModelKind::Autoencoder, &[12, 1], 2);
    m.preprocessing = Preprocessing::MinMax { min: vec![20.0], max: vec![80.0] };
    m.anomaly = anomaly(Metric::Mse, 0.05, Calibration::Manual);
    ("lstm_stack", m, images(20.0, 80.0, 0.1, 62, 12))
}

/// A VAE with a convolutional encoder: `[1, 8, 8]` → conv → pool → flatten → Gaussian head of 4
/// → dense → reshape → transposed conv (kernel 2, stride 2) → sigmoid.
pub fn conv_vae() -> Fixture {
    let mut net = Net::new(71);
    let mut head = |name: &str| dense_of(ops::dense_layer(name, 32, 4, Linear, &mut net.rng));
    let (mu, log_var) = (head("latent.mu"), head("latent.log_var"));
    let latent = Layer {
        name: "latent".into(),
        op: Op::GaussianHead(GaussianHead { mu, log_var }),
        activation: Linear,
    };
    let mut m = net
        .conv("enc.0", (1, 2, [3, 3], [1, 1]), Padding::Same, Relu, true)
        .push(ops::max_pool2d("enc.1", [2, 2], [2, 2]))
        .push(ops::flatten("enc.2"))
        .push(latent)
        .dense("dec.0", 4, 32, Relu)
        .push(ops::reshape("dec.1", &[2, 4, 4]))
        .conv_t("dec.2", (2, 1, [2, 2], [2, 2]), [[0, 0], [0, 0]], Sigmoid)
        .model(ModelKind::Vae, &[1, 8, 8], 3);
    m.preprocessing = Preprocessing::MinMax { min: vec![0.0], max: vec![1.0] };
    ("conv_vae", m, images(0.0, 1.0, 0.0, 72, 64))
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
