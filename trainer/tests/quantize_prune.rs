//! `tinyae quantize` and `tinyae prune` end to end on the shipped ECG5000 model (small and
//! fast): what lands in the file, what `inspect` shows, and that the results still load.

mod common;

use std::process::Command;

use common::{repo, TempDir};
use tinyae_core::ir::{Model, Storage};

fn ok(args: &[&str]) -> String {
    let out =
        Command::new(env!("CARGO_BIN_EXE_tinyae")).current_dir(repo()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "tinyae {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn load(path: &std::path::Path) -> Model {
    tinyae_core::load(&std::fs::read(path).unwrap()).unwrap()
}

fn weights(m: &Model) -> Vec<Vec<f32>> {
    m.layers.iter().flat_map(|l| l.op.dense_parts()).map(|d| d.weight.values.clone()).collect()
}

/// `tinyae quantize` of the shipped ECG5000 model to `precision`, written to `out`.
fn quantize_ecg5000(precision: &str, out: &std::path::Path) {
    let out = out.to_string_lossy();
    let args = ["models/ecg5000.safetensors", "--config", "configs/ecg5000.toml"];
    ok(&[&["quantize"], &args[..], &["--precision", precision, "-o", &out]].concat());
}

#[test]
fn quantize_writes_int8_and_f16_models_with_recalibrated_thresholds() {
    let dir = TempDir::new("quantize");
    let f32_model = load(&repo().join("models/ecg5000.safetensors"));
    let int8 = dir.path("int8.safetensors");
    quantize_ecg5000("int8", &int8);
    let q = load(&int8);
    assert!(tinyae_core::quant::all_quantized(&q.layers));
    let (t32, t8) =
        (f32_model.anomaly.as_ref().unwrap().threshold, q.anomaly.as_ref().unwrap().threshold);
    assert!((t8 / t32 - 1.0).abs() < 0.2, "threshold {t8} vs f32 {t32}");
    assert!(q.provenance.extra.iter().any(|(k, v)| k == "precision" && v == "int8"));
    let shown = ok(&["inspect", &int8.to_string_lossy()]);
    assert!(shown.lines().filter(|l| l.contains(" int8 ")).count() >= 6, "{shown}");

    let f16 = dir.path("f16.safetensors");
    quantize_ecg5000("f16", &f16);
    let h = load(&f16);
    // The same rounding as the core's conversion (round to nearest even, once).
    let expected = tinyae_core::quantize::to_float(&f32_model, Storage::F16).unwrap();
    assert_eq!(weights(&h), weights(&expected));
    assert!(weights(&h).concat() != weights(&f32_model).concat(), "values were rounded");
    assert!(h.layers.iter().all(|l| l.op.tensors().iter().all(|t| t.storage == Storage::F16)));
}

/// `tinyae prune` of the shipped ECG5000 model with `args`, quietly, written to `out`.
fn prune_ecg5000(args: &[&str], out: &std::path::Path) {
    let out = out.to_string_lossy();
    let from = ["prune", "configs/ecg5000.toml", "--from", "models/ecg5000.safetensors"];
    ok(&[&from[..], args, &["-q", "-o", &out]].concat());
}

#[test]
fn prune_zeroes_the_requested_fraction_and_records_it() {
    let dir = TempDir::new("prune");
    let out = dir.path("p.safetensors");
    let args = ["--sparsity", "0.5", "--scope", "layer", "--stages", "2", "--epochs", "2"];
    prune_ecg5000(&args, &out);
    let m = load(&out);
    for w in weights(&m) {
        let zeros = w.iter().filter(|v| **v == 0.0).count();
        let want = (w.len() as f64 * 0.5).round() as usize;
        assert_eq!(zeros, want, "per-layer scope: every layer at 50 %");
    }
    assert!(m.provenance.extra.iter().any(|(k, v)| k == "pruning" && v.contains("per layer")));
    let shown = ok(&["inspect", &out.to_string_lossy()]);
    assert!(shown.contains("50.0 %"), "{shown}");

    let global = dir.path("g.safetensors");
    prune_ecg5000(&["--sparsity", "0.8", "--stages", "1", "--epochs", "1"], &global);
    let all: Vec<f32> = weights(&load(&global)).concat();
    let zeros = all.iter().filter(|v| **v == 0.0).count();
    assert_eq!(zeros, (all.len() as f64 * 0.8).round() as usize, "global scope: 80 % overall");
}
