//! Writes the malformed model files of the UI tests into `tests/fixtures/bad/`.
//!
//! Every file is the valid sensor fixture (`tests/fixtures/sensor.safetensors`) with exactly one
//! thing broken, so each UI case shows one error. Run
//! `cargo run -p tinyae-tests --bin make-bad-fixtures` after `make-fixtures`; the output is
//! committed and rerunning gives the same bytes. The generator checks that the core rejects
//! every file (except the ones only the code generator rejects) and that the base file is valid.

use std::path::Path;

use serde_json::{json, Map, Value};
use tinyae_core::format::{self, KEY_ANOMALY, KEY_FORMAT_VERSION, KEY_GRAPH, KEY_PREPROCESSING};
use tinyae_core::synth::{self, Rng};
use tinyae_core::Model;

/// Who rejects a bad file: the core's `load`, or only the code generator (a valid file that
/// uses something the generator cannot emit yet).
#[derive(Clone, Copy, PartialEq)]
enum RejectedBy {
    Core,
    Codegen,
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let base = std::fs::read(dir.join("sensor.safetensors"))
        .expect("read fixtures/sensor.safetensors (run make-fixtures first)");
    let model = tinyae_core::load(&base).expect("the base fixture must be valid");
    let out = dir.join("bad");
    std::fs::create_dir_all(&out).expect("create fixtures/bad");
    for (name, rejected_by, bytes) in cases(&base, &model) {
        let result = tinyae_core::load(&bytes);
        match (rejected_by, &result) {
            (RejectedBy::Core, Err(errors)) => println!("{name}: {errors}\n"),
            (RejectedBy::Codegen, Ok(_)) => println!("{name}: valid for the core\n"),
            _ => panic!("{name}: unexpected load result {result:?}"),
        }
        format::write_atomic(&out.join(format!("{name}.safetensors")), &bytes)
            .expect("write bad fixture");
    }
}

fn cases(base: &[u8], model: &Model) -> Vec<(&'static str, RejectedBy, Vec<u8>)> {
    use RejectedBy::{Codegen, Core};
    let c = || Container::parse(base);
    let header = |f: &dyn Fn(&mut Map<String, Value>)| c().edit(f).bytes();
    let meta = |key: &str, value: Option<Value>| {
        let text = value.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        c().meta(key, text).bytes()
    };
    let graph = |f: &dyn Fn(&mut Value)| c().graph(f).bytes();
    let csv = b"vibration,temperature,pressure\n0.12,61.0,101.3\n".to_vec();
    let mut cases = vec![
        // The container.
        ("empty", Core, Vec::new()),
        ("not_safetensors", Core, csv),
        ("truncated", Core, base[..base.len() - 10].to_vec()),
        ("trailing_bytes", Core, [base, &[0u8; 4]].concat()),
        ("header_too_long", Core, header_too_long(base)),
        ("bad_header_json", Core, bad_header_json(base)),
        ("plain_safetensors", Core, header(&|h| drop(h.remove("__metadata__")))),
        // Metadata entries.
        ("missing_version", Core, meta(KEY_FORMAT_VERSION, None)),
        ("future_version", Core, meta(KEY_FORMAT_VERSION, Some(json!("2")))),
        ("missing_graph", Core, meta(KEY_GRAPH, None)),
        ("signed_version", Core, meta(KEY_FORMAT_VERSION, Some(json!("+1")))),
        ("anomaly_array", Core, meta(KEY_ANOMALY, Some(json!(["mse", 0.1])))),
        ("misspelt_key", Core, misspelt_key(base)),
        ("bad_graph_json", Core, meta(KEY_GRAPH, Some(json!(r#"{"kind": "autoencoder", "#)))),
        ("unknown_model_kind", Core, graph(&|g| g["kind"] = json!("gan"))),
        ("unknown_field", Core, graph(&|g| rename(&mut g["layers"][0], "activation", "activaton"))),
        ("empty_graph", Core, graph(&|g| g["layers"] = json!([]))),
        // Tensors.
        ("unknown_dtype", Core, header(&|h| h["enc.0.bias"]["dtype"] = json!("F31"))),
        ("byte_length", Core, header(&|h| h["enc.0.bias"]["shape"] = json!([3]))),
        ("missing_tensor_entry", Core, header(&|h| drop(h.remove("enc.0.bias")))),
        ("missing_tensor", Core, graph(&|g| g["layers"][1]["weight"] = json!("dec.0.kernel"))),
        ("wrong_dtype", Core, header(&|h| h["enc.0.bias"]["dtype"] = json!("I32"))),
        ("transposed_weight", Core, header(&|h| h["enc.0.weight"]["shape"] = json!([3, 2]))),
        ("bias_shape", Core, header(&|h| h["dec.0.bias"]["shape"] = json!([1, 3]))),
        ("nan_weight", Core, c().set_f32("dec.0.weight", 4, f32::NAN).bytes()),
        ("inf_bias", Core, c().set_f32("enc.0.bias", 1, f32::INFINITY).bytes()),
        // int8 layers (docs/FORMAT.md): the sensor model quantized, one thing broken.
        (
            "quant_missing_scales",
            Core,
            quantized(model, &|g| {
                g["layers"][0]["quantization"]["weight_scale"] = json!("enc.0.scales")
            }),
        ),
        (
            "quant_scale_shape",
            Core,
            quantized(model, &|g| {
                g["layers"][0]["quantization"]["weight_scale"] = json!("dec.0.weight_scale")
            }),
        ),
        (
            "quant_zero_scale",
            Core,
            quantized(model, &|g| g["layers"][1]["quantization"]["output"]["scale"] = json!(0.0)),
        ),
        (
            "quant_zero_point_range",
            Core,
            quantized(model, &|g| {
                g["layers"][0]["quantization"]["input"]["zero_point"] = json!(300)
            }),
        ),
        (
            "quant_chain_mismatch",
            Core,
            quantized(model, &|g| {
                g["layers"][1]["quantization"]["input"]["zero_point"] = json!(17)
            }),
        ),
        (
            "quant_float_weights",
            Core,
            graph(
                &|g| g["layers"][0]["quantization"] = json!({"weight_scale": "enc.0.bias", "input": {"scale": 0.1, "zero_point": 0}, "output": {"scale": 0.1, "zero_point": -128}, "pre_activation": {"scale": 0.1, "zero_point": 0}}),
            ),
        ),
        ("quant_mixed_precision", Codegen, mixed_precision(model)),
        // Issue 11: value rules must not run on a layer whose shapes are wrong (this panicked
        // in the int8 accumulator bound), and scales must keep the run-time values finite.
        (
            "quant_in_features",
            Core,
            quantized(model, &|g| g["layers"][0]["in_features"] = json!(4)),
        ),
        (
            "quant_huge_output_scale",
            Core,
            quantized(model, &|g| g["layers"][1]["quantization"]["output"]["scale"] = json!(3e38)),
        ),
        (
            "quant_params_array",
            Core,
            quantized(model, &|g| g["layers"][0]["quantization"]["input"] = json!([0.1, 0])),
        ),
        // Layers and the graph.
        ("unknown_activation", Core, graph(&|g| g["layers"][0]["activation"] = json!("swish"))),
        (
            "bad_activation_parameter",
            Core,
            graph(&|g| {
                g["layers"][0]["activation"] = json!({"kind": "leaky_relu", "alpha": "0.2"})
            }),
        ),
        ("unknown_op", Core, graph(&|g| g["layers"][0]["op"] = json!("attention"))),
        ("conv2d_with_dense_fields", Core, graph(&|g| g["layers"][0]["op"] = json!("conv2d"))),
        (
            "quantized_layer",
            Core,
            graph(&|g| g["layers"][0]["quantization"] = json!({"scheme": "int8_per_channel"})),
        ),
        (
            "reshape_overflow",
            Core,
            graph(&|g| {
                let huge = 1u64 << 20;
                let reshape =
                    json!({"op": "reshape", "name": "r", "shape": [huge, huge, huge, huge]});
                g["layers"].as_array_mut().expect("layers").insert(1, reshape);
            }),
        ),
        (
            "softplus_tiny_beta",
            Core,
            graph(&|g| g["layers"][0]["activation"] = json!({"kind": "softplus", "beta": 1e-45})),
        ),
        ("negative_width", Core, graph(&|g| g["layers"][0]["out_features"] = json!(-2))),
        ("zero_dim", Core, graph(&|g| g["layers"][0]["out_features"] = json!(0))),
        ("absurd_dim", Core, graph(&|g| g["layers"][0]["out_features"] = json!(1u64 << 40))),
        ("absurd_input_shape", Core, graph(&|g| g["input_shape"] = json!(vec![1u64 << 20; 4]))),
        ("shape_chain", Core, replace_layer(model, 1, "dec.0", 4, 3)),
        ("output_size", Core, replace_layer(model, 1, "dec.0", 2, 4)),
        ("duplicate_layer_names", Core, graph(&|g| g["layers"][1]["name"] = json!("enc.0"))),
        ("latent_out_of_range", Core, graph(&|g| g["latent_layer"] = json!(5))),
        ("latent_is_last_layer", Core, graph(&|g| g["latent_layer"] = json!(1))),
        ("vae_without_gaussian_head", Core, graph(&|g| g["kind"] = json!("vae"))),
        (
            "several_problems",
            Core,
            graph(&|g| {
                g["layers"][0]["activation"] = json!("swish");
                g["layers"][1]["weight"] = json!("dec.0.kernel");
            }),
        ),
        // Preprocessing and anomaly settings.
        (
            "preprocessing_length",
            Core,
            meta(
                KEY_PREPROCESSING,
                Some(json!({"kind": "min_max", "min": [0.0, 20.0], "max": [0.5, 80.0, 105.0]})),
            ),
        ),
        (
            "zero_range",
            Core,
            meta(
                KEY_PREPROCESSING,
                Some(
                    json!({"kind": "min_max", "min": [0.0, 20.0, 95.0], "max": [0.5, 20.0, 105.0]}),
                ),
            ),
        ),
        (
            "tiny_std",
            Core,
            meta(
                KEY_PREPROCESSING,
                Some(json!({"kind": "standard", "mean": [0.0], "std": [1e-38]})),
            ),
        ),
        (
            "negative_threshold",
            Core,
            meta(KEY_ANOMALY, Some(json!({"metric": "mse", "threshold": -0.5}))),
        ),
    ];
    cases.sort_by_key(|(name, _, _)| *name);
    cases
}

/// A safetensors file taken apart: the header as JSON and the data bytes after it.
struct Container {
    header: Value,
    data: Vec<u8>,
}

impl Container {
    fn parse(bytes: &[u8]) -> Self {
        let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
        let header = serde_json::from_slice(&bytes[8..8 + n]).expect("header JSON");
        Container { header, data: bytes[8 + n..].to_vec() }
    }

    /// Lays the file out again, the header padded with spaces to a multiple of 8 as the
    /// writer does (offsets are unchanged, so the data is copied as is).
    fn bytes(&self) -> Vec<u8> {
        let mut header = self.header.to_string().into_bytes();
        header.resize(header.len().next_multiple_of(8), b' ');
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.data);
        out
    }

    fn edit(mut self, f: impl FnOnce(&mut Map<String, Value>)) -> Self {
        f(self.header.as_object_mut().expect("header object"));
        self
    }

    /// Sets (or with `None` removes) one `__metadata__` entry.
    fn meta(self, key: &str, value: Option<String>) -> Self {
        self.edit(|h| {
            let meta = h["__metadata__"].as_object_mut().expect("metadata object");
            match value {
                Some(v) => drop(meta.insert(key.to_owned(), Value::String(v))),
                None => drop(meta.remove(key)),
            }
        })
    }

    fn graph(self, f: impl FnOnce(&mut Value)) -> Self {
        let text = self.header["__metadata__"][KEY_GRAPH].as_str().expect("graph entry").to_owned();
        let mut graph: Value = serde_json::from_str(&text).expect("graph JSON");
        f(&mut graph);
        self.meta(KEY_GRAPH, Some(graph.to_string()))
    }

    /// Overwrites element `index` of an F32 tensor in the data section.
    fn set_f32(mut self, key: &str, index: usize, value: f32) -> Self {
        let start = self.header[key]["data_offsets"][0].as_u64().expect("offset") as usize;
        let at = start + 4 * index;
        self.data[at..at + 4].copy_from_slice(&value.to_le_bytes());
        self
    }
}

fn rename(object: &mut Value, from: &str, to: &str) {
    let map = object.as_object_mut().expect("layer object");
    let value = map.remove(from).expect("field to rename");
    map.insert(to.to_owned(), value);
}

/// The header length field claims a megabyte the file does not have.
fn header_too_long(base: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    bytes[..8].copy_from_slice(&(1u64 << 20).to_le_bytes());
    bytes
}

/// `tinyae.preprocessing` misspelt: the scaling would be dropped without a word.
fn misspelt_key(base: &[u8]) -> Vec<u8> {
    Container::parse(base)
        .edit(|h| {
            let meta = h["__metadata__"].as_object_mut().expect("metadata object");
            let prep = meta.remove(KEY_PREPROCESSING).expect("preprocessing entry");
            meta.insert("tinyae.preprocesing".to_owned(), prep);
        })
        .bytes()
}

/// The header's closing `}` becomes a space: still `{`-prefixed and the right length, but the
/// JSON object never ends.
fn bad_header_json(base: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    let n = u64::from_le_bytes(base[..8].try_into().expect("8 bytes")) as usize;
    let close = bytes[8..8 + n].iter().rposition(|b| *b == b'}').expect("a closing brace");
    bytes[8 + close] = b' ';
    bytes
}

/// The sensor model in int8 (calibrated on rows across its input range), its graph edited.
fn quantized(model: &Model, edit: &dyn Fn(&mut Value)) -> Vec<u8> {
    let q = int8(model);
    Container::parse(&format::to_bytes(&q).expect("serialize")).graph(edit).bytes()
}

fn int8(model: &Model) -> Model {
    let mut rng = Rng::new(3);
    let rows: Vec<Vec<f32>> = (0..32)
        .map(|_| {
            vec![rng.next_f32() * 0.5, 20.0 + rng.next_f32() * 60.0, 95.0 + rng.next_f32() * 10.0]
        })
        .collect();
    let cal = tinyae_core::quantize::calibrate(model, &rows).expect("calibrate");
    tinyae_core::quantize::to_int8(model, &cal).expect("int8")
}

/// An int8 encoder and an f32 decoder: a valid file the generator cannot emit yet.
fn mixed_precision(model: &Model) -> Vec<u8> {
    let mut m = int8(model);
    m.layers[1] = model.layers[1].clone();
    format::to_bytes(&m).expect("serialize")
}

/// The model with layer `index` replaced by a fresh `inputs → outputs` dense layer whose
/// tensors match its declared size, so only the graph-level rule breaks.
fn replace_layer(
    model: &Model,
    index: usize,
    name: &str,
    inputs: usize,
    outputs: usize,
) -> Vec<u8> {
    let mut m = model.clone();
    let activation = m.layers[index].activation;
    m.layers[index] = synth::dense_layer(name, inputs, outputs, activation, &mut Rng::new(99));
    format::to_bytes(&m).expect("serialize")
}
