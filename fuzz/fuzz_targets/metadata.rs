//! `tinyae_core::load` on a well-formed container whose `__metadata__` entries are arbitrary.
//!
//! Random bytes rarely get past the safetensors header, so this target keeps the container and
//! the sensor model's tensors fixed and lets the fuzzer write the JSON entries (graph,
//! preprocessing, anomaly, version), separated by `\0`. It reaches the graph parser and every
//! validation rule, and every model that loads is expanded by the code generator under every
//! option, as the macro would.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use tinyae_codegen::{Options, Parts, Unroll};

/// The sensor model's tensors: `enc.0` 3→2 and `dec.0` 2→3, F32, with their byte ranges.
const TENSORS: [(&str, [usize; 2], usize); 4] = [
    ("dec.0.bias", [3, 0], 12),
    ("dec.0.weight", [3, 2], 24),
    ("enc.0.bias", [2, 0], 8),
    ("enc.0.weight", [2, 3], 24),
];
const KEYS: [&str; 4] =
    ["tinyae.graph", "tinyae.preprocessing", "tinyae.anomaly", "tinyae.format_version"];

fuzz_target!(|bytes: &[u8]| {
    let mut metadata = Map::new();
    for (key, entry) in KEYS.iter().zip(bytes.split(|b| *b == 0)) {
        metadata.insert((*key).to_owned(), Value::String(String::from_utf8_lossy(entry).into()));
    }
    if !metadata.contains_key("tinyae.format_version") {
        metadata.insert("tinyae.format_version".to_owned(), json!("1"));
    }
    let mut header = Map::new();
    header.insert("__metadata__".to_owned(), Value::Object(metadata));
    let mut offset = 0;
    for (key, shape, len) in TENSORS {
        let shape: Vec<usize> = shape.into_iter().filter(|d| *d != 0).collect();
        header.insert(
            key.to_owned(),
            json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    let header = Value::Object(header).to_string();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header.as_bytes());
    // Weights 0.25 everywhere: finite, so only the metadata decides validity.
    file.extend(std::iter::repeat(0.25f32.to_le_bytes()).take(offset / 4).flatten());
    if let Ok(model) = tinyae_core::load(&file) {
        let _ = tinyae_core::cost::cost(&model);
        let _ = tinyae_core::reference::reconstruct(&model, &vec![0.5; model.input_len()]);
        for unroll in [Unroll::Full, Unroll::Loops, Unroll::Auto] {
            for parts in [Parts::All, Parts::Encoder, Parts::Decoder] {
                let _ = tinyae_codegen::expand_model(&model, "Fuzzed", Options { unroll, parts, ..Options::default() });
            }
        }
    }
});
