//! Seeded synthetic models: fixtures for tests, benchmarks and examples of the file format.
//!
//! Weights are drawn from a xorshift generator (no dependency, identical on every platform)
//! with Glorot-uniform bounds over the layer's fan-in and fan-out (kernel taps included), so
//! activations stay in a sensible range at any width; biases are small.

use crate::activation::Activation;
use crate::ir::{
    Conv2d, ConvTranspose2d, Dense, Flatten, Layer, Lstm, MaxPool2d, Model, ModelKind, Op, Padding,
    Provenance, Repeat, Reshape, Tensor, Upsample2d,
};

/// A small deterministic pseudo-random generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        bits as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [-bound, bound).
    pub fn symmetric(&mut self, bound: f32) -> f32 {
        (self.next_f32() * 2.0 - 1.0) * bound
    }
}

/// A dense layer named `name` with Glorot-uniform weights and small biases.
pub fn dense_layer(
    name: &str,
    in_features: usize,
    out_features: usize,
    activation: Activation,
    rng: &mut Rng,
) -> Layer {
    let bound = (6.0 / (in_features + out_features) as f32).sqrt();
    let weight: Vec<f32> = (0..in_features * out_features).map(|_| rng.symmetric(bound)).collect();
    let bias: Vec<f32> = (0..out_features).map(|_| rng.symmetric(0.1)).collect();
    Layer {
        name: name.to_owned(),
        op: Op::Dense(Dense {
            in_features,
            out_features,
            weight: Tensor::f32(format!("{name}.weight"), vec![out_features, in_features], weight),
            bias: Some(Tensor::f32(format!("{name}.bias"), vec![out_features], bias)),
            quant: None,
        }),
        activation,
    }
}

/// A dense autoencoder through `widths` (input first, latent in the middle, input last),
/// with `hidden` after every layer but the last, and `output` after the last.
///
/// `widths` must be symmetric-length with the latent at index `len / 2`; e.g. `[3, 2, 3]`.
pub fn dense_autoencoder(
    widths: &[usize],
    hidden: Activation,
    output: Activation,
    seed: u64,
) -> Model {
    let mut rng = Rng::new(seed);
    let n = widths.len() - 1;
    let latent_layer = n / 2 - 1;
    let layers = (0..n)
        .map(|j| {
            let (part, index) =
                if j <= latent_layer { ("enc", j) } else { ("dec", j - latent_layer - 1) };
            let act = if j + 1 == n { output } else { hidden };
            dense_layer(&format!("{part}.{index}"), widths[j], widths[j + 1], act, &mut rng)
        })
        .collect();
    Model {
        provenance: Provenance {
            tool: Some(format!("tinyae-core {} synth", env!("CARGO_PKG_VERSION"))),
            seed: Some(seed),
            ..Provenance::default()
        },
        ..Model::bare(ModelKind::Autoencoder, vec![widths[0]], layers, latent_layer)
    }
}

fn uniform(n: usize, bound: f32, rng: &mut Rng) -> Vec<f32> {
    (0..n).map(|_| rng.symmetric(bound)).collect()
}

/// The sizes of a convolution: `(in, out, kernel, stride)`.
pub type ConvSizes = (usize, usize, [usize; 2], [usize; 2]);

/// A convolution's weight `[a, b, kh, kw]` (`[a, b]`: `[out, in]`, or `[in, out]` for a
/// transposed one) drawn Glorot-uniform, then its bias unless `bias = false`.
fn conv_tensors(
    name: &str,
    [a, b]: [usize; 2],
    (cin, cout, kernel, _): ConvSizes,
    bias: bool,
    rng: &mut Rng,
) -> (Tensor, Option<Tensor>) {
    let taps = kernel[0] * kernel[1];
    let bound = (6.0 / ((cin + cout) * taps) as f32).sqrt();
    let weight = uniform(a * b * taps, bound, rng);
    let weight = Tensor::f32(format!("{name}.weight"), vec![a, b, kernel[0], kernel[1]], weight);
    let bias =
        bias.then(|| Tensor::f32(format!("{name}.bias"), vec![cout], uniform(cout, 0.1, rng)));
    (weight, bias)
}

/// A `conv2d` layer; `bias = false` leaves it out.
pub fn conv2d(
    name: &str,
    sizes: ConvSizes,
    padding: Padding,
    activation: Activation,
    bias: bool,
    rng: &mut Rng,
) -> Layer {
    let (cin, cout, kernel_size, stride) = sizes;
    let (weight, bias) = conv_tensors(name, [cout, cin], sizes, bias, rng);
    let conv =
        Conv2d { in_channels: cin, out_channels: cout, kernel_size, stride, padding, weight, bias };
    Layer { name: name.to_owned(), op: Op::Conv2d(conv), activation }
}

/// A `conv_transpose2d` layer with `padding` and `output_padding`.
pub fn conv_transpose2d(
    name: &str,
    sizes: ConvSizes,
    padding: [usize; 2],
    output_padding: [usize; 2],
    activation: Activation,
    bias: bool,
    rng: &mut Rng,
) -> Layer {
    let (cin, cout, kernel_size, stride) = sizes;
    let (weight, bias) = conv_tensors(name, [cin, cout], sizes, bias, rng);
    let (in_channels, out_channels) = (cin, cout);
    let conv = ConvTranspose2d {
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        output_padding,
        weight,
        bias,
    };
    Layer { name: name.to_owned(), op: Op::ConvTranspose2d(conv), activation }
}

/// A `max_pool2d` layer.
pub fn max_pool2d(name: &str, kernel_size: [usize; 2], stride: [usize; 2]) -> Layer {
    let op = Op::MaxPool2d(MaxPool2d { kernel_size, stride });
    Layer { name: name.to_owned(), op, activation: Activation::Linear }
}

/// An `upsample2d` (nearest) layer.
pub fn upsample2d(name: &str, scale_factor: [usize; 2]) -> Layer {
    let op = Op::Upsample2d(Upsample2d { scale_factor });
    Layer { name: name.to_owned(), op, activation: Activation::Linear }
}

/// A `flatten` layer.
pub fn flatten(name: &str) -> Layer {
    Layer { name: name.to_owned(), op: Op::Flatten(Flatten), activation: Activation::Linear }
}

/// A `reshape` layer.
pub fn reshape(name: &str, shape: &[usize]) -> Layer {
    let op = Op::Reshape(Reshape { shape: shape.to_vec() });
    Layer { name: name.to_owned(), op, activation: Activation::Linear }
}

/// A `repeat` layer.
pub fn repeat(name: &str, times: usize) -> Layer {
    Layer {
        name: name.to_owned(),
        op: Op::Repeat(Repeat { times }),
        activation: Activation::Linear,
    }
}

/// An `lstm` layer; `biases` = (with `bias_ih`, with `bias_hh`).
pub fn lstm(
    name: &str,
    input_size: usize,
    hidden_size: usize,
    return_sequences: bool,
    (with_ih, with_hh): (bool, bool),
    rng: &mut Rng,
) -> Layer {
    let g = 4 * hidden_size;
    // PyTorch's default: uniform in ±1/sqrt(hidden).
    let bound = 1.0 / (hidden_size as f32).sqrt();
    let weight_ih = uniform(g * input_size, bound, rng);
    let weight_hh = uniform(g * hidden_size, bound, rng);
    let mut bias = |key: &str, on: bool| {
        on.then(|| Tensor::f32(format!("{name}.{key}"), vec![g], uniform(g, bound, rng)))
    };
    let bias_ih = bias("bias_ih", with_ih);
    let bias_hh = bias("bias_hh", with_hh);
    let lstm = Lstm {
        input_size,
        hidden_size,
        return_sequences,
        weight_ih: Tensor::f32(format!("{name}.weight_ih"), vec![g, input_size], weight_ih),
        weight_hh: Tensor::f32(format!("{name}.weight_hh"), vec![g, hidden_size], weight_hh),
        bias_ih,
        bias_hh,
    };
    Layer { name: name.to_owned(), op: Op::Lstm(lstm), activation: Activation::Linear }
}
