//! Import ONNX and TensorFlow Lite autoencoders as tinyae models.
//!
//! [`import_file`] reads a `.onnx` file (from `torch.onnx.export` or tf2onnx) or a `.tflite`
//! file (f32, or full-integer int8) and returns a validated [`tinyae_core::Model`], ready for
//! [`tinyae_core::format::to_bytes`]. What is supported, and how each exporter's patterns map
//! to tinyae's layers, is in docs/IMPORT.md.

mod builder;
mod error;
mod fold;
mod model;
mod onnx;
mod tflite;
mod view;

pub use error::ImportError;
pub use model::{import_bytes, import_file, Format, Options};
