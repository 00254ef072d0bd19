//! The file format: round trips and every malformed-file error, named by kind and message.

mod common;

use std::collections::HashMap;

use common::assert_rejected;
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use serde_json::{json, Value};
use tinyae_core::format::{self, KEY_ANOMALY, KEY_FORMAT_VERSION, KEY_GRAPH, KEY_PREPROCESSING};
use tinyae_core::ir::{Anomaly, Calibration, Metric, Preprocessing};
use tinyae_core::{synth, Activation, ErrorKind, Errors};

/// The seeds' sensor model with scaling and a threshold, as bytes.
fn sensor_bytes() -> Vec<u8> {
    let mut m = synth::dense_autoencoder(&[3, 2, 3], Activation::Tanh, Activation::Sigmoid, 7);
    m.preprocessing =
        Preprocessing::MinMax { min: vec![0.0, 20.0, 95.0], max: vec![1.0, 80.0, 105.0] };
    m.anomaly = Some(Anomaly {
        metric: Metric::Mse,
        threshold: 0.0123,
        calibration: Calibration::Percentile {
            percentile: 95.0,
            samples: Some(200),
            split: Some("validation".into()),
        },
    });
    format::to_bytes(&m).unwrap()
}

/// A file with the sensor model's tensors and the given metadata entries replaced.
fn with_metadata(edit: impl FnOnce(&mut HashMap<String, String>)) -> Vec<u8> {
    let bytes = sensor_bytes();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut metadata = header.metadata().clone().unwrap();
    edit(&mut metadata);
    let views: Vec<(String, TensorView<'_>)> = file.tensors();
    safetensors::serialize(views, Some(metadata)).unwrap()
}

fn with_graph(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    with_metadata(|m| {
        let mut graph: Value = serde_json::from_str(&m[KEY_GRAPH]).unwrap();
        edit(&mut graph);
        m.insert(KEY_GRAPH.into(), graph.to_string());
    })
}

fn load_err(bytes: &[u8]) -> Errors {
    tinyae_core::load(bytes).expect_err("file should be rejected")
}

#[test]
fn round_trips_a_model_bit_for_bit() {
    let bytes = sensor_bytes();
    let model = tinyae_core::load(&bytes).unwrap();
    let again = format::to_bytes(&model).unwrap();
    assert_eq!(tinyae_core::load(&again).unwrap(), model);
    assert_eq!(model.anomaly.as_ref().unwrap().threshold, 0.0123f32);
}

#[test]
fn keeps_f16_and_bf16_storage() {
    let mut m = synth::dense_autoencoder(&[4, 2, 4], Activation::Relu, Activation::Linear, 1);
    for layer in &mut m.layers {
        if let tinyae_core::ir::Op::Dense(d) = &mut layer.op {
            d.weight.storage = tinyae_core::ir::Storage::F16;
            d.weight.values.iter_mut().for_each(|v| *v = half::f16::from_f32(*v).to_f32());
        }
    }
    let back = tinyae_core::load(&format::to_bytes(&m).unwrap()).unwrap();
    assert_eq!(back, m);
}

#[test]
fn rejects_files_that_are_not_safetensors() {
    assert_rejected(b"abc", ErrorKind::NotSafetensors, "fewer than the 8-byte header length");
    assert_rejected(
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        ErrorKind::NotSafetensors,
        "expected a JSON header starting with `{` after the 8-byte length, found byte 0x00",
    );
    assert_rejected(
        b"vibration,temperature\n0.1,61\n",
        ErrorKind::NotSafetensors,
        "it starts with text (`vibration,temper...`), expected an 8-byte header length",
    );
    let mut bad_json = 10u64.to_le_bytes().to_vec();
    bad_json.extend_from_slice(b"{not json}");
    assert_rejected(&bad_json, ErrorKind::NotSafetensors, "not valid JSON");
}

#[test]
fn rejects_truncated_files() {
    let bytes = sensor_bytes();
    assert_rejected(&bytes[..bytes.len() - 5], ErrorKind::Truncated, "file is truncated");
    let mut long = bytes.clone();
    long.extend_from_slice(&[0; 3]);
    assert_rejected(&long, ErrorKind::Truncated, "3 unexpected bytes");
    let mut header_too_long = bytes[..8].to_vec();
    header_too_long.extend_from_slice(b"{\"a\":1}");
    assert_rejected(&header_too_long, ErrorKind::Truncated, "header is longer than the file");
}

#[test]
fn rejects_missing_or_future_versions() {
    let b = with_metadata(|m| {
        m.remove(KEY_FORMAT_VERSION);
    });
    assert_rejected(&b, ErrorKind::FormatVersion, "no `tinyae.format_version` entry");
    let b = with_metadata(|m| {
        m.insert(KEY_FORMAT_VERSION.into(), "7".into());
    });
    assert_rejected(&b, ErrorKind::FormatVersion, "format version 7 is newer");
    let b = with_metadata(|m| {
        m.insert(KEY_FORMAT_VERSION.into(), "one".into());
    });
    assert_rejected(&b, ErrorKind::FormatVersion, "must be a positive integer");
}

#[test]
fn rejects_plain_safetensors_without_metadata() {
    let data = [0u8; 8];
    let view = TensorView::new(Dtype::F32, vec![2], &data).unwrap();
    let bytes = safetensors::serialize([("w", view)], None).unwrap();
    assert_rejected(&bytes, ErrorKind::MissingMetadata, "plain safetensors file");
}

#[test]
fn rejects_bad_metadata_json() {
    let b = with_metadata(|m| {
        m.insert(KEY_GRAPH.into(), "{\"kind\": ".into());
    });
    assert_rejected(&b, ErrorKind::BadMetadata, "`tinyae.graph` is not valid JSON");
    let b = with_metadata(|m| {
        m.insert(KEY_ANOMALY.into(), json!({"metric": "mse"}).to_string());
    });
    assert_rejected(&b, ErrorKind::BadMetadata, "missing field `threshold`");
    let b = with_graph(|g| g["layers"][0]["activaton"] = json!("relu"));
    assert_rejected(&b, ErrorKind::BadMetadata, "unknown field `activaton`");
}

#[test]
fn rejects_missing_tensors_and_wrong_dtypes() {
    let b = with_graph(|g| g["layers"][1]["weight"] = json!("dec.0.kernel"));
    assert_rejected(
        &b,
        ErrorKind::MissingTensor,
        "tensor `dec.0.kernel` (the weight of layer `dec.0`) is not in the file",
    );

    let bytes = sensor_bytes();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let ints = [0u8; 4 * 6];
    let mut views: Vec<(String, TensorView<'_>)> =
        file.tensors().into_iter().filter(|(k, _)| k != "enc.0.weight").collect();
    views.push(("enc.0.weight".into(), TensorView::new(Dtype::I32, vec![2, 3], &ints).unwrap()));
    // The data changed on purpose: drop the integrity hash, as the help says.
    let mut metadata = header.metadata().clone().unwrap();
    metadata.remove(format::KEY_INTEGRITY);
    let b = safetensors::serialize(views, Some(metadata)).unwrap();
    assert_rejected(
        &b,
        ErrorKind::WrongDtype,
        "tensor `enc.0.weight` of layer `enc.0` has dtype I32, expected F32, F16 or BF16",
    );
}

#[test]
fn rejects_shape_problems() {
    let b = with_graph(|g| g["layers"][1]["in_features"] = json!(4));
    assert_rejected(
        &b,
        ErrorKind::ShapeChain,
        "layer `dec.0` expects 4 inputs but the previous layer `enc.0` produces 2",
    );
    assert_rejected(
        &b,
        ErrorKind::ShapeMismatch,
        "tensor `dec.0.weight` has shape [3, 2], expected [3, 4]",
    );
    let b = with_graph(|g| g["input_shape"] = json!([4]));
    assert_rejected(&b, ErrorKind::ShapeChain, "`input_shape` [4] has 4 elements");
}

#[test]
fn hints_at_transposed_weights() {
    let mut m = synth::dense_autoencoder(&[3, 2, 3], Activation::Relu, Activation::Linear, 1);
    if let tinyae_core::ir::Op::Dense(d) = &mut m.layers[0].op {
        d.weight.shape = vec![3, 2];
    }
    let errors = load_err(&format::to_bytes(&m).unwrap());
    assert!(errors.to_string().contains("the weight is transposed"), "{errors}");
}

#[test]
fn rejects_non_finite_weights() {
    let mut m = synth::dense_autoencoder(&[3, 2, 3], Activation::Relu, Activation::Linear, 1);
    if let tinyae_core::ir::Op::Dense(d) = &mut m.layers[1].op {
        d.weight.values[4] = f32::NAN;
        d.bias.as_mut().unwrap().values[0] = f32::INFINITY;
    }
    let errors = load_err(&format::to_bytes(&m).unwrap());
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(
        errors.to_string().contains(
            "tensor `dec.0.weight` holds 1 non-finite value(s), the first (NaN) at flat index 4"
        ),
        "{errors}"
    );
}

#[test]
fn rejects_unknown_activation_and_ops() {
    let b = with_graph(|g| g["layers"][0]["activation"] = json!("swish"));
    assert_rejected(&b, ErrorKind::Activation, "layer `enc.0`: unknown activation `swish`");
    // A dense layer's fields under another op's name: that op's schema names the stray field.
    let b = with_graph(|g| g["layers"][0]["op"] = json!("conv2d"));
    assert_rejected(&b, ErrorKind::BadMetadata, "layer 0 (`enc.0`): unknown field `in_features`");
    let b = with_graph(|g| g["layers"][0]["op"] = json!("attention"));
    assert_rejected(&b, ErrorKind::BadMetadata, "unknown op `attention`");
}

#[test]
fn rejects_zero_and_absurd_dims() {
    let b = with_graph(|g| g["layers"][0]["out_features"] = json!(0));
    assert_rejected(&b, ErrorKind::BadDim, "`out_features` of layer `enc.0` is 0");
    let b = with_graph(|g| g["layers"][0]["out_features"] = json!(1u64 << 40));
    assert_rejected(&b, ErrorKind::BadDim, "is 1099511627776, expected at most 1048576");
}

/// Regression: four in-range dimensions whose product overflows `usize`
/// panicked in `Model::input_len` instead of being reported.
#[test]
fn rejects_input_shape_whose_size_overflows() {
    let b = with_graph(|g| g["input_shape"] = json!(vec![1u64 << 20; 4]));
    assert_rejected(&b, ErrorKind::BadDim, "has more than 2^64 elements, expected at most 1048576");
    let b = with_graph(|g| g["input_shape"] = json!([1024, 2048]));
    assert_rejected(&b, ErrorKind::BadDim, "[1024, 2048] has 2097152 elements");
}

/// Regression: `latent_layer` = `usize::MAX` overflowed `latent_layer + 1`.
#[test]
fn rejects_latent_index_at_usize_max() {
    let b = with_graph(|g| g["latent_layer"] = json!(u64::MAX));
    assert_rejected(&b, ErrorKind::Latent, "`latent_layer` is 18446744073709551615");
}

#[test]
fn rejects_latent_out_of_range() {
    let b = with_graph(|g| g["latent_layer"] = json!(1));
    assert_rejected(&b, ErrorKind::Latent, "`latent_layer` is 1");
    let b = with_graph(|g| g["latent_layer"] = json!(9));
    assert_rejected(&b, ErrorKind::Latent, "`latent_layer` is 9");
}

#[test]
fn rejects_inconsistent_preprocessing_and_threshold() {
    let b = with_metadata(|m| {
        m.insert(
            KEY_PREPROCESSING.into(),
            json!({"kind": "min_max", "min": [0, 0], "max": [1, 1]}).to_string(),
        );
    });
    assert_rejected(&b, ErrorKind::Preprocessing, "`min` has 2 values, expected 1 or 3");
    let b = with_metadata(|m| {
        m.insert(
            KEY_PREPROCESSING.into(),
            json!({"kind": "min_max", "min": [0, 5, 0], "max": [1, 5, 1]}).to_string(),
        );
    });
    assert_rejected(
        &b,
        ErrorKind::Preprocessing,
        "range `max[1] - min[1]` is 0, expected a number in [1e-30, 1e30]",
    );
    let b = with_metadata(|m| {
        m.insert(
            KEY_PREPROCESSING.into(),
            json!({"kind": "standard", "mean": [0], "std": [-1]}).to_string(),
        );
    });
    assert_rejected(&b, ErrorKind::Preprocessing, "`std[0]` is -1");
    let b = with_metadata(|m| {
        m.insert(KEY_ANOMALY.into(), json!({"metric": "mse", "threshold": -1}).to_string());
    });
    assert_rejected(&b, ErrorKind::Anomaly, "finite number >= 0, found -1");
}

#[test]
fn rejects_misplaced_vae_head_and_wrong_output_size() {
    let b = with_graph(|g| g["kind"] = json!("vae"));
    assert_rejected(
        &b,
        ErrorKind::Graph,
        "the latent layer must be a gaussian_head, but layer 0 (`enc.0`) is dense",
    );
    let b = with_graph(|g| {
        g["layers"][1]["out_features"] = json!(2);
    });
    assert_rejected(
        &b,
        ErrorKind::Graph,
        "the last layer `dec.0` produces 2 values, expected 3 (the input size)",
    );
}

#[test]
fn collects_every_problem_at_once() {
    let b = with_graph(|g| {
        g["layers"][0]["activation"] = json!("swish");
        g["layers"][1]["weight"] = json!("nope");
    });
    let errors = load_err(&b);
    assert!(errors.has(ErrorKind::Activation) && errors.has(ErrorKind::MissingTensor), "{errors}");
}

#[test]
fn atomic_write_replaces_the_whole_file() {
    let dir = std::env::temp_dir().join(format!("tinyae-core-atomic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.safetensors");
    format::write_atomic(&path, b"old").unwrap();
    format::write_atomic(&path, &sensor_bytes()).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), sensor_bytes());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
