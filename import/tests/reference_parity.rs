//! Every f32 fixture of tests/fixtures/import, imported and run by tinyae's reference
//! interpreter, against the outputs onnxruntime and the TFLite interpreter (reference kernels)
//! computed when the fixture was made (tests/import/make_import_fixtures.py).

use std::path::{Path, PathBuf};

use tinyae_core::reference;
use tinyae_import::{import_file, Options};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import")
}

fn rows(doc: &serde_json::Value, key: &str) -> Vec<Vec<f32>> {
    doc[key]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array().expect("row").iter().map(|v| v.as_f64().expect("number") as f32).collect()
        })
        .collect()
}

/// Max |tinyae - framework| over every output of every test vector, compared in the model's
/// scaled space (what the framework's graph computes when it normalizes its input itself).
fn max_error(model_file: &str, expected: &str) -> f32 {
    let model = import_file(&fixtures().join(model_file), &Options::default())
        .unwrap_or_else(|e| panic!("{model_file}: {e}"));
    let text = std::fs::read_to_string(fixtures().join(format!("{expected}.expected.json")))
        .expect("expected");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut worst = 0.0f32;
    for (x, y) in rows(&doc, "inputs").iter().zip(rows(&doc, "outputs")) {
        let scaled = reference::scale_input(&model, x);
        let out = reference::run_from(&model.layers, &model.input_shape, &scaled);
        assert_eq!(out.len(), y.len(), "{model_file}: output length");
        for (a, b) in out.iter().zip(&y) {
            worst = worst.max((a - b).abs());
        }
    }
    println!("{model_file}: max |tinyae reference - framework| = {worst:.3e}");
    worst
}

#[test]
fn torch_dense() {
    assert!(max_error("torch_dense.onnx", "torch_dense") < 1e-5);
}

#[test]
fn torch_conv() {
    assert!(max_error("torch_conv.onnx", "torch_conv") < 1e-5);
}

#[test]
fn torch_lstm() {
    assert!(max_error("torch_lstm.onnx", "torch_lstm") < 1e-5);
}

#[test]
fn keras_mnist_dense_small_tflite() {
    assert!(max_error("keras_mnist_dense_small.tflite", "keras_mnist_dense_small") < 1e-5);
}

#[test]
fn keras_mnist_dense_small_onnx() {
    assert!(max_error("keras_mnist_dense_small.onnx", "keras_mnist_dense_small_onnx") < 1e-5);
}

#[test]
fn keras_mnist_conv_tflite() {
    assert!(max_error("keras_mnist_conv.tflite", "keras_mnist_conv") < 1e-5);
}

#[test]
fn keras_mnist_conv_onnx() {
    assert!(max_error("keras_mnist_conv.onnx", "keras_mnist_conv_onnx") < 1e-5);
}

#[test]
fn keras_ecg_dense_tflite() {
    assert!(max_error("keras_ecg_dense.tflite", "keras_ecg_dense") < 1e-5);
}

#[test]
fn keras_ecg_dense_onnx() {
    assert!(max_error("keras_ecg_dense.onnx", "keras_ecg_dense_onnx") < 1e-5);
}
