//! The firmware in `examples/firmware` on emulated microcontrollers: every output bit for bit
//! equal to the host's generated code, and the measured stack next to the macro's constant.
//!
//! Each board crate is built (release, its own `.cargo/config.toml`), run in QEMU under
//! `timeout`, and its report (`examples/firmware/harness/src/run.rs` documents the format) is
//! compared with the same functions run here on the same inputs. Bit equality is expected: the
//! generated code does the same f32 operations in the same order on every target (no FMA
//! contraction; the soft-float routines round like hardware; `libm` is the same code). The
//! `*_fma` models (`fma = true`, Cortex-M4F) fuse every dense multiply-add on both sides:
//! `vfma.f32` on the board, the host's FMA instruction or `libm::fmaf` here, all correctly
//! rounded (`tests/tests/fma_parity.rs` ties the host's to the reference's `mul_add`).
//!
//! Missing targets or QEMU skip with a printed reason, or fail when `TINYAE_REQUIRE_TARGETS=1`
//! or `TINYAE_REQUIRE_QEMU=1`.

mod embedded;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use embedded::{
    available, cargo, emulate, expect_success, missing_programs, missing_targets, target_dir,
};
use tinyae::{AnomalyDetector, Encoder, ModelInfo};
use tinyae_tests::{generated, input, repo_root, rows};

generated! {
    // The models of examples/firmware/harness/src/models.rs, from the same files.
    sensor = "../models/sensor.safetensors": [Model];
    ecg5000 = "../models/ecg5000.safetensors": [Model];
    mnist = "../models/mnist.safetensors": [Model];
    activations = "fixtures/ecg.safetensors": [Model];
    // `fma = true` (Cortex-M4F: `vfma.f32`; here the host's own fused multiply-add).
    sensor_fma = "../models/sensor.safetensors": [Model(fma = true)];
    mnist_fma = "../models/mnist.safetensors": [Model(fma = true)];
    mnist_conv = "../models/mnist_conv.safetensors": [Model];
    ecg5000_lstm = "../models/ecg5000_lstm.safetensors": [Model];
    // Model parts (examples/firmware/harness/src/parts.rs), on the MNIST vectors.
    mnist_encoder = "../models/mnist.safetensors": [Model(parts = encoder)];
    mnist_vae16 = "../models/mnist_vae16.safetensors": [Model(parts = encoder)];
    keras_ecg = "fixtures/import/keras_ecg_calibrated.safetensors": [Model];
    nab_stream = "../models/nab_machine_temperature.safetensors": [Model];
}
/// The constants of the `model` line: the firmware's own source.
#[path = "../../examples/firmware/harness/src/constants.rs"]
mod model_constants;
/// The device's noise for `sample_latent`: the firmware's own source, so both draw the same ε.
#[path = "../../examples/firmware/harness/src/noise.rs"]
mod noise;
/// `NOISE_SEED` of examples/firmware/harness/src/parts.rs.
const NOISE_SEED: u32 = 2015;

/// A board crate and how QEMU boots it.
struct Board {
    dir: &'static str,
    target: &'static str,
    qemu: &'static str,
    machine: &'static [&'static str],
    models: &'static [&'static str],
}

const CORTEX_M4F: Board = Board {
    dir: "cortex-m4f",
    target: "thumbv7em-none-eabihf",
    qemu: "qemu-system-arm",
    machine: &["-machine", "mps2-an386", "-cpu", "cortex-m4", SEMIHOSTING[0], SEMIHOSTING[1]],
    models: &[
        "sensor",
        "ecg5000",
        "mnist",
        "activations",
        "mnist_conv",
        "ecg5000_lstm",
        "mnist_encoder",
        "mnist_vae16",
        "keras_ecg",
        "nab_stream",
        "sensor_fma",
        "mnist_fma",
    ],
};

const CORTEX_M0: Board = Board {
    dir: "cortex-m0",
    target: "thumbv6m-none-eabi",
    qemu: "qemu-system-arm",
    machine: &["-machine", "microbit", SEMIHOSTING[0], SEMIHOSTING[1]],
    // 256 KB of flash: the MNIST-sized model's 889,536 bytes of weights do not fit. 16 KB of
    // RAM: the row-streamed mnist_conv runs its `*_into` functions (8,400 bytes of scratch and
    // a 3,136-byte buffer), not the by-value ones (harness/src/lean.rs).
    models: &["sensor", "ecg5000", "activations", "mnist_conv_into"],
};

const RISCV32IMC: Board = Board {
    dir: "riscv32imc",
    target: "riscv32imc-unknown-none-elf",
    qemu: "qemu-system-riscv32",
    machine: &["-machine", "virt", "-bios", "none"],
    models: &["sensor", "ecg5000", "mnist", "activations", "mnist_conv"],
};

const SEMIHOSTING: [&str; 2] = ["-semihosting-config", "enable=on,target=native"];
/// Seconds a run may take before `timeout` ends it (a hung firmware keeps QEMU alive). The
/// soft-float cores run mnist_conv (721,504 MACs, ~70 M instructions an inference) some 40
/// times: 20 s of CPU, several times that on a loaded machine.
const RUN_SECONDS: &str = "480";

/// Output lines keyed by (model, function, vector index), as f32 bit patterns.
type Outputs = BTreeMap<(String, String, usize), Vec<u32>>;

/// What a firmware run reported.
#[derive(Debug, Default)]
struct Report {
    outputs: Outputs,
    /// (model, constant) → value, from the `model` lines.
    constants: BTreeMap<(String, String), usize>,
    /// (model, function) → bytes; `None` when the peak filled the painted window.
    stacks: Vec<(String, String, Option<usize>)>,
    complete: bool,
}

fn parse(text: &str) -> Report {
    let mut report = Report::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["out", model, function, k, values @ ..] => {
                let bits = values
                    .iter()
                    .map(|h| u32::from_str_radix(h, 16).unwrap_or_else(|e| panic!("{line}: {e}")))
                    .collect();
                let key = (model.to_string(), function.to_string(), k.parse().expect("index"));
                assert!(report.outputs.insert(key, bits).is_none(), "repeated line: {line}");
            }
            ["model", model, pairs @ ..] => {
                for pair in pairs.chunks(2) {
                    let value = pair[1].parse().unwrap_or_else(|e| panic!("{line}: {e}"));
                    report.constants.insert((model.to_string(), pair[0].to_owned()), value);
                }
            }
            ["stack", _, _, "n/a"] => {}
            ["stack", model, function, "at-least", _] => {
                report.stacks.push((model.to_string(), function.to_string(), None));
            }
            ["stack", model, function, bytes] => {
                let bytes = bytes.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
                report.stacks.push((model.to_string(), function.to_string(), Some(bytes)));
            }
            ["end"] => report.complete = true,
            _ => {}
        }
    }
    report
}

/// `examples/firmware/harness/vectors/<name>.json`, which the firmware embeds (an `fma = true`
/// variant runs on its model's vectors).
fn firmware_vectors(name: &str) -> serde_json::Value {
    let name = name.strip_suffix("_fma").unwrap_or(name);
    let path = repo_root().join("examples/firmware/harness/vectors").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report lines of `harness/src/lean.rs` (the `*_into` functions alone), computed here by
/// the host's generated code on the `vectors` model's vectors.
fn host_into_outputs<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    name: &str,
    vectors: &str,
    into: &mut Outputs,
) {
    let v = firmware_vectors(vectors);
    let mut put = |function: &str, k: usize, bits: Vec<u32>| {
        into.insert((name.to_owned(), function.to_owned(), k), bits);
    };
    let (mut scratch, mut y, mut z) = (M::new_scratch(), [0.0f32; N], [0.0f32; L]);
    for (k, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; N] = input(row);
        M::encode_into(&x, &mut scratch, &mut z);
        put("encode_into", k, bits(&z));
        M::reconstruct_into(&x, &mut scratch, &mut y);
        put("reconstruct_into", k, bits(&y));
        put("score_into", k, bits(&[M::anomaly_score_into(&x, &mut scratch, &mut y)]));
    }
    for (k, row) in rows(&v, "latents").iter().enumerate() {
        M::decode_into(&input(row), &mut scratch, &mut y);
        put("decode_into", k, bits(&y));
    }
}

/// The same report lines, computed here by the host's generated code: the by-value functions,
/// then the `*_into` ones as [`host_into_outputs`] computes them.
fn host_outputs<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    name: &str,
    into: &mut Outputs,
) {
    let v = firmware_vectors(name);
    let mut put = |function: &str, k: usize, bits: Vec<u32>| {
        into.insert((name.to_owned(), function.to_owned(), k), bits);
    };
    for (k, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; N] = input(row);
        put("encode", k, bits(&M::encode(&x)));
        put("reconstruct", k, bits(&M::reconstruct(&x)));
        put("score", k, bits(&[M::anomaly_score(&x)]));
        put("is_anomaly", k, vec![u32::from(M::is_anomaly(&x))]);
    }
    for (k, row) in rows(&v, "latents").iter().enumerate() {
        put("decode", k, bits(&M::decode(&input::<L>(row))));
    }
    host_into_outputs::<M, N, L>(name, name, into);
}

/// The stream lines of `harness/src/stream.rs`: the score of every window the readings
/// complete, with strides 1 and 3, computed here by batch scoring (`anomaly_score` on each
/// window cut from the readings) — the firmware streams, the host does not.
fn host_stream_outputs(name: &str, into: &mut Outputs) {
    let v = firmware_vectors(name);
    let readings: Vec<f32> = rows(&v, "inputs").iter().map(|r| input::<1>(r)[0]).collect();
    for (stride, function) in [(1, "stream"), (3, "stream3")] {
        let starts = (0..=readings.len() - 48).step_by(stride);
        for (k, s) in starts.enumerate() {
            let x: [f32; 48] = readings[s..s + 48].try_into().expect("48 readings");
            let score = nab_stream::Model::anomaly_score(&x);
            into.insert((name.to_owned(), function.to_owned(), k), vec![score.to_bits()]);
        }
    }
}

/// The `stream` line: on a 32-bit target a 48-reading stream holds two copies of the window
/// and four `usize` fields.
fn check_stream_line(board: &Board, text: &str) {
    if !board.models.contains(&"nab_stream") {
        return;
    }
    let line = text.lines().find(|l| l.starts_with("stream nab_stream")).expect("a stream line");
    assert_eq!(
        line,
        format!("stream nab_stream stream_bytes {} window 48 reading_len 1", 2 * 48 * 4 + 4 * 4)
    );
}

/// The report lines of an encoder-only part on the `vectors` model's inputs.
fn host_encoder_outputs<M: Encoder<N, L>, const N: usize, const L: usize>(
    name: &str,
    vectors: &str,
    into: &mut Outputs,
) {
    let v = firmware_vectors(vectors);
    let (mut scratch, mut z) = (M::new_scratch(), [0.0f32; L]);
    for (k, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; N] = input(row);
        into.insert((name.to_owned(), "encode".to_owned(), k), bits(&M::encode(&x)));
        M::encode_into(&x, &mut scratch, &mut z);
        into.insert((name.to_owned(), "encode_into".to_owned(), k), bits(&z));
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|f| f.to_bits()).collect()
}

/// A model's constants keyed by (model, constant), as its `model` line states them.
type Constants = Vec<((String, String), usize)>;

fn host_constants<M: ModelInfo>(name: &str) -> Constants {
    let constants = model_constants::model_constants::<M>();
    constants.into_iter().map(|(k, v)| ((name.to_owned(), k.to_owned()), v)).collect()
}

/// A model a board may report, by its name in the report: how the host computes its report
/// lines, and its constants (the `model` line).
type HostModel = (&'static str, fn(&str, &mut Outputs), fn(&str) -> Constants);

/// [`HostModel`]s: `"name" (module) => outputs;`, the constants those of `module::Model`.
macro_rules! host_models {
    ($($name:literal ($m:ident) => $outputs:expr;)*) => {
        const HOST_MODELS: &[HostModel] = &[$(($name, $outputs, host_constants::<$m::Model>)),*];
    };
}

host_models! {
    "sensor" (sensor) => host_outputs::<sensor::Model, 3, 2>;
    "ecg5000" (ecg5000) => host_outputs::<ecg5000::Model, 140, 8>;
    "mnist" (mnist) => host_outputs::<mnist::Model, 784, 32>;
    "activations" (activations) => host_outputs::<activations::Model, 140, 8>;
    "mnist_conv" (mnist_conv) => host_outputs::<mnist_conv::Model, 784, 784>;
    "mnist_conv_into" (mnist_conv) =>
        |model, into| host_into_outputs::<mnist_conv::Model, 784, 784>(model, "mnist_conv", into);
    "ecg5000_lstm" (ecg5000_lstm) => host_outputs::<ecg5000_lstm::Model, 140, 32>;
    "mnist_encoder" (mnist_encoder) =>
        |model, into| host_encoder_outputs::<mnist_encoder::Model, 784, 32>(model, "mnist", into);
    "mnist_vae16" (mnist_vae16) => host_vae16_outputs;
    "sensor_fma" (sensor_fma) => host_outputs::<sensor_fma::Model, 3, 2>;
    "mnist_fma" (mnist_fma) => host_outputs::<mnist_fma::Model, 784, 32>;
    "keras_ecg" (keras_ecg) => host_outputs::<keras_ecg::Model, 140, 8>;
    "nab_stream" (nab_stream) => host_stream_outputs;
}

/// The VAE encoder part: its encoder lines on the MNIST inputs, and `sample_latent` with the
/// device's noise.
fn host_vae16_outputs(model: &str, outputs: &mut Outputs) {
    host_encoder_outputs::<mnist_vae16::Model, 784, 16>(model, "mnist", outputs);
    let mut noise = noise::Noise::new(NOISE_SEED);
    for (k, row) in rows(&firmware_vectors("mnist"), "inputs").iter().enumerate() {
        let eps = noise.normals::<16>();
        let z = mnist_vae16::Model::sample_latent(&input(row), &eps);
        outputs.insert((model.to_string(), "sample_latent".to_owned(), k), bits(&z));
    }
}

fn host(models: &[&str]) -> (Outputs, BTreeMap<(String, String), usize>) {
    let (mut outputs, mut constants) = (Outputs::new(), BTreeMap::new());
    for model in models {
        let (_, host_outputs, host_constants) = HOST_MODELS
            .iter()
            .find(|(name, ..)| name == model)
            .unwrap_or_else(|| panic!("no host model `{model}`"));
        host_outputs(model, &mut outputs);
        constants.extend(host_constants(model));
    }
    (outputs, constants)
}

/// Builds and runs `board`, or returns `None` after printing why it was skipped.
fn run(board: &Board) -> Option<Report> {
    let fix = format!("rustup target add {}", board.target);
    if !available("Rust target", &missing_targets(&[board.target]), "TINYAE_REQUIRE_TARGETS", &fix)
    {
        return None;
    }
    let programs = missing_programs(&[board.qemu, "timeout"]);
    if !available("emulator", &programs, "TINYAE_REQUIRE_QEMU", "run .ci/install-qemu") {
        return None;
    }
    let dir = repo_root().join("examples").join("firmware").join(board.dir);
    expect_success(
        &format!("firmware build in {}", dir.display()),
        &cargo(&dir, &["build", "--release"]),
    );
    let elf: PathBuf = target_dir()
        .join(board.target)
        .join("release")
        .join(format!("tinyae-firmware-{}", board.dir));
    let out = emulate(
        Command::new("timeout")
            .args(["-k", "5", RUN_SECONDS, board.qemu])
            .args(board.machine)
            .args(["-nographic", "-kernel"])
            .arg(&elf),
        &format!("firmware-{}", board.dir),
    );
    let stdout = out.stdout;
    assert!(
        out.status.success(),
        "{} on {} ended with {} (124: timed out after {RUN_SECONDS} s)\nstderr:\n{}\nlast output:\n{}",
        elf.display(),
        board.qemu,
        out.status,
        out.stderr,
        stdout.lines().rev().take(5).collect::<Vec<_>>().join("\n"),
    );
    let report = parse(&stdout);
    assert!(report.complete, "{}: the report has no `end` line", board.dir);
    check_stream_line(board, &stdout);
    Some(report)
}

/// The first few differences, each with both values and their distance in ULPs.
fn differences(firmware: &Outputs, host: &Outputs) -> Vec<String> {
    let mut diffs = Vec::new();
    for (key, expected) in host {
        let Some(actual) = firmware.get(key) else {
            diffs.push(format!("{key:?}: missing from the firmware's report"));
            continue;
        };
        if actual.len() != expected.len() {
            diffs.push(format!("{key:?}: {} values, expected {}", actual.len(), expected.len()));
            continue;
        }
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            if a != e {
                let ulps = (i64::from(*a as i32) - i64::from(*e as i32)).abs();
                diffs.push(format!(
                    "{key:?}[{i}]: firmware {} ({a:#010x}), host {} ({e:#010x}), {ulps} ulp",
                    f32::from_bits(*a),
                    f32::from_bits(*e)
                ));
            }
        }
    }
    for key in firmware.keys().filter(|k| !host.contains_key(*k)) {
        diffs.push(format!("{key:?}: reported by the firmware but not computed on the host"));
    }
    diffs
}

fn check_board(board: &Board) {
    let Some(report) = run(board) else { return };
    check_report(board.dir, &report, board.models);
    print_stacks(board.dir, &report);
}

/// Every constant and output of `report` equal to the host's for `models`.
fn check_report(name: &str, report: &Report, models: &[&str]) {
    let (outputs, constants) = host(models);
    for (key, value) in &constants {
        assert_eq!(report.constants.get(key), Some(value), "{name}: constant {key:?}");
    }
    let diffs = differences(&report.outputs, &outputs);
    assert!(
        diffs.is_empty(),
        "{name}: {} of {} outputs differ from the host's generated code:\n{}",
        diffs.len(),
        outputs.len(),
        diffs.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    println!("{name}: {} outputs identical to the host's, bit for bit", outputs.len());
}

fn print_stacks(board: &str, report: &Report) {
    for (model, function, bytes) in &report.stacks {
        let (constant, name) = stack_constant(report, model, function);
        let bytes = bytes.map_or("over the painted window".to_owned(), |b| b.to_string());
        println!("{board}: {model} {function}: stack {bytes} ({name} {constant})");
    }
}

/// The by-value functions' measured stack must fit the macro's RAM constant.
/// The constant that bounds a function's stack: `STACK_BYTES` for the by-value functions,
/// `FRAME_BYTES` for the `*_into` functions (whose buffers belong to the caller).
fn stack_constant(report: &Report, model: &str, function: &str) -> (usize, &'static str) {
    let by_value = ["encode", "decode", "reconstruct", "anomaly_score", "is_anomaly"];
    let (key, name) = if by_value.contains(&function) {
        ("stack_bytes", "STACK_BYTES")
    } else {
        ("frame_bytes", "FRAME_BYTES")
    };
    (report.constants[&(model.to_owned(), key.to_owned())], name)
}

fn check_stack_constant(board: &Board) {
    let Some(report) = run(board) else { return };
    check_stacks(board.dir, &report);
}

/// Every measured stack of `report` within the macro's constant for its function.
fn check_stacks(name: &str, report: &Report) {
    let mut over = Vec::new();
    let mut slack = Vec::new();
    for (model, function, bytes) in &report.stacks {
        let (constant, constant_name) = stack_constant(report, model, function);
        match bytes {
            Some(b) if *b <= constant => slack.push(constant - b),
            Some(b) => over.push(format!(
                "{model} {function}: {b} > {constant_name} {constant} (+{})",
                b - constant
            )),
            None => over.push(format!("{model} {function}: over the painted window")),
        }
    }
    assert!(
        over.is_empty(),
        "{name}: measured stack above the macro's constants:\n{}",
        over.join("\n")
    );
    let min = slack.iter().min().copied().unwrap_or(0);
    println!("{name}: every measured stack within its constant; least slack {min} bytes");
}

/// A report saved from a real board (`TINYAE_BOARD_LOG=<file>`: the serial output of
/// `examples/firmware/esp32c3`, README.md there): every output equal to the host's bit for
/// bit and every stack peak within the macro's constant. Without the variable there is no
/// board to check, and the test says so.
#[test]
fn board_log_matches_the_host_bit_for_bit() {
    let Some(path) = std::env::var_os("TINYAE_BOARD_LOG") else {
        eprintln!("SKIPPED board log: no TINYAE_BOARD_LOG (a report saved from a board)");
        return;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("TINYAE_BOARD_LOG {}: {e}", PathBuf::from(&path).display()));
    let report = parse(&text);
    assert!(report.complete, "the board log has no `end` line: save the whole report");
    let mut models: Vec<&str> = report.constants.keys().map(|(m, _)| m.as_str()).collect();
    models.dedup();
    check_report("board", &report, &models);
    check_stacks("board", &report);
    print_stacks("board", &report);
    for line in text.lines().filter(|l| l.starts_with("cycles ")) {
        println!("board: {line}");
    }
}

#[test]
fn cortex_m4f_matches_the_host_bit_for_bit() {
    check_board(&CORTEX_M4F);
}

#[test]
fn cortex_m0_matches_the_host_bit_for_bit() {
    check_board(&CORTEX_M0);
}

#[test]
fn riscv32imc_matches_the_host_bit_for_bit() {
    check_board(&RISCV32IMC);
}

/// Measured stack (paint and scan) never exceeds the macro's constants: `STACK_BYTES` for the
/// by-value functions, `FRAME_BYTES` for `*_into` (docs/FIRMWARE.md, "Memory").
#[test]
fn measured_stack_fits_the_macros_ram_constant() {
    for board in [CORTEX_M4F, CORTEX_M0, RISCV32IMC] {
        check_stack_constant(&board);
    }
}

#[test]
fn the_comparison_reports_a_one_bit_difference_and_missing_lines() {
    let key = |f: &str| ("ecg5000".to_owned(), f.to_owned(), 0);
    let host = Outputs::from([(key("encode"), vec![0x3f80_0000, 0]), (key("decode"), vec![1])]);
    assert!(differences(&host, &host).is_empty());
    let mut firmware = host.clone();
    firmware.get_mut(&key("encode")).expect("line")[1] = 1;
    firmware.remove(&key("decode"));
    firmware.insert(key("score"), vec![0]);
    let diffs = differences(&firmware, &host);
    assert_eq!(diffs.len(), 3, "{diffs:?}");
    assert!(diffs[0].contains("missing"), "{diffs:?}");
    assert!(diffs[1].contains("1 ulp"), "{diffs:?}");
    assert!(diffs[2].contains("not computed on the host"), "{diffs:?}");
}

#[test]
fn the_report_parser_reads_every_line_kind() {
    let report = parse(
        "tinyae-firmware 1\nmodel ecg macs 10 buffer_bytes 752\nout ecg encode 3 3f800000 00000001\n\
         stack ecg reconstruct 1744\nstack ecg decode at-least 65536\nstack ecg encode n/a\n\
         bench ecg reconstruct_into 0\nend\n",
    );
    assert!(report.complete);
    assert_eq!(report.constants[&("ecg".to_owned(), "buffer_bytes".to_owned())], 752);
    assert_eq!(report.outputs[&("ecg".to_owned(), "encode".to_owned(), 3)], vec![0x3f80_0000, 1]);
    let stacks: Vec<_> = report.stacks.iter().map(|(_, f, b)| (f.as_str(), *b)).collect();
    assert_eq!(stacks, [("reconstruct", Some(1744)), ("decode", None)]);
}
