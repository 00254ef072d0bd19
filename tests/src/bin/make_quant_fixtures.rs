//! Writes the reduced-precision and pruned fixtures into `tests/fixtures/`: f16, bf16 and
//! int8 versions of the seeded fixtures, and 80 %-pruned ones, with
//! `tinyae_core::quantize` (int8 calibrated on the fixture's own test inputs) and
//! `tinyae_core::sparse` magnitude pruning and `tinyae_core::block_sparse` block pruning (no fine-tuning: these test the generated code,
//! not model quality).
//!
//! Run `cargo run -p tinyae-tests --bin make-quant-fixtures` after `make-fixtures`; the output
//! is committed and rerunning gives the same bytes.

use std::path::Path;

use tinyae_core::block_sparse::block_masks;
use tinyae_core::ir::{Op, Storage};
use tinyae_core::quantize::{calibrate, to_float, to_int8};
use tinyae_core::sparse::{apply_masks, magnitude_masks, Scope};
use tinyae_core::{format, Model};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let load = |name: &str| -> (Model, Vec<Vec<f32>>) {
        let bytes = std::fs::read(dir.join(format!("{name}.safetensors")))
            .expect("run make-fixtures first");
        let model = tinyae_core::load(&bytes).expect("valid fixture");
        let text =
            std::fs::read_to_string(dir.join(format!("{name}.inputs.json"))).expect("inputs");
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        let rows = json["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(|v| v.as_f64().expect("number") as f32)
                    .collect()
            })
            .collect();
        (model, rows)
    };
    let int8 = |m: &Model, rows: &[Vec<f32>]| {
        to_int8(m, &calibrate(m, rows).expect("calibrate")).expect("int8")
    };
    let pruned = |m: &Model| apply_masks(m, &magnitude_masks(m, 0.8, Scope::PerLayer));
    let mut out: Vec<(String, Model, Vec<Vec<f32>>)> = Vec::new();
    for base in ["sensor", "ecg", "mnist", "plain"] {
        let (m, rows) = load(base);
        out.push((format!("{base}_int8"), int8(&m, &rows), rows.clone()));
        if base == "sensor" {
            // `pre_activation` left to its default (the output parameters) on the table
            // activations (docs/FORMAT.md, int8 layers).
            let mut q = int8(&m, &rows);
            for layer in &mut q.layers {
                if let Op::Dense(d) = &mut layer.op {
                    d.quant.as_mut().expect("int8").pre_activation = None;
                }
            }
            out.push(("sensor_int8_default_pre".into(), q, rows.clone()));
        }
        if base != "plain" {
            out.push((
                format!("{base}_f16"),
                to_float(&m, Storage::F16).expect("f16"),
                rows.clone(),
            ));
        }
        if base == "ecg" {
            out.push(("ecg_bf16".into(), to_float(&m, Storage::Bf16).expect("bf16"), rows.clone()));
            let p = pruned(&m);
            out.push(("ecg_sparse".into(), p.clone(), rows.clone()));
            out.push((
                "ecg_sparse_f16".into(),
                to_float(&p, Storage::F16).expect("f16"),
                rows.clone(),
            ));
            out.push(("ecg_int8_sparse".into(), int8(&p, &rows), rows.clone()));
            // Whole input columns per block of 32 outputs (`tinyae_core::block_sparse`).
            let b = apply_masks(&m, &block_masks(&m, 0.8, false));
            out.push(("ecg_block".into(), b.clone(), rows.clone()));
            out.push(("ecg_int8_block".into(), int8(&b, &rows), rows.clone()));
        }
    }
    for (name, model, rows) in out {
        let bytes = format::to_bytes(&model).expect("serialize");
        tinyae_core::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        format::write_atomic(&dir.join(format!("{name}.safetensors")), &bytes).expect("write");
        let text =
            serde_json::to_string_pretty(&serde_json::json!({ "inputs": rows })).expect("json");
        format::write_atomic(&dir.join(format!("{name}.inputs.json")), text.as_bytes())
            .expect("write");
        println!("wrote {name}");
    }
}
