//! dfdx 0.13 (the trainer's library): the forward pass with tensor ops on runtime shapes.

use std::hint::black_box;

use dfdx::prelude::*;
use tinyae_core::{Activation, Model};

use super::{plain_layers, Plain};
use crate::engine::Local;

type T2 = Tensor<(usize, usize), f32, Cpu>;

struct Layer {
    /// Transposed once at load: `[in, out]`.
    w_t: T2,
    /// `[1, out]`.
    b: T2,
    activation: Activation,
}

/// dfdx on its CPU device.
pub struct Dfdx {
    dev: Cpu,
    layers: Vec<Layer>,
    input: Option<T2>,
}

impl Dfdx {
    pub fn new(model: &Model) -> Result<Self, String> {
        let dev = Cpu::default();
        let layers = plain_layers(model)?
            .into_iter()
            .map(|Plain { in_features, out_features, weight, bias, activation }| {
                let transposed: Vec<f32> = (0..in_features)
                    .flat_map(|i| (0..out_features).map(move |o| (i, o)))
                    .map(|(i, o)| weight[o * in_features + i])
                    .collect();
                Layer {
                    w_t: dev.tensor_from_vec(transposed, (in_features, out_features)),
                    b: dev.tensor_from_vec(bias, (1, out_features)),
                    activation,
                }
            })
            .collect();
        Ok(Dfdx { dev, layers, input: None })
    }

    fn forward(&self, x: T2) -> T2 {
        self.layers
            .iter()
            .fold(x, |h, l| activate(h.matmul(l.w_t.clone()) + l.b.clone(), l.activation))
    }

    fn input(&self, x: &[f32]) -> T2 {
        self.dev.tensor_from_vec(x.to_vec(), (1, x.len()))
    }
}

/// The activation from dfdx ops (softplus in the overflow-free form, see candle.rs).
fn activate(x: T2, a: Activation) -> T2 {
    match a {
        Activation::Linear => x,
        Activation::Relu => x.relu(),
        Activation::LeakyRelu { alpha } => x.prelu(alpha),
        Activation::Sigmoid => x.sigmoid(),
        Activation::HardSigmoid { slope, offset } => (x * slope + offset).clamp(0.0, 1.0),
        Activation::Tanh => x.tanh(),
        Activation::Elu { alpha } => {
            // x for x > 0, alpha * (exp(x) - 1) otherwise: relu(x) + alpha * (exp(min(x, 0)) - 1).
            let negative = (x.clone().clamp(f32::MIN, 0.0).exp() - 1.0) * alpha;
            x.relu() + negative
        }
        Activation::Softplus { beta, .. } => {
            let bx = x * beta;
            let tail = ((-bx.clone().abs()).exp() + 1.0).ln();
            (bx.relu() + tail) / beta
        }
    }
}

impl Local for Dfdx {
    fn name(&self) -> String {
        "dfdx 0.13".into()
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        let input = self.input(x);
        self.input = Some(input.clone());
        Ok(self.forward(input).as_vec())
    }

    fn call(&mut self) {
        if let Some(x) = &self.input {
            drop(black_box(self.forward(black_box(x.clone()))));
        }
    }
}
