//! Layer families whose shapes chain: dense, convolutional and LSTM encoders, each with a
//! decoder that ends at the input's size, plain or VAE; then the model's metadata.

use super::values::Gen;
use super::{Choices, Domain};
use crate::activation::Activation;
use crate::ir::{
    Anomaly, Calibration, GaussianHead, Layer, Metric, Model, ModelKind, Op, Padding, Preprocessing,
};
use crate::shape::layer_output;
use crate::synth::{self, Rng};

/// The most values a generated layer may output: the models stay small enough that every
/// execution evaluates and expands them in milliseconds (a fuzzer's throughput).
const MAX_VALUES: usize = 512;

/// Layers so far and the shape they produce.
struct Stack {
    layers: Vec<Layer>,
    shape: Vec<usize>,
}

impl Stack {
    /// Appends `layer` if it takes the current shape (always, in the anything domain, where
    /// validation must then reject it) and its output is small; returns whether it was
    /// appended.
    fn push<C: Choices>(&mut self, g: &Gen<'_, C>, layer: Layer) -> bool {
        match layer_output(&layer, &self.shape) {
            Some(shape) if shape.iter().product::<usize>() > MAX_VALUES => return false,
            Some(shape) => self.shape = shape,
            None if g.domain == Domain::Anything => {}
            None => return false,
        }
        self.layers.push(layer);
        true
    }

    fn len(&self) -> usize {
        self.shape.iter().product()
    }

    fn name(&self, part: &str) -> String {
        format!("{part}.{}", self.layers.len())
    }
}

/// A model of a random family, f32, without metadata.
pub(super) fn any<C: Choices>(g: &mut Gen<'_, C>) -> Model {
    let vae = g.c.below(3) == 0;
    let input_shape = match g.c.below(3) {
        0 => vec![g.size(8)],
        1 => vec![g.size(2), g.size(6), g.size(6)],
        _ => vec![g.size(5), g.size(3)],
    };
    let mut s = Stack { layers: Vec::new(), shape: input_shape.clone() };
    match input_shape.len() {
        3 => conv_encoder(g, &mut s),
        2 => lstm_encoder(g, &mut s),
        _ => {}
    }
    let latent_layer = latent(g, &mut s, vae);
    let n = input_shape.iter().product();
    decoder(g, &mut s, n, &input_shape);
    let kind = if vae { ModelKind::Vae } else { ModelKind::Autoencoder };
    Model::bare(kind, input_shape, s.layers, latent_layer)
}

/// 1–3 of conv2d, max_pool2d, upsample2d; layers that do not fit are skipped.
fn conv_encoder<C: Choices>(g: &mut Gen<'_, C>, s: &mut Stack) {
    for _ in 0..g.size(3) {
        let name = s.name("enc");
        let layer = match g.c.below(3) {
            0 => conv2d(g, &name, s.shape[0]),
            1 => synth::max_pool2d(&name, [g.size(2), g.size(2)], [g.size(2), g.size(2)]),
            _ => synth::upsample2d(&name, [g.size(2), g.size(2)]),
        };
        s.push(g, layer);
    }
}

fn conv2d<C: Choices>(g: &mut Gen<'_, C>, name: &str, cin: usize) -> Layer {
    let padding = match g.c.below(3) {
        0 => Padding::Valid,
        1 => Padding::Same,
        _ => Padding::Explicit([g.c.below(2), g.c.below(2)]),
    };
    let sizes = (cin, g.size(3), [g.size(3), g.size(3)], [g.size(2), g.size(2)]);
    let (act, bias) = (activation(g), g.c.coin());
    synth::conv2d(name, sizes, padding, act, bias, &mut Rng::new(g.seed()))
}

/// One or two LSTMs over the `[steps, features]` input.
fn lstm_encoder<C: Choices>(g: &mut Gen<'_, C>, s: &mut Stack) {
    for _ in 0..g.size(2) {
        let input = s.shape.last().copied().unwrap_or(1);
        let (hidden, sequences, biases) = (g.size(4), g.coin_or(s.shape.len() == 2), g.biases());
        let mut rng = Rng::new(g.seed());
        let layer = synth::lstm(&s.name("enc"), input, hidden, sequences, biases, &mut rng);
        if !s.push(g, layer) {
            break;
        }
    }
}

/// The latent layer (a dense layer or a Gaussian head on the flattened features); returns
/// its index. Without a VAE, a feature map or sequence may itself be the latent code.
fn latent<C: Choices>(g: &mut Gen<'_, C>, s: &mut Stack, vae: bool) -> usize {
    if !vae && !s.layers.is_empty() && g.c.coin() {
        return s.layers.len() - 1;
    }
    if s.shape.len() > 1 && g.c.coin() {
        s.push(g, synth::flatten(&s.name("enc")));
    }
    let (n, z, name) = (s.len(), g.size(6), s.name("enc"));
    let layer = if vae {
        let mut rng = Rng::new(g.seed());
        let mut head =
            |part: &str| match synth::dense_layer(part, n, z, Activation::Linear, &mut rng).op {
                Op::Dense(d) => d,
                _ => unreachable!("dense_layer builds a dense layer"),
            };
        let (mu, log_var) = (head(&format!("{name}.mu")), head(&format!("{name}.log_var")));
        Layer {
            name,
            op: Op::GaussianHead(GaussianHead { mu, log_var }),
            activation: Activation::Linear,
        }
    } else {
        dense(g, &name, n, z)
    };
    s.push(g, layer);
    s.layers.len() - 1
}

/// Back to `n` values shaped like the input: a few dense, conv-transpose, upsampling or LSTM
/// layers, then a dense layer to `n` and a reshape.
fn decoder<C: Choices>(g: &mut Gen<'_, C>, s: &mut Stack, n: usize, input_shape: &[usize]) {
    for _ in 0..g.c.below(3) {
        let name = s.name("dec");
        let layer = match (s.shape.len(), g.c.below(2)) {
            (3, 0) => {
                let (cin, k, stride) = (s.shape[0], [g.size(3), g.size(3)], [g.size(2), g.size(2)]);
                let pad = [g.c.below(k[0]), g.c.below(k[1])];
                let out_pad = [g.c.below(stride[0]), g.c.below(stride[1])];
                let (act, bias) = (activation(g), g.c.coin());
                let sizes = (cin, g.size(3), k, stride);
                synth::conv_transpose2d(
                    &name,
                    sizes,
                    pad,
                    out_pad,
                    act,
                    bias,
                    &mut Rng::new(g.seed()),
                )
            }
            (3, _) => synth::upsample2d(&name, [g.size(2), g.size(2)]),
            (1, 0) => synth::repeat(&name, g.size(4)),
            (2, 0) => {
                let (input, hidden, biases) = (s.shape[1], g.size(4), g.biases());
                synth::lstm(&name, input, hidden, true, biases, &mut Rng::new(g.seed()))
            }
            _ => {
                let width = g.size(8);
                dense(g, &name, s.len(), width)
            }
        };
        s.push(g, layer);
    }
    let name = s.name("dec");
    let last = dense(g, &name, s.len(), n);
    s.push(g, last);
    if input_shape.len() > 1 && g.c.coin() {
        s.push(g, synth::reshape(&s.name("dec"), input_shape));
    }
}

/// A dense layer on all values of its input.
fn dense<C: Choices>(g: &mut Gen<'_, C>, name: &str, n_in: usize, n_out: usize) -> Layer {
    let act = activation(g);
    let mut layer = synth::dense_layer(name, n_in, n_out, act, &mut Rng::new(g.seed()));
    if let Op::Dense(d) = &mut layer.op {
        if g.c.below(4) == 0 {
            d.bias = None;
        }
    }
    layer
}

/// Any activation, its parameters from the domain.
pub(super) fn activation<C: Choices>(g: &mut Gen<'_, C>) -> Activation {
    match g.c.below(8) {
        0 => Activation::Linear,
        1 => Activation::Relu,
        2 => Activation::LeakyRelu { alpha: g.signed(0.0, 0.3) },
        3 => Activation::Sigmoid,
        4 => Activation::HardSigmoid { slope: g.signed(0.1, 0.5), offset: g.signed(0.0, 1.0) },
        5 => Activation::Tanh,
        6 => Activation::Elu { alpha: g.positive(0.5, 2.0) },
        _ => Activation::Softplus { beta: g.positive(0.5, 4.0), threshold: g.positive(5.0, 30.0) },
    }
}

/// Input scaling and an anomaly threshold.
pub(super) fn metadata<C: Choices>(g: &mut Gen<'_, C>, model: &mut Model) {
    let n = model.input_len();
    let per_feature = |g: &mut Gen<'_, C>, lo: f32, hi: f32, positive: bool| {
        let count = if g.c.coin() { 1 } else { n };
        (0..count)
            .map(|_| if positive { g.positive(lo, hi) } else { g.signed(lo, hi) })
            .collect::<Vec<f32>>()
    };
    model.preprocessing = match g.c.below(3) {
        0 => Preprocessing::None,
        1 => {
            let min = per_feature(g, -5.0, 5.0, false);
            let span = per_feature(g, 0.1, 10.0, true);
            // One of the two has one value or both have `n`: index the shorter one at 0.
            let max = (0..span.len().max(min.len()))
                .map(|i| min[i.min(min.len() - 1)] + span[i.min(span.len() - 1)])
                .collect();
            Preprocessing::MinMax { min, max }
        }
        _ => Preprocessing::Standard {
            mean: per_feature(g, -5.0, 5.0, false),
            std: per_feature(g, 0.1, 10.0, true),
        },
    };
    if g.c.coin() {
        let metric = if g.c.coin() { Metric::Mse } else { Metric::Mae };
        let calibration = match g.c.below(3) {
            0 => Calibration::Manual,
            1 => Calibration::Percentile { percentile: 95.0, samples: Some(100), split: None },
            _ => Calibration::MeanStd { k: 3.0, samples: None, split: Some("validation".into()) },
        };
        let threshold = g.positive(0.001, 1.0);
        model.anomaly = Some(Anomaly { metric, threshold, calibration });
    }
}

impl<C: Choices> Gen<'_, C> {
    /// `bias_ih`, `bias_hh` present or not.
    fn biases(&mut self) -> (bool, bool) {
        (self.c.coin(), self.c.coin())
    }

    /// A coin when `possible`, else false.
    fn coin_or(&mut self, possible: bool) -> bool {
        possible && self.c.coin()
    }
}
