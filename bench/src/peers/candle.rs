//! candle: `x.matmul(Wᵀ) + b` per layer, activations from candle's tensor ops.

use std::hint::black_box;

use candle_core::{Device, Tensor};
use tinyae_core::{Activation, Model};

use super::{plain_layers, Plain};
use crate::engine::Local;

struct Layer {
    /// Transposed once at load: `[in, out]`, contiguous.
    w_t: Tensor,
    b: Tensor,
    activation: Activation,
}

/// candle on the CPU device.
pub struct Candle {
    layers: Vec<Layer>,
    input: Option<Tensor>,
}

fn err(e: candle_core::Error) -> String {
    format!("candle: {e}")
}

impl Candle {
    pub fn new(model: &Model) -> Result<Self, String> {
        let dev = Device::Cpu;
        let layers = plain_layers(model)?
            .into_iter()
            .map(|Plain { in_features, out_features, weight, bias, activation }| {
                let w = Tensor::from_vec(weight, (out_features, in_features), &dev).map_err(err)?;
                let w_t = w.t().and_then(|t| t.contiguous()).map_err(err)?;
                let b = Tensor::from_vec(bias, (1, out_features), &dev).map_err(err)?;
                Ok(Layer { w_t, b, activation })
            })
            .collect::<Result<_, String>>()?;
        Ok(Candle { layers, input: None })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for l in &self.layers {
            h = activate(&h.matmul(&l.w_t)?.broadcast_add(&l.b)?, l.activation)?;
        }
        Ok(h)
    }
}

/// The activation from candle ops (the same formulas as docs/FORMAT.md; softplus in the
/// overflow-free form `max(bx, 0) + ln(1 + exp(-|bx|))`, divided by beta).
fn activate(x: &Tensor, a: Activation) -> candle_core::Result<Tensor> {
    match a {
        Activation::Linear => Ok(x.clone()),
        Activation::Relu => x.relu(),
        Activation::LeakyRelu { alpha } => x.maximum(&x.affine(f64::from(alpha), 0.0)?),
        Activation::Sigmoid => (x.neg()?.exp()? + 1.0)?.recip(),
        Activation::HardSigmoid { slope, offset } => {
            x.affine(f64::from(slope), f64::from(offset))?.clamp(0f32, 1f32)
        }
        Activation::Tanh => x.tanh(),
        Activation::Elu { alpha } => x.elu(f64::from(alpha)),
        Activation::Softplus { beta, .. } => {
            let bx = x.affine(f64::from(beta), 0.0)?;
            let tail = ((bx.abs()?.neg()?.exp()? + 1.0)?.log())?;
            (bx.relu()? + tail)?.affine(1.0 / f64::from(beta), 0.0)
        }
    }
}

impl Local for Candle {
    fn name(&self) -> String {
        "candle 0.11".into()
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        let x = Tensor::from_slice(x, (1, x.len()), &Device::Cpu).map_err(err)?;
        let y = self.forward(&x).and_then(|y| y.flatten_all()?.to_vec1::<f32>()).map_err(err);
        self.input = Some(x);
        y
    }

    fn call(&mut self) {
        if let Some(x) = &self.input {
            let _ = black_box(self.forward(black_box(x)));
        }
    }
}
