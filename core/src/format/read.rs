//! Bytes → IR: container checks, metadata parsing, tensor resolution.
//!
//! Structural rules that need the whole model (shape chains, finiteness, ...) are left to
//! `validate`; this stage only fails where it cannot build the IR at all.

use std::collections::HashMap;

use safetensors::{SafeTensorError, SafeTensors};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::schema::{
    AnomalyDoc, CalibrationDoc, GraphDoc, MetricDoc, PreprocessingDoc, ProvenanceDoc,
};
use super::tensors::Tensors;
use super::{
    FORMAT_VERSION, KEY_ANOMALY, KEY_FORMAT_VERSION, KEY_GRAPH, KEY_PREPROCESSING, KEY_PROVENANCE,
};
use crate::error::{Error, ErrorKind, Errors};
use crate::ir::{Anomaly, Calibration, Layer, Metric, Model, ModelKind, Preprocessing, Provenance};
use crate::op::{self, OpDoc};

/// Parses a model file's bytes into the IR.
pub fn read(bytes: &[u8]) -> Result<Model, Errors> {
    check_container(bytes)?;
    if let Some(header) = header_json(bytes) {
        super::container::check(&header)?;
    }
    let file = SafeTensors::deserialize(bytes).map_err(|e| container_error(e, bytes))?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| container_error(e, bytes))?;
    let metadata = header.metadata().clone().ok_or_else(|| {
        Error::new(ErrorKind::MissingMetadata, "file has no `__metadata__`: it is a plain safetensors file, not a tinyae model")
            .help(format!(
                "add the `{KEY_FORMAT_VERSION}` and `{KEY_GRAPH}` entries described in docs/FORMAT.md, or train with `tinyae train`"
            ))
    })?;

    check_version(&metadata)?;
    super::keys::check(&metadata)?;
    let graph: GraphDoc = parse_entry(&metadata, KEY_GRAPH)?.ok_or_else(|| missing(KEY_GRAPH))?;
    let preprocessing = parse_entry::<PreprocessingDoc>(&metadata, KEY_PREPROCESSING)?;
    let anomaly = parse_entry::<AnomalyDoc>(&metadata, KEY_ANOMALY)?;
    let provenance = parse_entry::<ProvenanceDoc>(&metadata, KEY_PROVENANCE)?;
    let data = super::data::parse(&metadata, checked_len(&graph.input_shape))?;

    let kind = match graph.kind.as_str() {
        "autoencoder" => ModelKind::Autoencoder,
        "vae" => ModelKind::Vae,
        other => {
            return Err(Error::new(
                ErrorKind::BadMetadata,
                format!(
                    "`{KEY_GRAPH}`: unknown model kind `{other}`, expected `autoencoder` or `vae`"
                ),
            )
            .help("use \"autoencoder\" or \"vae\"")
            .into())
        }
    };

    let tensors = Tensors { file: &file };
    let mut errors = Vec::new();
    let mut layers = Vec::new();
    for (index, value) in graph.layers.iter().enumerate() {
        match parse_layer(index, value, &tensors) {
            Ok(layer) => layers.push(layer),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if let Some(errors) = Errors::from_vec(errors) {
        return Err(errors);
    }

    Ok(Model {
        kind,
        input_shape: graph.input_shape,
        layers,
        latent_layer: graph.latent_layer,
        preprocessing: preprocessing.map_or(Preprocessing::None, convert_preprocessing),
        anomaly: anomaly.map(convert_anomaly),
        provenance: provenance.map(convert_provenance).unwrap_or_default(),
        data,
    })
}

/// Checks what the safetensors crate would report vaguely: too short, not JSON, header too long.
fn check_container(bytes: &[u8]) -> Result<(), Error> {
    let not_safetensors = |why: String| {
        Error::new(ErrorKind::NotSafetensors, format!("not a safetensors file: {why}")).help(
            "point the macro at the `.safetensors` file written by `tinyae train` or `safetensors.torch.save_file`",
        )
    };
    if bytes.len() < 8 {
        return Err(not_safetensors(format!(
            "it has {} bytes, fewer than the 8-byte header length",
            bytes.len()
        )));
    }
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
    let head = &bytes[..bytes.len().min(16)];
    if head.iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) {
        let text = String::from_utf8_lossy(head);
        return Err(not_safetensors(format!(
            "it starts with text (`{}...`), expected an 8-byte header length",
            text.trim_end()
        )));
    }
    match bytes.get(8) {
        Some(b'{') => {}
        found => {
            let found = match found {
                None => "the end of the file".to_owned(),
                Some(b) if b.is_ascii_graphic() => format!("`{}`", char::from(*b)),
                Some(b) => format!("byte 0x{b:02x}"),
            };
            return Err(not_safetensors(format!(
                "expected a JSON header starting with `{{` after the 8-byte length, found {found}"
            )));
        }
    }
    let available = (bytes.len() - 8) as u64;
    if header_len > available {
        return Err(Error::new(
            ErrorKind::Truncated,
            format!(
                "safetensors header is longer than the file: it declares {header_len} bytes but only {available} follow"
            ),
        )
        .help("the file is truncated; copy or export it again"));
    }
    Ok(())
}

/// The header as JSON, when it is a JSON object (otherwise the safetensors crate reports it).
fn header_json(bytes: &[u8]) -> Option<serde_json::Map<String, Value>> {
    let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    serde_json::from_slice(bytes.get(8..n.checked_add(8)?)?).ok()
}

fn container_error(error: SafeTensorError, bytes: &[u8]) -> Error {
    let regenerate = "the file is damaged; copy or export it again";
    match error {
        SafeTensorError::InvalidHeader(_) => {
            Error::new(ErrorKind::NotSafetensors, "not a safetensors file: the header is not UTF-8")
                .help(regenerate)
        }
        SafeTensorError::InvalidHeaderDeserialization(e) => Error::new(
            ErrorKind::NotSafetensors,
            format!("safetensors header is not valid JSON: {e}"),
        )
        .help(regenerate),
        SafeTensorError::MetadataIncompleteBuffer => {
            let declared = declared_data_len(bytes);
            let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
            let header_len = usize::try_from(header_len).unwrap_or(usize::MAX);
            let actual = bytes.len().saturating_sub(header_len.saturating_add(8));
            let what = match declared {
                Some(d) if d > actual => format!(
                    "file is truncated: the header describes {d} bytes of tensor data but only {actual} follow"
                ),
                Some(d) => format!(
                    "file has {} unexpected bytes after its tensor data ({d} bytes described, {actual} present)",
                    actual - d
                ),
                None => "tensor data does not match the header".to_owned(),
            };
            Error::new(ErrorKind::Truncated, what).help(regenerate)
        }
        SafeTensorError::InvalidOffset(name) => Error::new(
            ErrorKind::NotSafetensors,
            format!("tensor `{name}` has data offsets that overlap or leave gaps"),
        )
        .help(regenerate),
        SafeTensorError::TensorInvalidInfo => Error::new(
            ErrorKind::NotSafetensors,
            "a tensor's byte length does not match its dtype and shape",
        )
        .help(regenerate),
        other => {
            Error::new(ErrorKind::NotSafetensors, format!("not a valid safetensors file: {other}"))
                .help(regenerate)
        }
    }
}

/// The data length the header promises (the largest end offset), if the header can be read.
fn declared_data_len(bytes: &[u8]) -> Option<usize> {
    let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let header: Value = serde_json::from_slice(bytes.get(8..n.checked_add(8)?)?).ok()?;
    header
        .as_object()?
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .filter_map(|(_, v)| v.get("data_offsets")?.get(1)?.as_u64())
        .max()
        .map(|m| m as usize)
}

fn missing(key: &str) -> Error {
    Error::new(ErrorKind::MissingMetadata, format!("`__metadata__` has no `{key}` entry"))
        .help("see docs/FORMAT.md for the entries a tinyae model file carries")
}

fn check_version(metadata: &HashMap<String, String>) -> Result<(), Error> {
    let Some(text) = metadata.get(KEY_FORMAT_VERSION) else {
        return Err(Error::new(
            ErrorKind::FormatVersion,
            format!("`__metadata__` has no `{KEY_FORMAT_VERSION}` entry"),
        )
        .help(format!("add \"{KEY_FORMAT_VERSION}\": \"{FORMAT_VERSION}\" (docs/FORMAT.md)")));
    };
    // Digits only: `parse` would take `+1`, and whitespace is not part of the format.
    let digits = !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit());
    let version = text.parse::<u32>().ok().filter(|_| digits);
    match version {
        Some(v) if (1..=FORMAT_VERSION).contains(&v) => Ok(()),
        Some(v) if v > FORMAT_VERSION => Err(Error::new(
            ErrorKind::FormatVersion,
            format!(
                "format version {v} is newer than this tinyae understands (up to {FORMAT_VERSION})"
            ),
        )
        .help("upgrade tinyae, or re-export the model with this version's trainer")),
        _ => Err(Error::new(
            ErrorKind::FormatVersion,
            format!(
                "`{KEY_FORMAT_VERSION}` must be a positive integer in decimal digits (no sign, spaces or leading zeros), found `{text}`"
            ),
        )
        .help(format!("write \"{FORMAT_VERSION}\""))),
    }
}

fn parse_entry<T: DeserializeOwned>(
    metadata: &HashMap<String, String>,
    key: &str,
) -> Result<Option<T>, Error> {
    let Some(text) = metadata.get(key) else { return Ok(None) };
    let section = match key {
        KEY_GRAPH => "§Graph",
        KEY_PREPROCESSING => "§Preprocessing",
        KEY_ANOMALY => "§Anomaly",
        KEY_PROVENANCE => "§Provenance",
        _ => "§Metadata entries",
    };
    super::strict::entry(key, text, section).map(Some)
}

fn parse_layer(index: usize, value: &Value, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
    let name = value.get("name").and_then(Value::as_str).unwrap_or("?").to_owned();
    let at = format!("layer {index} (`{name}`)");
    let bad = |message: String, help: &str| {
        vec![Error::new(ErrorKind::BadMetadata, format!("`{KEY_GRAPH}` {at}: {message}")).help(help)]
    };
    let op = match value.get("op") {
        Some(Value::String(op)) => op.as_str(),
        _ => return Err(bad("has no string `op`".to_owned(), "add e.g. \"op\": \"dense\"")),
    };
    if value.get("quantization").is_some() && op != "dense" {
        return Err(vec![Error::new(
            ErrorKind::Unsupported,
            format!("{at}: int8 quantization is defined for dense layers only, found it on a {op} layer"),
        )
        .help("store this layer's weights as F32, F16 or BF16")]);
    }
    if !op::NAMES.contains(&op) {
        let all = op::NAMES.join(", ");
        return Err(bad(
            format!("unknown op `{op}`, expected one of {all}"),
            &format!("supported ops: {all}"),
        ));
    }
    // Typed by the `op` tag; the layer's index and name, and the failing field, are added to
    // serde's message.
    let doc = OpDoc::from_value(op, value).map_err(|(path, message)| {
        let message = if path.is_empty() { message } else { format!("`{path}`: {message}") };
        bad(message, &format!("see docs/FORMAT.md {}", op::section(op)))
    })?;
    doc.read(&at, tensors)
}

fn convert_preprocessing(doc: PreprocessingDoc) -> Preprocessing {
    match doc {
        PreprocessingDoc::None => Preprocessing::None,
        PreprocessingDoc::MinMax { min, max } => Preprocessing::MinMax { min, max },
        PreprocessingDoc::Standard { mean, std } => Preprocessing::Standard { mean, std },
    }
}

fn convert_anomaly(doc: AnomalyDoc) -> Anomaly {
    Anomaly {
        metric: match doc.metric {
            MetricDoc::Mse => Metric::Mse,
            MetricDoc::Mae => Metric::Mae,
        },
        threshold: doc.threshold,
        calibration: match doc.calibration {
            CalibrationDoc::Percentile { percentile, samples, split } => {
                Calibration::Percentile { percentile, samples, split }
            }
            CalibrationDoc::MeanStd { k, samples, split } => {
                Calibration::MeanStd { k, samples, split }
            }
            CalibrationDoc::Manual => Calibration::Manual,
        },
    }
}

fn convert_provenance(doc: ProvenanceDoc) -> Provenance {
    Provenance {
        tool: doc.tool,
        dataset: doc.dataset,
        epochs: doc.epochs,
        seed: doc.seed,
        train_loss: doc.train_loss,
        val_loss: doc.val_loss,
        extra: doc
            .extra
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect(),
    }
}

/// Values of one input (`usize::MAX` when the shape's product overflows; validation reports it).
fn checked_len(shape: &[usize]) -> usize {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).unwrap_or(usize::MAX)
}
