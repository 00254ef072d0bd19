//! Quantized (int8) layers in the file: what the reader and validator accept and reject,
//! each rejection naming the layer and the fix.

mod common;

use common::assert_rejected;
use serde_json::{json, Value};
use tinyae_core::format::{self, KEY_GRAPH};
use tinyae_core::ir::{Op, Storage};
use tinyae_core::quantize::{calibrate, to_int8};
use tinyae_core::synth;
use tinyae_core::{Activation, ErrorKind, Model};

fn int8_model() -> Model {
    let m = synth::dense_autoencoder(&[6, 4, 6], Activation::Relu, Activation::Sigmoid, 3);
    let mut rng = synth::Rng::new(1);
    let rows: Vec<Vec<f32>> =
        (0..32).map(|_| (0..6).map(|_| rng.symmetric(1.0)).collect()).collect();
    to_int8(&m, &calibrate(&m, &rows).unwrap()).unwrap()
}

/// The file's bytes with the graph JSON edited.
fn with_graph(model: &Model, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let bytes = format::to_bytes(model).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let mut graph: Value =
        serde_json::from_str(header["__metadata__"][KEY_GRAPH].as_str().unwrap()).unwrap();
    edit(&mut graph);
    header["__metadata__"][KEY_GRAPH] = Value::String(graph.to_string());
    let mut h = header.to_string().into_bytes();
    h.resize(h.len().next_multiple_of(8), b' ');
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(&bytes[8 + n..]);
    out
}

#[test]
fn a_calibrated_int8_model_loads() {
    let m = int8_model();
    let back = tinyae_core::load(&format::to_bytes(&m).unwrap()).unwrap();
    let Op::Dense(d) = &back.layers[1].op else { panic!() };
    assert_eq!(d.weight.storage, Storage::I8);
    assert!(d.quant.as_ref().unwrap().pre_activation.is_some(), "sigmoid needs a table");
}

#[test]
fn rejects_inconsistent_quantization_metadata() {
    let m = int8_model();
    let q = |edit: fn(&mut Value)| with_graph(&m, |g| edit(&mut g["layers"][0]["quantization"]));
    assert_rejected(
        &q(|q| q["weight_scale"] = json!("enc.0.scales")),
        ErrorKind::MissingTensor,
        "tensor `enc.0.scales` (the weight scales of layer `enc.0`) is not in the file",
    );
    assert_rejected(
        &q(|q| drop(q.as_object_mut().unwrap().remove("weight_scale"))),
        ErrorKind::BadMetadata,
        "missing field `weight_scale`",
    );
    assert_rejected(
        &q(|q| q["input"]["scale"] = json!(0.0)),
        ErrorKind::Quantization,
        "`input.scale` of layer `enc.0` is 0",
    );
    assert_rejected(
        &q(|q| q["output"]["zero_point"] = json!(200)),
        ErrorKind::Quantization,
        "`output.zero_point` of layer `enc.0` is 200, expected -128..=127",
    );
    // A missing `pre_activation` is valid (it defaults to the output parameters; see
    // tests/hardening.rs).
    assert_rejected(
        &with_graph(&m, |g| g["layers"][1]["quantization"]["input"]["zero_point"] = json!(5)),
        ErrorKind::Quantization,
        "layer `dec.0` reads int8 values with scale",
    );
    // The scales of another layer: one per output of the wrong layer.
    assert_rejected(
        &q(|q| q["weight_scale"] = json!("dec.0.weight_scale")),
        ErrorKind::ShapeMismatch,
        "tensor `dec.0.weight_scale` has shape [6], expected [4] (one weight scale per output of layer `enc.0`)",
    );
}

#[test]
fn rejects_zero_scales_and_out_of_range_weights() {
    let mut m = int8_model();
    if let Op::Dense(d) = &mut m.layers[0].op {
        d.quant.as_mut().unwrap().weight_scale.values[2] = 0.0;
        d.weight.values[0] = -128.0;
    }
    let bytes = format::to_bytes(&m).unwrap();
    assert_rejected(
        &bytes,
        ErrorKind::Quantization,
        "weight scale 2 of layer `enc.0` (`enc.0.weight_scale[2]`) is 0",
    );
    assert_rejected(
        &bytes,
        ErrorKind::Quantization,
        "holds -128 at flat index 0, expected -127..=127",
    );
}

#[test]
fn quantization_is_for_dense_layers_with_int_tensors() {
    let m = synth::dense_autoencoder(&[6, 4, 6], Activation::Relu, Activation::Sigmoid, 3);
    // A float layer with a quantization object: its tensors are F32, not I8/I32.
    let b = with_graph(&m, |g| {
        g["layers"][0]["quantization"] = json!({"weight_scale": "enc.0.bias",
            "input": {"scale": 0.1, "zero_point": 0}, "output": {"scale": 0.1, "zero_point": 0}})
    });
    assert_rejected(
        &b,
        ErrorKind::WrongDtype,
        "tensor `enc.0.weight` (the weight of quantized layer `enc.0`) has dtype F32, expected I8",
    );
    let b = with_graph(&m, |g| g["layers"][0]["quantization"] = json!({"scheme": "int8"}));
    assert_rejected(&b, ErrorKind::BadMetadata, "unknown field `scheme`");
}
