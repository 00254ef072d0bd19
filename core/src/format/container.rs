//! The safetensors header's tensor entries checked before the safetensors crate reads them, so
//! each problem names its tensor: an unknown dtype (the crate calls the header "not valid
//! JSON"), a byte length that disagrees with dtype and shape (the crate names no tensor), and
//! data no entry covers (the crate blames the next tensor's offsets, though the usual cause is
//! a missing entry, which the graph names).

use serde_json::{Map, Value};

use super::KEY_GRAPH;
use crate::error::{Error, ErrorKind, Errors};

/// The dtypes safetensors defines with their sizes in bytes (`None`: packed below a byte).
const DTYPES: &[(&str, Option<usize>)] = &[
    ("BOOL", Some(1)),
    ("U8", Some(1)),
    ("I8", Some(1)),
    ("F8_E5M2", Some(1)),
    ("F8_E4M3", Some(1)),
    ("F8_E8M0", Some(1)),
    ("F8_E4M3FNUZ", Some(1)),
    ("F8_E5M2FNUZ", Some(1)),
    ("I16", Some(2)),
    ("U16", Some(2)),
    ("F16", Some(2)),
    ("BF16", Some(2)),
    ("I32", Some(4)),
    ("U32", Some(4)),
    ("F32", Some(4)),
    ("C64", Some(8)),
    ("F64", Some(8)),
    ("I64", Some(8)),
    ("U64", Some(8)),
    ("F4", None),
    ("F6_E2M3", None),
    ("F6_E3M2", None),
];

/// One tensor entry: key, dtype name, shape, data offsets.
struct Entry<'a> {
    key: &'a str,
    dtype: &'a str,
    shape: Vec<u64>,
    offsets: [u64; 2],
}

/// Checks the tensor entries of `header` (the parsed header JSON). Entries whose fields do not
/// even have the right JSON types are left to the safetensors crate.
pub(super) fn check(header: &Map<String, Value>) -> Result<(), Errors> {
    let mut errors = Vec::new();
    let mut entries: Vec<Entry<'_>> = header
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .filter_map(|(key, v)| entry(key, v))
        .collect();
    for e in &entries {
        let Some(&(_, size)) = DTYPES.iter().find(|(name, _)| *name == e.dtype) else {
            errors.push(
                Error::new(
                    ErrorKind::WrongDtype,
                    format!("tensor `{}` has dtype `{}`, which safetensors does not define", e.key, e.dtype),
                )
                .help("store the tensor as F32, F16 or BF16 (I8 weights and I32 biases in an int8 layer)"),
            );
            continue;
        };
        let need = size.and_then(|s| e.shape.iter().try_fold(s as u64, |n, d| n.checked_mul(*d)));
        let [begin, end] = e.offsets;
        if let (Some(need), Some(span)) = (need, end.checked_sub(begin)) {
            if need != span {
                errors.push(
                    Error::new(
                        ErrorKind::NotSafetensors,
                        format!(
                            "tensor `{}` has dtype {} and shape {:?}, which take {need} bytes, but its `data_offsets` [{begin}, {end}] span {span}",
                            e.key, e.dtype, e.shape
                        ),
                    )
                    .help("the header and the data disagree; export the file again"),
                );
            }
        }
    }
    if errors.is_empty() {
        entries.sort_by_key(|e| e.offsets);
        if let Some(error) = uncovered_data(&entries, header) {
            errors.push(error);
        }
    }
    match Errors::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok(()),
    }
}

fn entry<'a>(key: &'a str, v: &'a Value) -> Option<Entry<'a>> {
    let dtype = v.get("dtype")?.as_str()?;
    let shape = v.get("shape")?.as_array()?.iter().map(Value::as_u64).collect::<Option<_>>()?;
    let offsets = v.get("data_offsets")?.as_array()?;
    let offsets = [offsets.first()?.as_u64()?, offsets.get(1)?.as_u64()?];
    Some(Entry { key, dtype, shape, offsets })
}

/// The first stretch of data bytes no entry covers (entries sorted by offset), blamed on the
/// tensors the graph names but the header lacks when there are any.
fn uncovered_data(entries: &[Entry<'_>], header: &Map<String, Value>) -> Option<Error> {
    let mut at = 0u64;
    for e in entries {
        let [begin, end] = e.offsets;
        if begin > at {
            let missing = graph_keys(header)
                .into_iter()
                .filter(|k| !header.contains_key(k))
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>();
            let message = if missing.is_empty() {
                format!("bytes {at}..{begin} of the tensor data belong to no tensor (the next entry, `{}`, starts at {begin})", e.key)
            } else {
                format!(
                    "the header has no entry for tensor {} (named by `{KEY_GRAPH}`): bytes {at}..{begin} of the tensor data belong to no tensor",
                    missing.join(", ")
                )
            };
            return Some(
                Error::new(ErrorKind::NotSafetensors, message)
                    .help("a tensor entry is missing from the header or its offsets are wrong; export the file again"),
            );
        }
        at = at.max(end);
    }
    None
}

/// The tensor keys the graph names: string values of layer fields whose names hold `weight`
/// or `bias` (`weight`, `bias_ih`, `weight_scale`, a head's `mu.weight`, ...).
fn graph_keys(header: &Map<String, Value>) -> Vec<String> {
    fn walk(v: &Value, field: &str, out: &mut Vec<String>) {
        match v {
            Value::String(s) if field.contains("weight") || field.contains("bias") => {
                out.push(s.clone());
            }
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, k, out)),
            Value::Array(items) => items.iter().for_each(|v| walk(v, field, out)),
            _ => {}
        }
    }
    let text = header.get("__metadata__").and_then(|m| m.get(KEY_GRAPH)).and_then(Value::as_str);
    let graph: Value = text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
    let mut out = Vec::new();
    walk(&graph, "", &mut out);
    out.sort();
    out.dedup();
    out
}
