//! Hand-built ONNX graphs: what is imported, and what is refused with which message.

use prost::Message;

use super::proto::*;
use crate::model::{import_bytes, Format, Options};

fn tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        dims: dims.to_vec(),
        data_type: Some(1),
        float_data: values.to_vec(),
        name: Some(name.into()),
        ..Default::default()
    }
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        name: Some(name.into()),
        op_type: Some(op.into()),
        ..Default::default()
    }
}

fn value(name: &str, dims: &[i64], elem: i32) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: Some(elem),
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| Dimension { dim_value: Some(d), dim_param: None })
                        .collect(),
                }),
            }),
        }),
    }
}

/// A 3-2-3 autoencoder (`Gemm`, `Relu`, `Gemm`, `Sigmoid`) with extra nodes spliced in.
fn model(opset: i64, nodes: Vec<NodeProto>, extra_init: Vec<TensorProto>, elem: i32) -> Vec<u8> {
    let mut init = vec![
        tensor("w1", &[2, 3], &[0.1, 0.2, 0.3, -0.1, -0.2, -0.3]),
        tensor("b1", &[2], &[0.0, 0.5]),
        tensor("w2", &[3, 2], &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
        tensor("b2", &[3], &[0.1, 0.2, 0.3]),
    ];
    init.extend(extra_init);
    ModelProto {
        ir_version: Some(8),
        producer_name: Some("test".into()),
        producer_version: None,
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(opset),
        }],
        graph: Some(GraphProto {
            node: nodes,
            name: Some("g".into()),
            initializer: init,
            input: vec![value("x", &[1, 3], elem)],
            output: vec![value("y", &[1, 3], 1)],
        }),
    }
    .encode_to_vec()
}

fn gemm(name: &str, x: &str, w: &str, b: &str, y: &str) -> NodeProto {
    let mut n = node("Gemm", name, &[x, w, b], &[y]);
    n.attribute.push(AttributeProto {
        name: Some("transB".into()),
        i: Some(1),
        r#type: Some(2),
        ..Default::default()
    });
    n
}

fn chain() -> Vec<NodeProto> {
    vec![
        gemm("enc", "x", "w1", "b1", "h"),
        node("Relu", "relu", &["h"], &["hr"]),
        gemm("dec", "hr", "w2", "b2", "o"),
        node("Sigmoid", "sig", &["o"], &["y"]),
    ]
}

fn error(bytes: &[u8]) -> String {
    import_bytes(bytes, Format::Onnx, "test.onnx", &Options::default())
        .expect_err("refused")
        .to_string()
}

#[test]
fn a_chain_becomes_two_dense_layers() {
    let m =
        import_bytes(&model(17, chain(), vec![], 1), Format::Onnx, "t.onnx", &Options::default())
            .expect("imports");
    assert_eq!(m.layers.len(), 2);
    assert_eq!(m.latent_layer, 0);
    assert_eq!(m.layers[0].activation, tinyae_core::Activation::Relu);
    let y = tinyae_core::reference::reconstruct(&m, &[1.0, 2.0, 3.0]);
    // h = relu([1.4 + 0, -1.4 + 0.5]) = [1.4, 0]; o = [1.5, 0.2, 1.7]; y = sigmoid(o)
    let expect = [1.5f32, 0.2, 1.7].map(|v| 1.0 / (1.0 + (-v).exp()));
    for (a, b) in y.iter().zip(expect) {
        assert!((a - b).abs() < 1e-6, "{y:?}");
    }
    assert!(m.provenance.extra.iter().any(|(k, v)| k == "opset" && v == "17"));
}

#[test]
fn a_skip_connection_names_the_node() {
    let mut nodes = chain();
    nodes.insert(3, node("Add", "res1", &["o", "x"], &["o2"]));
    nodes[4].input[0] = "o2".into();
    let e = error(&model(17, nodes, vec![], 1));
    assert!(e.starts_with("Add at node `res1`: "), "{e}");
    assert!(
        e.contains("branching graphs are not supported") && e.contains("without skip connections"),
        "{e}"
    );
}

#[test]
fn a_value_read_twice_is_a_branch() {
    let mut nodes = chain();
    nodes.push(node("Relu", "side", &["h"], &["unused"]));
    let e = error(&model(17, nodes, vec![], 1));
    assert!(e.contains("`side`") && e.contains("branching"), "{e}");
}

#[test]
fn a_loop_points_to_tflite() {
    let mut nodes = chain();
    nodes.insert(1, node("Loop", "lstm/while", &["", "", "h"], &["h2"]));
    nodes[2].input[0] = "h2".into();
    let e = error(&model(15, nodes, vec![], 1));
    assert!(e.starts_with("Loop at node `lstm/while`"), "{e}");
    assert!(e.contains(".tflite") && e.contains("UNIDIRECTIONAL_SEQUENCE_LSTM"), "{e}");
}

#[test]
fn unsupported_ops_opsets_and_dtypes() {
    let mut nodes = chain();
    nodes[1] = node("Softmax", "soft", &["h"], &["hr"]);
    let e = error(&model(17, nodes, vec![], 1));
    assert!(
        e.starts_with("Softmax at node `soft`: is not an op tinyae imports")
            && e.contains("help: supported:"),
        "{e}"
    );

    let e = error(&model(7, chain(), vec![], 1));
    assert!(e.contains("opset 7 is not supported") && e.contains("opset_version"), "{e}");

    let e = error(&model(17, chain(), vec![], 10));
    assert!(e.contains("input `x` has dtype float16, expected float32"), "{e}");

    let e = error(b"\xff\xff\xff not protobuf");
    assert!(e.contains("not an ONNX model"), "{e}");
}

#[test]
fn input_normalization_becomes_the_file_scaling() {
    let mut nodes = chain();
    nodes.insert(0, node("Sub", "sub", &["x", "mean"], &["xc"]));
    nodes.insert(1, node("Div", "div", &["xc", "std"], &["xs"]));
    nodes[2].input[0] = "xs".into();
    let init = vec![tensor("mean", &[], &[2.0]), tensor("std", &[], &[4.0])];
    let m = import_bytes(&model(17, nodes, init, 1), Format::Onnx, "t.onnx", &Options::default())
        .expect("imports");
    assert_eq!(
        m.preprocessing,
        tinyae_core::ir::Preprocessing::Standard { mean: vec![2.0], std: vec![4.0] }
    );
}

#[test]
fn batch_norm_after_an_activation_folds_into_the_next_layer() {
    let mut nodes = chain();
    nodes.insert(2, node("BatchNormalization", "bn", &["hr", "g", "beta", "mu", "var"], &["hb"]));
    nodes[3].input[0] = "hb".into();
    let init = vec![
        tensor("g", &[2], &[2.0, 1.0]),
        tensor("beta", &[2], &[0.5, -0.5]),
        tensor("mu", &[2], &[0.0, 1.0]),
        tensor("var", &[2], &[1.0, 4.0]),
    ];
    let m = import_bytes(&model(17, nodes, init, 1), Format::Onnx, "t.onnx", &Options::default())
        .expect("imports");
    assert_eq!(m.layers.len(), 2, "folded, not a layer");
    let x = [1.0f32, 2.0, 3.0];
    // By hand: h = [1.4, 0]; bn = (h - mu) / sqrt(var + 1e-5) * g + beta.
    let eps = 1e-5f64;
    let hb = [
        (1.4 - 0.0) / (1.0 + eps).sqrt() * 2.0 + 0.5,
        (0.0 - 1.0) / (4.0 + eps).sqrt() * 1.0 - 0.5,
    ];
    let o = [0.1 + hb[0], 0.2 + hb[1], 0.3 + hb[0] + hb[1]];
    let y = tinyae_core::reference::reconstruct(&m, &x);
    for (a, b) in y.iter().zip(o) {
        let e = 1.0 / (1.0 + (-b).exp());
        assert!((f64::from(*a) - e).abs() < 1e-6, "{a} vs {e}");
    }
}

#[test]
fn weights_saved_as_external_data_are_read_beside_the_model() {
    let dir = std::env::temp_dir().join(format!("tinyae-import-external-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bytes = model(17, chain(), vec![], 1);
    let mut m = ModelProto::decode(bytes.as_slice()).expect("decodes");
    // Move w1 (6 floats) into `m.onnx.data` at offset 8, as torch's dynamo exporter does.
    let g = m.graph.as_mut().expect("graph");
    let w1 = g.initializer.iter_mut().find(|t| t.name.as_deref() == Some("w1")).expect("w1");
    let mut data = vec![0u8; 8];
    data.extend(w1.float_data.iter().flat_map(|v| v.to_le_bytes()));
    w1.float_data.clear();
    w1.data_location = Some(1);
    let entry =
        |k: &str, v: &str| StringStringEntryProto { key: Some(k.into()), value: Some(v.into()) };
    w1.external_data =
        vec![entry("location", "m.onnx.data"), entry("offset", "8"), entry("length", "24")];
    std::fs::write(dir.join("m.onnx.data"), &data).expect("data");
    std::fs::write(dir.join("m.onnx"), m.encode_to_vec()).expect("model");
    let imported = crate::import_file(&dir.join("m.onnx"), &Options::default()).expect("imports");
    let reference =
        import_bytes(&bytes, Format::Onnx, "m.onnx", &Options::default()).expect("imports");
    assert_eq!(imported.layers, reference.layers);

    // Without the data file: an error naming it and the fix.
    std::fs::remove_file(dir.join("m.onnx.data")).expect("remove");
    let e = crate::import_file(&dir.join("m.onnx"), &Options::default())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("m.onnx.data") && e.contains("beside the .onnx file"), "{e}");
    // A location outside the model's directory is refused.
    let g = m.graph.as_mut().expect("graph");
    g.initializer[0].external_data[0].value = Some("../etc/passwd".into());
    std::fs::write(dir.join("m.onnx"), m.encode_to_vec()).expect("model");
    let e = crate::import_file(&dir.join("m.onnx"), &Options::default())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("outside the model's directory"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
