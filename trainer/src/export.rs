//! Net ⇄ IR: the trainer writes through `tinyae-core` (one format, one writer).
//!
//! dfdx keeps weights `(in, out)` for `x · W`; the file keeps PyTorch's `[out, in]`, so both
//! directions transpose. Nothing else changes: values are copied bit for bit.

use anyhow::{bail, Result};
use dfdx::prelude::*;
use tinyae_core::ir::{Anomaly, Layer, Model, ModelKind, Preprocessing, Provenance};

use crate::export_ops::{net_op, Weights};
use crate::net::{Net, NetLayer, NetOp};

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
            op: crate::export_ops::to_op(&l.op, &l.name),
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
    }
}

/// A trainable net holding a model file's weights (e.g. to fine-tune, evaluate in batches, or
/// check parity). Only f32 weights are accepted.
pub fn from_model(model: &Model) -> Result<Net> {
    let dev = Cpu::default();
    let shapes = model.shapes();
    let mut layers = Vec::new();
    for (j, layer) in model.layers.iter().enumerate() {
        let op = net_op(&dev, &layer.op, &shapes[j], &layer.name, Weights::Copy)?;
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
