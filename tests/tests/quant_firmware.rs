//! int8, f16 and pruned models on emulated microcontrollers (`examples/quant-firmware`):
//! every output the Cortex-M4F and riscv32imc firmware prints equals the reference
//! interpreter's on the host, bit for bit (f32 outputs and scores; the int8 outputs of
//! `reconstruct_q` against `tinyae_core::quant::run_q`).
//!
//! Missing targets or QEMU skip with a printed reason, or fail when `TINYAE_REQUIRE_TARGETS=1`
//! or `TINYAE_REQUIRE_QEMU=1`.

mod embedded;

use std::collections::BTreeMap;
use std::process::Command;

use embedded::{
    available, cargo, emulate, expect_success, missing_programs, missing_targets, target_dir,
};
use tinyae_core::{quant, reference, Model};
use tinyae_tests::{load_model, repo_root};

/// `(target, qemu, machine arguments)`.
const BOARDS: [(&str, &str, &[&str]); 2] = [
    (
        "thumbv7em-none-eabihf",
        "qemu-system-arm",
        &[
            "-machine",
            "mps2-an386",
            "-cpu",
            "cortex-m4",
            "-semihosting-config",
            "enable=on,target=native",
        ],
    ),
    ("riscv32imc-unknown-none-elf", "qemu-system-riscv32", &["-machine", "virt", "-bios", "none"]),
];

/// The firmware's model names and their files.
const MODELS: [(&str, &str); 15] = [
    ("ecg_f32", "ecg5000"),
    ("ecg_f32_full", "ecg5000"),
    ("ecg_f16", "ecg5000.f16"),
    ("ecg_int8", "ecg5000.int8"),
    ("ecg_int8_full", "ecg5000.int8"),
    ("ecg_pruned80", "ecg5000.pruned80"),
    ("ecg_pruned80_full", "ecg5000.pruned80"),
    ("ecg_pruned80_int8", "ecg5000.pruned80.int8"),
    ("ecg_pruned80_int8_full", "ecg5000.pruned80.int8"),
    ("mnist_f32", "mnist"),
    ("mnist_f16", "mnist.f16"),
    ("mnist_int8", "mnist.int8"),
    ("mnist_pruned80", "mnist.pruned80"),
    ("mnist_pruned80_int8", "mnist.pruned80.int8"),
    // Imported from a full-integer .tflite (docs/IMPORT.md), not a shipped model.
    ("mnist_tflite_int8", "../tests/fixtures/import/keras_mnist_int8_calibrated"),
];

/// The harness's test vectors the firmware embeds (its first 4 ECG beats, 2 MNIST images).
fn inputs(model: &str) -> Vec<Vec<f32>> {
    let (file, rows) = if model.starts_with("ecg") { ("ecg5000", 4) } else { ("mnist", 2) };
    let path = repo_root().join("examples/firmware/harness/vectors").join(format!("{file}.json"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json");
    json["inputs"].as_array().expect("inputs")[..rows]
        .iter()
        .map(|r| {
            r.as_array().expect("row").iter().map(|v| v.as_f64().expect("num") as f32).collect()
        })
        .collect()
}

/// The host's words for `out <model> <function> <k>`.
fn expected(model: &Model, name: &str, function: &str, x: &[f32]) -> Vec<u32> {
    match function {
        "reconstruct_into" => {
            reference::reconstruct(model, x).iter().map(|v| v.to_bits()).collect()
        }
        "score" => vec![reference::anomaly_score(model, x).to_bits()],
        "reconstruct_q" => {
            let (_, first) = quant::of(&model.layers[0]).expect("int8 model");
            let q: Vec<i8> =
                reference::scale_input(model, x).iter().map(|v| first.input.quantize(*v)).collect();
            quant::run_q(&model.layers, &q).iter().map(|v| u32::from(*v as u8)).collect()
        }
        other => panic!("{name}: unknown function `{other}`"),
    }
}

fn run(target: &str, qemu: &str, machine: &[&str]) -> Option<String> {
    if !available(
        "Rust target",
        &missing_targets(&[target]),
        "TINYAE_REQUIRE_TARGETS",
        &format!("rustup target add {target}"),
    ) {
        return None;
    }
    if !available(
        "emulator",
        &missing_programs(&[qemu, "timeout"]),
        "TINYAE_REQUIRE_QEMU",
        "run .ci/install-qemu",
    ) {
        return None;
    }
    let dir = repo_root().join("examples/quant-firmware");
    expect_success(
        "quant firmware build",
        &cargo(&dir, &["build", "--release", "--target", target]),
    );
    let elf = target_dir().join(target).join("release").join("tinyae-quant-firmware");
    let out = emulate(
        Command::new("timeout")
            .args(["-k", "5", "300", qemu])
            .args(machine)
            .args(["-nographic", "-kernel"])
            .arg(&elf),
        &format!("quant-firmware-{target}"),
    );
    assert!(out.status.success(), "{qemu} ended with {}: {}", out.status, out.stderr);
    Some(out.stdout)
}

#[test]
fn int8_f16_and_pruned_models_match_the_host_bit_for_bit() {
    let models: BTreeMap<&str, Model> = MODELS
        .iter()
        .map(|(name, file)| {
            (*name, load_model(&repo_root().join(format!("models/{file}.safetensors"))))
        })
        .collect();
    for (target, qemu, machine) in BOARDS {
        let Some(report) = run(target, qemu, machine) else { continue };
        assert!(report.lines().any(|l| l == "end"), "{target}: no `end` line");
        let mut checked = 0;
        for line in report.lines().filter(|l| l.starts_with("out ")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (name, function, k) = (words[1], words[2], words[3].parse::<usize>().expect("k"));
            let got: Vec<u32> =
                words[4..].iter().map(|w| u32::from_str_radix(w, 16).expect("hex")).collect();
            let model = &models[name];
            let want = expected(model, name, function, &inputs(name)[k]);
            assert_eq!(
                got, want,
                "{target}: {name} {function} #{k} differs from the host reference"
            );
            checked += 1;
        }
        println!("{target}: {checked} outputs equal the host reference bit for bit");
        assert_eq!(
            checked,
            9 * 4 * 2 + 4 * 4 + 6 * 2 * 2 + 3 * 2,
            "{target}: every output printed"
        );
    }
}
