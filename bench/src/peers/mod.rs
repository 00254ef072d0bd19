//! The engines a user would pick instead, each loaded from the same model file.

pub mod candle;
pub mod dfdx;
pub mod ort;
pub mod tract;

use tinyae_core::ir::{Dense, Model, Op};
use tinyae_core::Activation;

/// A dense layer as plain data: weight `[out][in]` row-major (PyTorch layout), bias (zeros
/// when the file has none), activation.
pub struct Plain {
    pub in_features: usize,
    pub out_features: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub activation: Activation,
}

/// The model's layers as [`Plain`] data; an error for layer kinds the peers are not given.
pub fn plain_layers(model: &Model) -> Result<Vec<Plain>, String> {
    model
        .layers
        .iter()
        .map(|l| match &l.op {
            Op::Dense(d) => Ok(plain(d, l.activation)),
            other => {
                Err(format!("layer `{}`: {} layers are not benchmarked", l.name, other.name()))
            }
        })
        .collect()
}

fn plain(d: &Dense, activation: Activation) -> Plain {
    Plain {
        in_features: d.in_features,
        out_features: d.out_features,
        weight: d.weight.values.clone(),
        bias: (0..d.out_features).map(|o| d.b(o)).collect(),
        activation,
    }
}
