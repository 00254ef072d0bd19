//! The `tinyae` binary end to end: help, train (history, plot, checkpoint, resume, Ctrl-C),
//! inspect, eval, plot, synth. Uses the shipped models and bundled data (small ones only).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{repo, TempDir};

fn tinyae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyae")).current_dir(repo()).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = tinyae(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tinyae {args:?} failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.len() > 1000 && b.starts_with(b"\x89PNG"))
}

#[test]
fn every_command_has_help() {
    for cmd in [
        &["--help"][..],
        &["train", "--help"],
        &["inspect", "--help"],
        &["eval", "--help"],
        &["plot", "--help"],
        &["synth", "sensor", "--help"],
    ] {
        let out = ok(cmd);
        assert!(out.contains("Usage:"), "{cmd:?}: {out}");
    }
}

#[test]
fn inspect_shows_layers_sizes_threshold_and_provenance() {
    let out = ok(&["inspect", "models/ecg5000.safetensors"]);
    let model =
        tinyae_core::load(&std::fs::read(repo().join("models/ecg5000.safetensors")).unwrap())
            .unwrap();
    let c = tinyae_core::cost::cost(&model);
    for part in [
        "enc.0",
        "dec.2",
        "(latent)",
        "sigmoid",
        "f16",
        "int8",
        "RAM: scratch",
        "min_max",
        "Threshold:",
        "95th percentile",
        "tinyae-trainer",
    ] {
        assert!(out.contains(part), "missing `{part}` in:\n{out}");
    }
    let params = format!("{},{:03}", c.params / 1000, c.params % 1000);
    assert!(out.contains(&format!("Total params: {params}")), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["inspect", "models/ecg5000.safetensors", "--json"])).unwrap();
    assert_eq!(json["params"], c.params);
    assert_eq!(json["flash_bytes"]["f32"], c.params * 4);
}

/// A conv chain streams row by row; inspect says so, and the dense model keeps whole outputs.
#[test]
fn inspect_says_which_path_the_layer_outputs_take() {
    let out = ok(&["inspect", "models/mnist_conv.safetensors"]);
    assert!(out.contains("Layer outputs: row by row (5 stages"), "{out}");
    assert!(out.contains("scratch 2100 f32 values = 8,400 B"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["inspect", "models/mnist_conv.safetensors", "--json"])).unwrap();
    assert_eq!(json["streams_rows"], true);
    assert_eq!(json["scratch_len"], 2100);
    let dense = ok(&["inspect", "models/ecg5000.safetensors"]);
    assert!(dense.contains("Layer outputs: whole layer outputs"), "{dense}");
}

#[test]
fn eval_reports_metrics_consistent_with_its_confusion_matrix() {
    let out =
        ok(&["eval", "models/sensor.safetensors", "--config", "configs/sensor.toml", "--json"]);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let c = &j["confusion"];
    let (tp, fp, tn, fn_) = (
        c["tp"].as_f64().unwrap(),
        c["fp"].as_f64().unwrap(),
        c["tn"].as_f64().unwrap(),
        c["fn"].as_f64().unwrap(),
    );
    assert_eq!(tp + fp + tn + fn_, 2000.0);
    assert!((j["precision"].as_f64().unwrap() - tp / (tp + fp)).abs() < 1e-12);
    assert!((j["recall"].as_f64().unwrap() - tp / (tp + fn_)).abs() < 1e-12);
    assert!(j["roc_auc"].as_f64().unwrap() > 0.99, "{out}");
    let table = ok(&[
        "eval",
        "models/sensor.safetensors",
        "--data",
        "data/sensor/sensor_test.csv",
        "--label-column",
        "label",
        "--normal",
        "normal",
    ]);
    for part in ["predicted anomaly", "ROC-AUC", "PR-AUC", "F1"] {
        assert!(table.contains(part), "{table}");
    }
    // The model's data recipe names the label column and the normal labels; a model file
    // without a recipe needs them as flags.
    let recipe =
        ok(&["eval", "models/sensor.safetensors", "--data", "data/sensor/sensor_test.csv"]);
    assert!(recipe.contains("normal = {normal}: 1586 normal, 414 anomalies"), "{recipe}");
    let e = tinyae(&[
        "eval",
        "tests/fixtures/sensor.safetensors",
        "--data",
        "data/sensor/sensor_test.csv",
        "--label-column",
        "label",
    ]);
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("say which labels are normal with --normal")
    );
    // A flag that contradicts the recipe is an error naming both values.
    let e = tinyae(&[
        "eval",
        "models/sensor.safetensors",
        "--data",
        "data/sensor/sensor_test.csv",
        "--format",
        "tsv",
    ]);
    let e = String::from_utf8_lossy(&e.stderr);
    assert!(e.contains("the flags say `tsv`, but the model was trained with `csv`"), "{e}");
}

#[test]
fn plot_writes_histogram_latent_and_reconstructions() {
    let dir = TempDir::new("plot");
    let out = dir.0.to_string_lossy().into_owned();
    ok(&["plot", "models/sensor.safetensors", "--config", "configs/sensor.toml", "--out", &out]);
    for name in ["sensor.errors.png", "sensor.latent.png", "sensor.reconstructions.png"] {
        assert!(is_png(&dir.path(name)), "{name} missing or not a PNG");
    }
}

#[test]
fn plot_draws_image_grids_for_image_data() {
    // An 8×8 "image" model and ten IDX images: the reconstruction plot is a grid.
    let dir = TempDir::new("plot-images");
    let model = tinyae_core::synth::dense_autoencoder(
        &[64, 8, 64],
        tinyae_core::Activation::Relu,
        tinyae_core::Activation::Sigmoid,
        3,
    );
    std::fs::write(dir.path("m.safetensors"), tinyae_core::format::to_bytes(&model).unwrap())
        .unwrap();
    let mut idx = vec![0u8, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 8, 0, 0, 0, 8];
    idx.extend((0..640).map(|i| (i * 37 % 256) as u8));
    std::fs::write(dir.path("x.idx"), idx).unwrap();
    let out = dir.0.to_string_lossy().into_owned();
    ok(&[
        "plot",
        &dir.path("m.safetensors").to_string_lossy(),
        "--data",
        &dir.path("x.idx").to_string_lossy(),
        "--format",
        "idx",
        "--out",
        &out,
    ]);
    assert!(is_png(&dir.path("m.reconstructions.png")));
}

#[test]
fn synth_sensor_regenerates_the_bundled_data() {
    let dir = TempDir::new("synth");
    ok(&["synth", "sensor", "--out", &dir.0.to_string_lossy()]);
    for name in ["sensor_train.csv", "sensor_test.csv"] {
        let fresh = std::fs::read(dir.path(name)).unwrap();
        let bundled = std::fs::read(repo().join("data/sensor").join(name)).unwrap();
        assert!(fresh == bundled, "{name} differs from data/sensor/{name}");
    }
}

const TINY: &str = r#"
name = "cli"
output = "model.safetensors"
seed = 2
[data]
format = "csv"
train = "DATA"
label_column = "label"
normal_labels = ["normal"]
limit = 300
[model]
encoder = [4, 2]
[train]
optimizer = "adamax"
learning_rate = 0.01
batch_size = 16
epochs = EPOCHS
"#;

fn tiny_config(dir: &TempDir, epochs: usize) -> String {
    let data = repo().join("data/sensor/sensor_train.csv");
    let text = TINY.replace("DATA", &data.to_string_lossy()).replace("EPOCHS", &epochs.to_string());
    let path = dir.path("tiny.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn train_writes_model_history_plot_checkpoint_and_resume_continues_exactly() {
    let dir = TempDir::new("train");
    let config = tiny_config(&dir, 4);
    let straight = dir.path("straight.safetensors").to_string_lossy().into_owned();
    ok(&["train", &config, "-q", "--output", &straight]);
    for name in [
        "straight.safetensors",
        "straight.history.csv",
        "straight.loss.png",
        "straight.checkpoint.safetensors",
    ] {
        assert!(dir.path(name).exists(), "{name} missing: {:?}", dir.files());
    }
    let history = std::fs::read_to_string(dir.path("straight.history.csv")).unwrap();
    assert_eq!(history.lines().count(), 5, "{history}");
    assert!(is_png(&dir.path("straight.loss.png")));

    // 2 epochs, then --resume with 4: the same file as 4 straight epochs.
    let config2 = tiny_config(&dir, 2);
    let resumed = dir.path("resumed.safetensors").to_string_lossy().into_owned();
    ok(&["train", &config2, "-q", "--output", &resumed]);
    ok(&["train", &config2, "-q", "--output", &resumed, "--resume", "--epochs", "4"]);
    let a = std::fs::read(dir.path("straight.safetensors")).unwrap();
    let b = std::fs::read(dir.path("resumed.safetensors")).unwrap();
    assert!(a == b, "resumed model differs from the straight run");

    let e = tinyae(&[
        "train",
        &config,
        "--output",
        &dir.path("none.safetensors").to_string_lossy(),
        "--resume",
    ]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("no checkpoint"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_saves_a_checkpoint_and_exits_cleanly() {
    use std::time::{Duration, Instant};
    let dir = TempDir::new("sigint");
    let config = tiny_config(&dir, 1_000_000);
    let model = dir.path("m.safetensors");
    let child = Command::new(env!("CARGO_BIN_EXE_tinyae"))
        .args(["train", &config, "-q", "--output", &model.to_string_lossy()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ckpt = dir.path("m.checkpoint.safetensors");
    let started = Instant::now();
    while !ckpt.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after") && stderr.contains("--resume"), "{stderr}");
    assert!(!model.exists(), "an interrupted run must not overwrite the model");
    assert!(dir.path("m.history.csv").exists());
    // The checkpoint is whole and resumable: two more epochs finish the run.
    let done: usize =
        std::fs::read_to_string(dir.path("m.history.csv")).unwrap().lines().count() - 1;
    let more = (done + 2).to_string();
    ok(&[
        "train",
        &config,
        "-q",
        "--output",
        &model.to_string_lossy(),
        "--resume",
        "--epochs",
        &more,
    ]);
    assert!(model.exists());
}
