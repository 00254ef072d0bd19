//! Seeded synthetic models: fixtures for tests, benchmarks and examples of the file format.
//!
//! Weights are drawn from a xorshift generator (no dependency, identical on every platform)
//! with Glorot-uniform bounds, so activations stay in a sensible range at any width.

use crate::activation::Activation;
use crate::ir::{Dense, Layer, Model, ModelKind, Op, Preprocessing, Provenance, Tensor};

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
        kind: ModelKind::Autoencoder,
        input_shape: vec![widths[0]],
        layers,
        latent_layer,
        preprocessing: Preprocessing::None,
        anomaly: None,
        provenance: Provenance {
            tool: Some(format!("tinyae-core {} synth", env!("CARGO_PKG_VERSION"))),
            seed: Some(seed),
            ..Provenance::default()
        },
        data: None,
    }
}
