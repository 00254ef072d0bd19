//! The model file: a safetensors file whose `__metadata__` describes the whole model.
//!
//! `docs/FORMAT.md` is the specification; this module is its implementation. Metadata values
//! are strings (a safetensors rule), so each structured entry holds a JSON document.

mod container;
pub mod data;
mod keys;
mod quant;
mod read;
mod schema;
pub(crate) mod strict;
mod tensors;
mod write;

pub use data::KEY_DATA;
pub(crate) use quant::{collect_quantized, quantization_doc, read_quantization, QuantizationDoc};
pub use read::read;
pub use tensors::{encode, Encoded, Tensors};
pub use write::{to_bytes, write_atomic};

/// The format version this tinyae writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// `__metadata__` key holding the format version, a decimal integer string.
pub const KEY_FORMAT_VERSION: &str = "tinyae.format_version";
/// `__metadata__` key holding the graph (JSON).
pub const KEY_GRAPH: &str = "tinyae.graph";
/// `__metadata__` key holding the input preprocessing (JSON; optional, default none).
pub const KEY_PREPROCESSING: &str = "tinyae.preprocessing";
/// `__metadata__` key holding the anomaly metric and threshold (JSON; optional).
pub const KEY_ANOMALY: &str = "tinyae.anomaly";
/// `__metadata__` key holding provenance (JSON; optional).
pub const KEY_PROVENANCE: &str = "tinyae.provenance";

/// Every `__metadata__` key under `tinyae.` a model file may hold; readers reject others
/// (a misspelt key would otherwise be ignored, e.g. the input scaling silently dropped).
pub const KEYS: &[&str] =
    &[KEY_FORMAT_VERSION, KEY_GRAPH, KEY_PREPROCESSING, KEY_ANOMALY, KEY_PROVENANCE, KEY_DATA];

/// Largest width of any layer: far beyond any microcontroller, small enough to catch garbage.
pub const MAX_DIM: usize = 1 << 20;
/// Largest parameter count of a whole model (64 MiB of f32 weights).
pub const MAX_PARAMS: usize = 16 << 20;
