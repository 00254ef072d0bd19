//! Full-integer int8 models: FULLY_CONNECTED layers become tinyae's int8 dense layers (the
//! same integers: int8 weights symmetric per output channel, int32 biases in units of
//! `input_scale · weight_scale`, per-tensor activation parameters), and LOGISTIC/TANH after
//! one become its 256-entry activation table (docs/FORMAT.md, "int8 layers"), built the way
//! TFLite's reference kernel builds its table.

use tinyae_core::ir::{Layer, Op, QParams, Quantization, Storage, Tensor};
use tinyae_core::Activation;

use super::schema::{Operator, TensorInfo};
use super::{tensor, Walk};
use crate::error::{Result, Site};
use crate::view::View;

/// Per-tensor parameters of an int8 activation tensor.
pub fn qparams(t: &TensorInfo<'_>, site: &Site) -> Result<QParams> {
    let q = t
        .quant
        .as_ref()
        .ok_or_else(|| site.err(format!("tensor `{}` has no quantization parameters", t.name)))?;
    let (&[scale], &[zero_point]) = (q.scale.as_slice(), q.zero_point.as_slice()) else {
        return Err(site.err(format!(
            "tensor `{}` is quantized per channel; activations must be per tensor",
            t.name
        )));
    };
    if !(scale.is_finite() && scale > 0.0 && (-128..=127).contains(&zero_point)) {
        return Err(
            site.err(format!("tensor `{}` has scale {scale} and zero point {zero_point}", t.name))
        );
    }
    Ok(QParams { scale, zero_point: zero_point as i32 })
}

/// An int8 FULLY_CONNECTED layer.
pub fn fully_connected(
    w: &mut Walk<'_, '_>,
    o: &Operator<'_>,
    site: &Site,
    v: &View,
) -> Result<View> {
    let input = qparams(tensor(w.graph, o.inputs[0])?, site)?;
    let output = qparams(tensor(w.graph, o.outputs[0])?, site)?;
    let wt = tensor(w.graph, o.inputs[1])?;
    let &[out, inp] = wt.shape.as_slice() else {
        return Err(site.err("has weights that are not a matrix"));
    };
    let values = wt.values().map_err(|e| site.err(format!("weights `{}` {e}", wt.name)))?;
    let q = wt.quant.as_ref().ok_or_else(|| site.err("has int8 weights without scales"))?;
    if q.zero_point.iter().any(|&z| z != 0) {
        return Err(site
            .err("has asymmetric weights (a non-zero weight zero point)")
            .help("tinyae's int8 weights are symmetric, as TFLite's converter writes them"));
    }
    let scales: Vec<f32> = match q.scale.len() {
        1 => vec![q.scale[0]; out],
        n if n == out && q.dim == 0 => q.scale.clone(),
        n => return Err(site.err(format!("has {n} weight scales for {out} outputs"))),
    };
    let bias: Vec<i32> = match *o.inputs.get(2).unwrap_or(&-1) {
        i if i >= 0 => tensor(w.graph, i)?
            .values()
            .map_err(|e| site.err(format!("bias {e}")))?
            .iter()
            .map(|&b| b as i32)
            .collect(),
        _ => Vec::new(),
    };
    let (want, rows) = crate::onnx::rows_want(v, inp);
    let taken = w.builder.take(site, &rows, want)?;
    if taken.affine.is_some() {
        return Err(site.err("follows a scaling that an int8 layer cannot absorb"));
    }
    let weights: Vec<f32> = values.iter().map(|&x| x as f32).collect();
    let mut d = crate::fold::dense(&site.node, out, inp, weights, None, &taken);
    d.weight.storage = Storage::I8;
    if !bias.is_empty() {
        d.bias = Some(Tensor {
            key: format!("{}.bias", site.node),
            shape: vec![out],
            storage: Storage::I32,
            values: bias.iter().map(|&b| b as f32).collect(),
        });
    }
    d.quant = Some(Box::new(Quantization {
        weight_scale: Tensor::f32(format!("{}.weight_scale", site.node), vec![out], scales),
        bias,
        input,
        output,
        pre_activation: None,
    }));
    w.builder.push(site, Op::Dense(d));
    let shape = tensor(w.graph, o.outputs[0])?.shape.clone();
    View::identity(&[v.numel() / inp * out])
        .reshape(&shape)
        .ok_or_else(|| site.err(format!("declares an output of shape {shape:?}")))
}

/// LOGISTIC, TANH or RELU on int8 values: the activation of the int8 dense layer before it,
/// whose output parameters become its pre-activation parameters (a table activation), or for
/// RELU with unchanged parameters a clamp at the zero point.
pub fn activation(
    w: &mut Walk<'_, '_>,
    o: &Operator<'_>,
    site: &Site,
    act: Activation,
) -> Result<()> {
    let input = qparams(tensor(w.graph, o.inputs[0])?, site)?;
    let output = qparams(tensor(w.graph, o.outputs[0])?, site)?;
    let Some(Layer { op: Op::Dense(d), activation, .. }) = w.builder.layers.last_mut() else {
        return Err(site.err("follows no int8 dense layer").help("tinyae's int8 activations belong to a dense layer (int8 convolutions are not imported yet)"));
    };
    let q = d.quant.as_deref_mut().filter(|q| q.output == input && q.pre_activation.is_none());
    let Some(q) = q.filter(|_| *activation == Activation::Linear) else {
        return Err(site.err("follows a layer that already has an activation"));
    };
    if act == Activation::Relu && input == output {
        *activation = Activation::Relu;
        return Ok(());
    }
    q.pre_activation = Some(input);
    q.output = output;
    *activation = act;
    Ok(())
}

/// The refusal for int8 ops tinyae has no int8 layer for yet.
pub fn unsupported(site: &Site) -> crate::error::ImportError {
    site.err("is int8, and tinyae imports int8 dense layers only (int8 convolutions, pooling and LSTMs are not imported yet)").help(
        "convert this model without full-integer quantization, import the f32 .tflite, and quantize it with `tinyae quantize`",
    )
}

/// Whether an int8 model's op is an activation the int8 path maps to a table.
pub fn is_activation(code: i32) -> Option<Activation> {
    use super::schema::op;
    match code {
        op::LOGISTIC => Some(Activation::Sigmoid),
        op::TANH => Some(Activation::Tanh),
        op::RELU => Some(Activation::Relu),
        _ => None,
    }
}
