//! The imported fixtures (tests/fixtures/import): models exported from Keras and PyTorch by
//! `tests/import/make_import_fixtures.py`, with the outputs of their own runtimes, and the
//! tinyae files `tinyae import` makes of them (written by the `import-fixtures` binary).

use std::path::PathBuf;

use tinyae_core::Model;
use tinyae_import::{import_file, Options};

/// Every exported model file whose import is committed, f32 first.
pub const MODELS: &[&str] = &[
    "torch_dense.onnx",
    "torch_conv.onnx",
    "torch_lstm.onnx",
    "keras_mnist_dense_small.tflite",
    "keras_mnist_dense_small.onnx",
    "keras_mnist_conv.tflite",
    "keras_mnist_conv.onnx",
    "keras_ecg_dense.tflite",
    "keras_ecg_dense.onnx",
    "keras_ecg_lstm.tflite",
    "keras_mnist_dense_int8.tflite",
    "keras_ecg_dense_int8.tflite",
];

/// `tests/fixtures/import/<file>`.
pub fn path(file: &str) -> PathBuf {
    crate::fixture("import").join(file)
}

/// The fixture name of an exported file: `keras_mnist_conv.tflite` → `keras_mnist_conv_tflite`.
pub fn name(file: &str) -> String {
    file.replace('.', "_")
}

/// Imports an exported fixture (panics with the import error).
pub fn import(file: &str) -> Model {
    import_file(&path(file), &Options::default()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The committed tinyae file of an import.
pub fn imported_path(file: &str) -> PathBuf {
    path(&format!("{}.safetensors", name(file)))
}

/// `{"inputs": [[..]], "outputs": [[..]]}` of an int8 fixture: the bytes the TFLite interpreter
/// consumed and produced.
pub fn expected_i8(file: &str) -> (Vec<Vec<i8>>, Vec<Vec<i8>>) {
    let (x, y) = expected(file);
    let bytes = |rows: Vec<Vec<f32>>| -> Vec<Vec<i8>> {
        rows.into_iter().map(|r| r.into_iter().map(|v| v as i8).collect()).collect()
    };
    (bytes(x), bytes(y))
}

/// `{"inputs": [[..]], "outputs": [[..]]}` of a fixture, as f32 rows.
pub fn expected(file: &str) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let p = path(&format!("{}.expected.json", name(file)));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let rows = |k: &str| -> Vec<Vec<f32>> {
        crate::rows(&doc, k)
            .into_iter()
            .map(|r| r.into_iter().map(|v| v as f32).collect())
            .collect()
    };
    (rows("inputs"), rows("outputs"))
}
