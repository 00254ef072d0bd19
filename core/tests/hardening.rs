//! Issue 11's defect classes, one test each: edited copies of shipped models and fixtures
//! must load or fail with a clear error, never panic, never load with values that give inf or
//! NaN at run time.

use serde_json::{json, Map, Value};
use tinyae_core::synth::dense_autoencoder;
use tinyae_core::{Activation, ErrorKind, Errors};

/// A model file committed in the repository, by its path from the workspace root.
fn shipped(path: &str) -> Vec<u8> {
    let at = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&at).unwrap_or_else(|e| panic!("read {at}: {e}"))
}

/// The file with its safetensors header (JSON) edited; offsets and data are kept.
fn with_header(bytes: &[u8], edit: impl FnOnce(&mut Map<String, Value>)) -> Vec<u8> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: Map<String, Value> = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    edit(&mut header);
    let mut text = Value::Object(header).to_string().into_bytes();
    text.resize(text.len().next_multiple_of(8), b' ');
    [&(text.len() as u64).to_le_bytes()[..], &text, &bytes[8 + n..]].concat()
}

/// The file with the metadata entry `key` set to `text`.
fn with_entry(bytes: &[u8], key: &str, text: &str) -> Vec<u8> {
    with_header(bytes, |h| {
        let meta = h["__metadata__"].as_object_mut().unwrap();
        meta.insert(key.to_owned(), Value::String(text.to_owned()));
    })
}

/// The file with the JSON metadata entry `key` edited.
fn with_json(bytes: &[u8], key: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let mut doc: Value =
        serde_json::from_str(header["__metadata__"][key].as_str().unwrap()).unwrap();
    edit(&mut doc);
    with_entry(bytes, key, &doc.to_string())
}

/// The errors of loading `bytes`, which must not panic and must fail.
fn errors(bytes: &[u8]) -> Errors {
    match std::panic::catch_unwind(|| tinyae_core::load(bytes)) {
        Err(_) => panic!("load panicked"),
        Ok(Ok(_)) => panic!("the file loaded, expected it to be rejected"),
        Ok(Err(e)) => e,
    }
}

/// Asserts that loading fails with an error of `kind` whose text holds every one of `needles`.
fn rejects(bytes: &[u8], kind: ErrorKind, needles: &[&str]) -> Errors {
    let errors = errors(bytes);
    assert!(
        errors.iter().any(|e| e.kind == kind && needles.iter().all(|n| e.to_string().contains(n))),
        "expected a {kind:?} error containing {needles:?}, got:\n{errors}"
    );
    errors
}

const ECG_INT8: &str = "models/ecg5000.int8.safetensors";

#[test]
fn value_rules_skip_layers_whose_shapes_are_wrong() {
    // The issue's reproduction: the shape check reports the mismatch and the int8 bound, which
    // indexes the weight by `in_features`, must not run on the layer.
    let b = with_json(&shipped(ECG_INT8), "tinyae.graph", |g| {
        g["layers"][0]["in_features"] = json!(141)
    });
    let e = rejects(
        &b,
        ErrorKind::ShapeMismatch,
        &["`enc.0.weight` has shape [32, 140], expected [32, 141]"],
    );
    assert!(e.iter().all(|e| e.kind != ErrorKind::Quantization), "{e}");
    // A weight-scale tensor of the wrong length is a shape error too, before any value rule.
    let b = with_json(&shipped(ECG_INT8), "tinyae.graph", |g| {
        g["layers"][1]["quantization"]["weight_scale"] = json!("enc.0.weight_scale")
    });
    rejects(&b, ErrorKind::ShapeMismatch, &["`enc.0.weight_scale` has shape [32], expected [16]"]);
}

/// Every one-digit edit of the shipped small int8 graphs (each digit raised by one) loads or
/// fails with errors; none panics (the issue counted 63 panics among 1,637 such edits).
#[test]
fn one_digit_edits_of_int8_graphs_never_panic() {
    let edits: usize = [
        ECG_INT8,
        "models/ecg5000.pruned80.int8.safetensors",
        "models/nab_machine_temperature.int8.safetensors",
        "models/nab_machine_temperature.pruned80.int8.safetensors",
    ]
    .iter()
    .map(|path| one_digit_edits(&shipped(path)))
    .sum();
    assert!(edits > 1000, "only {edits} digits in the graphs");
}

/// Loads every one-digit edit of the graph of `bytes`, returning how many there were.
fn one_digit_edits(bytes: &[u8]) -> usize {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let graph = header["__metadata__"]["tinyae.graph"].as_str().unwrap().to_owned();
    let mut edits = 0;
    for (at, c) in graph.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
        let next = char::from(b'0' + (c as u8 - b'0' + 1) % 10);
        let edited = format!("{}{next}{}", &graph[..at], &graph[at + 1..]);
        let b = with_entry(bytes, "tinyae.graph", &edited);
        let outcome = std::panic::catch_unwind(|| tinyae_core::load(&b).map(drop));
        assert!(
            outcome.is_ok(),
            "load panicked with the digit at byte {at} of the graph changed to {next}"
        );
        edits += 1;
    }
    edits
}

#[test]
fn shape_products_are_checked() {
    let b = with_json(&shipped("tests/fixtures/sensor.safetensors"), "tinyae.graph", |g| {
        let huge = 1usize << 20;
        let reshape = json!({"op": "reshape", "name": "r", "shape": [huge, huge, huge, huge]});
        g["layers"].as_array_mut().unwrap().insert(1, reshape);
    });
    rejects(
        &b,
        ErrorKind::BadDim,
        &["`shape` of layer `r`", "has more than 2^64 elements, expected at most 1048576"],
    );
    let b = with_json(&shipped("tests/fixtures/sensor.safetensors"), "tinyae.graph", |g| {
        let reshape = json!({"op": "reshape", "name": "r", "shape": [1024, 1025]});
        g["layers"].as_array_mut().unwrap().insert(1, reshape);
    });
    rejects(&b, ErrorKind::BadDim, &["has 1049600 elements, expected at most 1048576"]);
}

#[test]
fn parameter_limit_counts_only_biases_that_exist() {
    use tinyae_core::ir::Op;
    // Two bias-free dense layers of 4096 × 2048 = 8 Mi weights each: exactly the limit of
    // 16 Mi parameters. Counting the absent biases would put it 6144 over.
    let mut m = dense_autoencoder(&[4096, 2048, 4096], Activation::Linear, Activation::Linear, 1);
    for layer in &mut m.layers {
        if let Op::Dense(d) = &mut layer.op {
            d.bias = None;
        }
    }
    assert_eq!(tinyae_core::format::MAX_PARAMS, 2 * 4096 * 2048);
    tinyae_core::validate::validate(&m).expect("a model at the limit is valid");
}

const ECG: &str = "models/ecg5000.safetensors";

/// Preprocessing whose range or reciprocal is not finite in f32, or whose `std` turns
/// ordinary inputs into inf, is rejected with the documented range; one shared value that is
/// bad gives one error, not one per feature.
#[test]
fn preprocessing_must_scale_within_f32() {
    let prep = |text: &str| with_entry(&shipped(ECG), "tinyae.preprocessing", text);
    // max - min overflows f32 (the issue's infinite min-max range).
    let e = rejects(
        &prep(r#"{"kind": "min_max", "min": [-3e38], "max": [3e38]}"#),
        ErrorKind::Preprocessing,
        &["`min[0]` is -3e38, expected a finite number in [-1e30, 1e30]"],
    );
    assert_eq!(e.len(), 2, "{e}");
    let e = rejects(
        &prep(r#"{"kind": "standard", "mean": [0.0], "std": [1e-38]}"#),
        ErrorKind::Preprocessing,
        &["preprocessing `std[0]` is 1e-38, expected a number in [1e-30, 1e30]"],
    );
    assert_eq!(e.len(), 1, "one shared std gives one error for 140 features:\n{e}");
    let e = rejects(
        &prep(r#"{"kind": "min_max", "min": [-6e29], "max": [6e29]}"#),
        ErrorKind::Preprocessing,
        &["range `max[0] - min[0]` is 1.2e30, expected a number in [1e-30, 1e30]", "too large"],
    );
    assert_eq!(e.len(), 1, "{e}");
    let mut std = vec![1.0f32; 140];
    std[3] = 0.0;
    std[7] = 0.0;
    let text = json!({"kind": "standard", "mean": [0.0], "std": std}).to_string();
    rejects(&prep(&text), ErrorKind::Preprocessing, &["`std[3]` is 0 (and 1 more feature(s))"]);
}

/// int8 scales whose reciprocal (quantizing) or 255 multiple (dequantizing) is not finite.
#[test]
fn int8_scales_must_stay_finite_at_run_time() {
    let q = shipped(ECG_INT8);
    let b = with_json(&q, "tinyae.graph", |g| {
        let last = g["layers"].as_array().unwrap().len() - 1;
        g["layers"][last]["quantization"]["output"]["scale"] = json!(3e38);
    });
    rejects(
        &b,
        ErrorKind::Quantization,
        &["`output.scale` of layer `dec.2` is 3e38, expected a number in [1e-30, 1e30]"],
    );
    let b = with_json(&q, "tinyae.graph", |g| {
        g["layers"][0]["quantization"]["input"]["scale"] = json!(1e-40);
    });
    rejects(&b, ErrorKind::Quantization, &["`input.scale` of layer `enc.0` is 1e-40"]);
}

/// The stricter rules keep every shipped model and test fixture valid.
#[test]
fn every_shipped_model_and_fixture_still_loads() {
    let root = format!("{}/..", env!("CARGO_MANIFEST_DIR"));
    let mut loaded = 0;
    for dir in ["models", "tests/fixtures", "tests/fixtures/import"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            // Training checkpoints (ignored by git) are the trainer's own state, not models.
            let checkpoint = path.to_string_lossy().ends_with(".checkpoint.safetensors");
            if path.extension().is_some_and(|e| e == "safetensors") && !checkpoint {
                let bytes = std::fs::read(&path).unwrap();
                if let Err(e) = tinyae_core::load(&bytes) {
                    panic!("{} no longer loads:\n{e}", path.display());
                }
                loaded += 1;
            }
        }
    }
    assert!(loaded >= 60, "only {loaded} files found");
}

/// JSON arrays where the format has objects are rejected at the top of an entry and inside
/// it (serde would take an array of the fields in order).
#[test]
fn arrays_are_not_objects() {
    let f = shipped(ECG);
    for (key, text) in [
        ("tinyae.graph", r#"["autoencoder", [140], 2, []]"#),
        ("tinyae.anomaly", r#"["mse", 0.1]"#),
        ("tinyae.preprocessing", r#"["min_max", [0], [1]]"#),
    ] {
        rejects(
            &with_entry(&f, key, text),
            ErrorKind::BadMetadata,
            &[&format!("`{key}` is a JSON array, expected a JSON object")],
        );
    }
    let b = with_json(&f, "tinyae.anomaly", |a| a["calibration"] = json!(["percentile", 95.0]));
    rejects(&b, ErrorKind::BadMetadata, &["`tinyae.anomaly` field `calibration`: invalid type: a JSON array, expected a JSON object"]);
    let b = with_json(&shipped(ECG_INT8), "tinyae.graph", |g| {
        g["layers"][0]["quantization"]["input"] = json!([0.0039, -128])
    });
    rejects(&b, ErrorKind::BadMetadata, &["layer 0 (`enc.0`): `quantization.input`: invalid type: a JSON array, expected a JSON object"]);
}

#[test]
fn format_version_is_digits_only() {
    for version in [" 1", "+1", "1 ", "01", "1.0", ""] {
        rejects(
            &with_entry(&shipped(ECG), "tinyae.format_version", version),
            ErrorKind::FormatVersion,
            &[&format!("must be a positive integer in decimal digits (no sign, spaces or leading zeros), found `{version}`")],
        );
    }
}

/// A misspelt `tinyae.*` key would drop what it holds without a word (the issue's eval fell
/// from 0.946 to 0.207 accuracy without the input scaling).
#[test]
fn unknown_tinyae_keys_are_rejected_with_the_nearest_key() {
    let b = with_header(&shipped(ECG), |h| {
        let meta = h["__metadata__"].as_object_mut().unwrap();
        let prep = meta.remove("tinyae.preprocessing").unwrap();
        meta.insert("tinyae.preprocesing".into(), prep);
        meta.insert("tinyae.my_notes".into(), json!("x"));
        meta.insert("my.notes".into(), json!("kept: not under tinyae."));
    });
    let e = rejects(
        &b,
        ErrorKind::BadMetadata,
        &["unknown entry `tinyae.preprocesing`", "did you mean `tinyae.preprocessing`?"],
    );
    assert!(e.to_string().contains("unknown entry `tinyae.my_notes`"), "{e}");
    assert!(!e.to_string().contains("my.notes"), "{e}");
}

/// Integer fields name the field and say what the file should hold, in JSON words.
#[test]
fn field_errors_name_the_field_without_rust_types() {
    let f = shipped(ECG);
    let layer = |field: &str, value: Value| {
        with_json(&f, "tinyae.graph", |g| g["layers"][0][field] = value)
    };
    rejects(&layer("out_features", json!(-2)), ErrorKind::BadMetadata, &["layer 0 (`enc.0`): `out_features`: invalid value: the integer `-2`, expected a non-negative integer"]);
    rejects(
        &layer("out_features", json!(2.5)),
        ErrorKind::BadMetadata,
        &["`out_features`: invalid type: the number `2.5`, expected a non-negative integer"],
    );
    let b = with_json(&f, "tinyae.graph", |g| g["latent_layer"] = json!(-1));
    rejects(
        &b,
        ErrorKind::BadMetadata,
        &["`tinyae.graph` field `latent_layer`: invalid value: the integer `-1`"],
    );
    let conv = shipped("tests/fixtures/conv.safetensors");
    let b = with_json(&conv, "tinyae.graph", |g| g["layers"][0]["stride"] = json!(-1));
    let e = rejects(
        &b,
        ErrorKind::BadMetadata,
        &["`stride`: expected a size: a non-negative integer or a [height, width] pair of them"],
    );
    let b = with_json(&conv, "tinyae.graph", |g| g["layers"][0]["padding"] = json!({"top": 1}));
    let e2 = rejects(
        &b,
        ErrorKind::BadMetadata,
        &["`padding`: expected a padding: \"valid\", \"same\""],
    );
    for text in [e.to_string(), e2.to_string()] {
        for rust in ["Size2", "PaddingDoc", "usize", "struct ", "enum "] {
            assert!(!text.contains(rust), "{rust} in {text}");
        }
    }
}

/// docs/FORMAT.md: an int8 table activation without `pre_activation` reads the `output`
/// parameters, exactly as if they were written out.
#[test]
fn pre_activation_defaults_to_the_output_parameters() {
    use tinyae_core::quant;
    let explicit = tinyae_core::load(&shipped("tests/fixtures/sensor_int8.safetensors")).unwrap();
    let mut written = explicit.clone();
    let mut omitted = explicit.clone();
    for (w, o) in written.layers.iter_mut().zip(&mut omitted.layers) {
        for (layer, default) in [(w, false), (o, true)] {
            if let tinyae_core::ir::Op::Dense(d) = &mut layer.op {
                let q = d.quant.as_mut().unwrap();
                q.pre_activation = if default { None } else { Some(q.output) };
            }
        }
    }
    let omitted = tinyae_core::load(&tinyae_core::format::to_bytes(&omitted).unwrap())
        .expect("a table activation without pre_activation is valid");
    assert!(omitted.layers.iter().all(|l| quant::of(l).unwrap().1.pre_activation.is_none()));
    for q in -128..=127i8 {
        let x = [q, q.wrapping_add(40), q.wrapping_sub(90)];
        assert_eq!(
            quant::run_q(&omitted.layers, &x),
            quant::run_q(&written.layers, &x),
            "input {x:?}"
        );
    }
}

/// At the edges of the documented ranges the constants the generated code holds (scales,
/// ranges, reciprocals, 255 int8 steps) are finite: the literal emitter, which cannot write
/// inf, is never reached with one.
#[test]
fn documented_range_edges_give_finite_constants() {
    use tinyae_core::quant::QParams;
    let edges = [1e-30f32, 1e30];
    let min_max = edges.map(|max| json!({"kind": "min_max", "min": [0.0], "max": [max]}));
    let standard = edges.map(|std| json!({"kind": "standard", "mean": [1e30], "std": [std]}));
    for preprocessing in min_max.iter().chain(&standard) {
        let text = preprocessing.to_string();
        let m = tinyae_core::load(&with_entry(&shipped(ECG), "tinyae.preprocessing", &text))
            .expect("the range's edges are valid");
        let a = m.preprocessing.affine(m.input_len()).unwrap();
        assert!(a.scale.iter().chain(&a.range).all(|v| v.is_finite() && *v > 0.0), "{text}");
    }
    for scale in [1e-30f32, 1e30] {
        let p = QParams { scale, zero_point: -128 };
        assert!(p.inv_scale().is_finite());
        assert!(p.dequantize(127).is_finite() && p.dequantize(-128).is_finite());
    }
}

/// Models built in code (the trainer, importers) meet the same activation ranges as files.
#[test]
fn validation_checks_activation_ranges_of_models_built_in_code() {
    let mut m = dense_autoencoder(&[3, 2, 3], Activation::Relu, Activation::Linear, 1);
    m.layers[0].activation = Activation::Softplus { beta: 1e-45, threshold: 20.0 };
    let e = tinyae_core::validate::validate(&m).unwrap_err();
    assert!(
        e.to_string()
            .contains("layer `enc.0`: softplus `beta` is 1e-45, expected a number in [1e-6, 1e6]"),
        "{e}"
    );
}
