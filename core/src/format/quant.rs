//! Reading and writing a dense layer's `quantization` object (docs/FORMAT.md, "int8 layers").
//! Value rules (ranges, shapes, dtypes) are `validate`'s; this stage only resolves tensors.

use safetensors::Dtype;
use serde::{Deserialize, Serialize};

use super::tensors::{encode, Encoded, Tensors};
use crate::error::{Error, ErrorKind};
use crate::ir::{Dense, QParams, Quantization};

/// `"quantization": {...}` of a dense layer.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuantizationDoc {
    /// Key of the `F32 [out]` per-channel weight scales.
    pub weight_scale: String,
    pub input: QParamsDoc,
    pub output: QParamsDoc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_activation: Option<QParamsDoc>,
}

/// `{"scale": 0.02, "zero_point": -3}`.
#[derive(Debug, Deserialize, Serialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct QParamsDoc {
    pub scale: f32,
    pub zero_point: i32,
}

impl From<QParamsDoc> for QParams {
    fn from(d: QParamsDoc) -> Self {
        QParams { scale: d.scale, zero_point: d.zero_point }
    }
}

impl From<QParams> for QParamsDoc {
    fn from(p: QParams) -> Self {
        QParamsDoc { scale: p.scale, zero_point: p.zero_point }
    }
}

/// Resolves the quantization of the dense layer `owner` whose bias key is `bias`.
pub(crate) fn read_quantization(
    doc: &QuantizationDoc,
    bias: Option<&str>,
    tensors: &Tensors<'_>,
    owner: &str,
) -> Result<Quantization, Error> {
    let weight_scale = tensors.get(&doc.weight_scale, &format!("the weight scales of {owner}"))?;
    let bias = match bias {
        // A bias of another dtype is reported by `validate` with the layer's other problems.
        Some(key) => tensors.i32_values(key).unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Quantization {
        weight_scale,
        bias,
        input: doc.input.into(),
        output: doc.output.into(),
        pre_activation: doc.pre_activation.map(Into::into),
    })
}

/// The document of a layer's quantization.
pub(crate) fn quantization_doc(q: &Quantization) -> QuantizationDoc {
    QuantizationDoc {
        weight_scale: q.weight_scale.key.clone(),
        input: q.input.into(),
        output: q.output.into(),
        pre_activation: q.pre_activation.map(Into::into),
    }
}

/// The tensors of a quantized dense layer: I8 weights, the exact I32 bias, F32 scales.
pub(crate) fn collect_quantized(
    d: &Dense,
    q: &Quantization,
    out: &mut Vec<Encoded>,
) -> Result<(), Error> {
    out.push(encode(&d.weight));
    if let Some(b) = &d.bias {
        if q.bias.len() != b.numel() {
            return Err(Error::new(
                ErrorKind::ShapeMismatch,
                format!(
                    "bias `{}` has {} exact values, expected {}",
                    b.key,
                    q.bias.len(),
                    b.numel()
                ),
            ));
        }
        let data = q.bias.iter().flat_map(|v| v.to_le_bytes()).collect();
        out.push((b.key.clone(), Dtype::I32, b.shape.clone(), data));
    }
    out.push(encode(&q.weight_scale));
    Ok(())
}
