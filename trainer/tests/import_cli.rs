//! `tinyae import` and `tinyae calibrate` end to end on the exported fixtures of
//! tests/fixtures/import and the bundled ECG5000 data: the written files, their thresholds
//! recomputed here from the reference interpreter's scores, and the errors users see.

mod common;

use std::process::{Command, Output};

use common::{repo, TempDir};
use tinyae_core::ir::{Calibration, Preprocessing};
use tinyae_core::{reference, Model};

fn tinyae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyae")).current_dir(repo()).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> (String, String) {
    let out = tinyae(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "tinyae {args:?} failed:\n{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn load(path: &std::path::Path) -> Model {
    tinyae_core::load(&std::fs::read(path).expect("written")).expect("valid model")
}

/// The normal (class 1) beats of the bundled ECG5000 training file.
fn normal_beats() -> Vec<Vec<f32>> {
    let text = std::fs::read_to_string(repo().join("data/ecg5000/ECG5000_TRAIN.tsv")).unwrap();
    text.lines()
        .map(|l| l.split_whitespace().map(|v| v.parse::<f32>().unwrap()).collect::<Vec<_>>())
        .filter(|r| r[0] == 1.0)
        .map(|r| r[1..].to_vec())
        .collect()
}

const ECG: &str = "data/ecg5000/ECG5000_TRAIN.tsv";

/// `tinyae import MODEL -o OUT --calibrate <the normal ECG beats> EXTRA...`.
fn import_calibrated(model: &str, out: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["import", model, "-o", out.to_str().unwrap()];
    args.extend(["--calibrate", ECG, "--format", "ucr", "--normal", "1"]);
    args.extend(extra);
    ok(&args).0
}

#[test]
fn import_calibrates_at_the_requested_percentile() {
    let dir = TempDir::new("import-percentile");
    let out = dir.path("ecg.safetensors");
    let stdout =
        import_calibrated("tests/fixtures/import/torch_dense.onnx", &out, &["--percentile", "95"]);
    assert!(stdout.contains("95th percentile of 292 mse scores"), "{stdout}");
    let model = load(&out);
    let anomaly = model.anomaly.as_ref().expect("threshold");
    assert!(
        matches!(anomaly.calibration, Calibration::Percentile { percentile, samples: Some(292), .. } if percentile == 95.0)
    );
    // numpy's linear interpolation puts the 95th percentile of 292 scores at rank
    // 0.95 · 291 = 276.45 (0-based), between the 277th and 278th smallest: 15 beats are above.
    let above = normal_beats()
        .iter()
        .filter(|x| reference::anomaly_score(&model, x) > anomaly.threshold)
        .count();
    assert_eq!(above, 15, "beats above the 95th percentile");
    assert!(model
        .provenance
        .extra
        .iter()
        .any(|(k, v)| k == "source_file" && v == "torch_dense.onnx"));
}

#[test]
fn calibrate_sets_mean_plus_k_std_and_scaling_in_place() {
    let dir = TempDir::new("calibrate-kstd");
    let out = dir.path("ecg.safetensors");
    ok(&["import", "tests/fixtures/import/keras_ecg_dense.tflite", "-o", out.to_str().unwrap()]);
    assert!(load(&out).anomaly.is_none());
    let (stdout, _) = ok(&[
        "calibrate",
        out.to_str().unwrap(),
        "--data",
        ECG,
        "--format",
        "ucr",
        "--normal",
        "1",
        "--k-std",
        "3",
        "--metric",
        "mae",
        "--scaling-range",
        "-6,6",
    ]);
    assert!(stdout.contains("mean + 3·std of 292 mae scores"), "{stdout}");
    let model = load(&out);
    assert_eq!(model.preprocessing, Preprocessing::MinMax { min: vec![-6.0], max: vec![6.0] });
    let scores: Vec<f64> =
        normal_beats().iter().map(|x| f64::from(reference::anomaly_score(&model, x))).collect();
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let std = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / scores.len() as f64).sqrt();
    let t = model.anomaly.as_ref().expect("threshold").threshold;
    assert!(
        (f64::from(t) - (mean + 3.0 * std)).abs() <= 1e-6 * (mean + 3.0 * std),
        "{t} vs {}",
        mean + 3.0 * std
    );
}

#[test]
fn few_calibration_samples_warn() {
    let dir = TempDir::new("calibrate-few");
    let model = dir.path("m.safetensors");
    ok(&["import", "tests/fixtures/import/keras_ecg_dense.tflite", "-o", model.to_str().unwrap()]);
    let csv = dir.path("few.csv");
    let rows: Vec<String> = normal_beats()[..10]
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect();
    std::fs::write(&csv, rows.join("\n")).unwrap();
    let (_, stderr) = ok(&["calibrate", model.to_str().unwrap(), "--data", csv.to_str().unwrap()]);
    assert!(stderr.contains("only 10 samples") && stderr.contains("fewer than 50"), "{stderr}");
}

#[test]
fn unsupported_models_fail_with_the_route_that_works() {
    let dir = TempDir::new("import-errors");
    let out = dir.path("x.safetensors");
    for (file, expect) in [
        (
            "tests/fixtures/import/keras3_lstm.tflite",
            &["WHILE at node", "tf_keras", "UNIDIRECTIONAL_SEQUENCE_LSTM"][..],
        ),
        ("tests/fixtures/import/keras3_lstm.onnx", &["Loop at node", ".tflite"][..]),
        ("tests/fixtures/import/keras_mnist_conv_int8.tflite", &["int8"][..]),
        ("README.md", &["not a .onnx or .tflite file"][..]),
    ] {
        let o = tinyae(&["import", file, "-o", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{file} imported");
        for e in expect {
            assert!(stderr.contains(e), "{file}: `{e}` missing from:\n{stderr}");
        }
        assert!(!out.exists(), "{file}: a failed import wrote a file");
    }
}

/// The imported model the Cortex-M4F firmware runs (examples/firmware/harness) is what this
/// documented command writes today.
#[test]
fn the_firmware_import_is_current() {
    let dir = TempDir::new("import-firmware");
    let out = dir.path("keras_ecg_calibrated.safetensors");
    import_calibrated(
        "tests/fixtures/import/keras_ecg_dense.tflite",
        &out,
        &["--scaling", "min-max", "--percentile", "95"],
    );
    let committed = repo().join("tests/fixtures/import/keras_ecg_calibrated.safetensors");
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&committed).unwrap(),
        "{} is stale: rerun the command of this test with `-o` pointing at it",
        committed.display()
    );
}
