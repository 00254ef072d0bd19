//! IR → bytes, and the atomic file write every tinyae output goes through.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::schema::{AnomalyDoc, CalibrationDoc, MetricDoc, PreprocessingDoc, ProvenanceDoc};
use super::tensors::Encoded;
use super::{
    FORMAT_VERSION, KEY_ANOMALY, KEY_FORMAT_VERSION, KEY_GRAPH, KEY_PREPROCESSING, KEY_PROVENANCE,
};
use crate::activation::Activation;
use crate::ir::{Anomaly, Calibration, Metric, Model, Preprocessing, Provenance};

/// Serializes a model to the bytes of a `.safetensors` file.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, String> {
    let mut tensors: Vec<Encoded> = Vec::new();
    let mut layers = Vec::new();
    for layer in &model.layers {
        if !layer.op.takes_activation() && layer.activation != Activation::Linear {
            return Err(format!(
                "layer `{}`: a {} layer has no activation, found `{}`",
                layer.name,
                layer.op.name(),
                layer.activation.name()
            ));
        }
        let doc = layer.op.write(&layer.name, layer.activation, &mut tensors)?;
        layers.push(serde_json::to_value(doc).map_err(|e| e.to_string())?);
    }

    let graph = json!({
        "kind": model.kind.name(),
        "input_shape": model.input_shape,
        "latent_layer": model.latent_layer,
        "layers": layers,
    });
    let mut metadata = BTreeMap::new();
    metadata.insert(KEY_FORMAT_VERSION.to_owned(), FORMAT_VERSION.to_string());
    metadata.insert(KEY_GRAPH.to_owned(), graph.to_string());
    metadata.insert(
        KEY_PREPROCESSING.to_owned(),
        json_string(&preprocessing_doc(&model.preprocessing))?,
    );
    if let Some(anomaly) = &model.anomaly {
        metadata.insert(KEY_ANOMALY.to_owned(), json_string(&anomaly_doc(anomaly))?);
    }
    metadata.insert(KEY_PROVENANCE.to_owned(), json_string(&provenance_doc(&model.provenance))?);
    if let Some(recipe) = &model.data {
        metadata.insert(super::KEY_DATA.to_owned(), super::data::to_json(recipe)?);
    }

    Ok(container(metadata, tensors))
}

/// Lays out a safetensors container deterministically: the same model always gives the same
/// bytes (the `safetensors` crate writes its metadata map in hash order). Tensors go in order of
/// decreasing alignment, then name, as the `safetensors` crate does; the header is padded with
/// spaces to a multiple of 8 bytes so data stays aligned. The metadata gains the data's
/// integrity digest (`super::integrity`).
fn container(metadata: BTreeMap<String, String>, mut tensors: Vec<Encoded>) -> Vec<u8> {
    tensors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut metadata = metadata;
    metadata.insert(super::KEY_INTEGRITY.to_owned(), data_digest(&tensors));
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".to_owned(), json!(metadata));
    let mut offset = 0;
    for (key, dtype, shape, data) in &tensors {
        header.insert(
            key.clone(),
            json!({"dtype": format!("{dtype:?}"), "shape": shape, "data_offsets": [offset, offset + data.len()]}),
        );
        offset += data.len();
    }
    let mut header = Value::Object(header).to_string().into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut bytes = Vec::with_capacity(8 + header.len() + offset);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    for (_, _, _, data) in &tensors {
        bytes.extend_from_slice(data);
    }
    bytes
}

/// The integrity digest of the data section `tensors` will form, in their order.
fn data_digest(tensors: &[Encoded]) -> String {
    super::integrity::digest_parts(tensors.iter().map(|t| t.3.as_slice()))
}

/// Writes `bytes` to `path` so that readers see either the old file or the whole new one:
/// write a temporary file beside it, flush it to disk, then rename over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn json_string<T: serde::Serialize>(doc: &T) -> Result<String, String> {
    serde_json::to_string(doc).map_err(|e| e.to_string())
}

fn preprocessing_doc(p: &Preprocessing) -> PreprocessingDoc {
    match p {
        Preprocessing::None => PreprocessingDoc::None,
        Preprocessing::MinMax { min, max } => {
            PreprocessingDoc::MinMax { min: min.clone(), max: max.clone() }
        }
        Preprocessing::Standard { mean, std } => {
            PreprocessingDoc::Standard { mean: mean.clone(), std: std.clone() }
        }
    }
}

fn anomaly_doc(a: &Anomaly) -> AnomalyDoc {
    AnomalyDoc {
        metric: match a.metric {
            Metric::Mse => MetricDoc::Mse,
            Metric::Mae => MetricDoc::Mae,
        },
        threshold: a.threshold,
        calibration: match &a.calibration {
            Calibration::Percentile { percentile, samples, split } => CalibrationDoc::Percentile {
                percentile: *percentile,
                samples: *samples,
                split: split.clone(),
            },
            Calibration::MeanStd { k, samples, split } => {
                CalibrationDoc::MeanStd { k: *k, samples: *samples, split: split.clone() }
            }
            Calibration::Manual => CalibrationDoc::Manual,
        },
    }
}

fn provenance_doc(p: &Provenance) -> ProvenanceDoc {
    ProvenanceDoc {
        tool: p.tool.clone(),
        dataset: p.dataset.clone(),
        epochs: p.epochs,
        seed: p.seed,
        train_loss: p.train_loss,
        val_loss: p.val_loss,
        extra: p.extra.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect(),
    }
}
