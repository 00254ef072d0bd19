//! Net ⇄ IR: the trainer writes through `tinyae-core` (one format, one writer).
//!
//! dfdx keeps weights `(in, out)` for `x · W`; the file keeps PyTorch's `[out, in]`, so both
//! directions transpose. Nothing else changes: values are copied bit for bit.

use anyhow::{bail, Result};
use dfdx::prelude::*;
use tinyae_core::ir::{
    Anomaly, Dense, GaussianHead, Layer, Model, ModelKind, Op, Preprocessing, Provenance, Storage,
    Tensor as IrTensor,
};

use crate::net::{DenseParams, Net, NetLayer, NetOp};

/// The model file's IR of `net`, with its scaling, threshold and provenance.
pub fn to_model(
    net: &Net,
    preprocessing: Preprocessing,
    anomaly: Option<Anomaly>,
    provenance: Provenance,
) -> Model {
    let layers = net
        .layers
        .iter()
        .map(|l| Layer {
            name: l.name.clone(),
            op: match &l.op {
                NetOp::Dense(d) => Op::Dense(dense(d, &l.name)),
                NetOp::Gaussian { mu, log_var } => Op::GaussianHead(GaussianHead {
                    mu: dense(mu, &format!("{}.mu", l.name)),
                    log_var: dense(log_var, &format!("{}.log_var", l.name)),
                }),
                other => crate::export_ops::to_op(other, &l.name)
                    .expect("every op other than dense and gaussian is converted"),
            },
            activation: l.activation,
        })
        .collect();
    Model {
        kind: net.kind,
        input_shape: net.input_shape.clone(),
        layers,
        latent_layer: net.latent_layer,
        preprocessing,
        anomaly,
        provenance,
        data: None,
    }
}

fn dense(d: &DenseParams, prefix: &str) -> Dense {
    let (inputs, outputs) = (d.in_features(), d.out_features());
    let w = d.w.as_vec(); // (in, out) row-major
    let mut weight = vec![0.0f32; inputs * outputs];
    for i in 0..inputs {
        for o in 0..outputs {
            weight[o * inputs + i] = w[i * outputs + o];
        }
    }
    Dense {
        in_features: inputs,
        out_features: outputs,
        weight: IrTensor::f32(format!("{prefix}.weight"), vec![outputs, inputs], weight),
        bias: Some(IrTensor::f32(format!("{prefix}.bias"), vec![outputs], d.b.as_vec())),
        quant: None,
    }
}

/// A trainable net holding a model file's weights (e.g. to fine-tune, evaluate in batches, or
/// check parity). Only f32 weights are accepted.
pub fn from_model(model: &Model) -> Result<Net> {
    let dev = Cpu::default();
    let shapes = model.shapes();
    let mut layers = Vec::new();
    for (j, layer) in model.layers.iter().enumerate() {
        if let Some(op) = crate::export_ops::from_op(&dev, &layer.op, &shapes[j], &layer.name) {
            layers.push(NetLayer {
                name: layer.name.clone(),
                op: op?,
                activation: layer.activation,
            });
            continue;
        }
        let op = match &layer.op {
            Op::Dense(d) => NetOp::Dense(params(&dev, d, &layer.name)?),
            Op::GaussianHead(h) => NetOp::Gaussian {
                mu: params(&dev, &h.mu, &layer.name)?,
                log_var: params(&dev, &h.log_var, &layer.name)?,
            },
            other => bail!("layer `{}`: {} layers are not dense", layer.name, other.name()),
        };
        layers.push(NetLayer { name: layer.name.clone(), op, activation: layer.activation });
    }
    if model.kind == ModelKind::Vae
        && !matches!(layers[model.latent_layer].op, NetOp::Gaussian { .. })
    {
        bail!("a VAE's latent layer must be a Gaussian head");
    }
    Ok(Net {
        dev,
        kind: model.kind,
        input_shape: model.input_shape.clone(),
        layers,
        latent_layer: model.latent_layer,
        shapes,
    })
}

fn params(dev: &Cpu, d: &Dense, layer: &str) -> Result<DenseParams> {
    if d.weight.storage != Storage::F32 {
        bail!("layer `{layer}`: only f32 weights can be loaded for training");
    }
    let (inputs, outputs) = (d.in_features, d.out_features);
    let mut w = vec![0.0f32; inputs * outputs];
    for o in 0..outputs {
        for i in 0..inputs {
            w[i * outputs + o] = d.w(o, i);
        }
    }
    let b: Vec<f32> = (0..outputs).map(|o| d.b(o)).collect();
    Ok(DenseParams {
        w: dev.tensor_from_vec(w, (inputs, outputs)),
        b: dev.tensor_from_vec(b, (outputs,)),
    })
}
