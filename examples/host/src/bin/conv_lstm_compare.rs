//! The convolutional and LSTM autoencoders next to the dense ones, through the code the macro
//! generates, on the bundled test data, in one run:
//!
//! - MNIST (10,000 test images): reconstruction MSE of the conv AE, a dense AE with about the
//!   conv AE's flash (784-2-784) and the shipped dense AE (784-128-64-32);
//! - ECG5000 (4,500 test beats): ROC-AUC, and accuracy at the calibrated threshold, LSTM vs
//!   dense;
//! - NAB machine_temperature, the models' test part: labelled anomaly windows raising an alarm
//!   and false-alarm events, LSTM vs dense, with the streaming rule of `nab_machine_temperature`
//!   (a decision at every reading over the last `INPUT_LEN` readings, alarms held off for one
//!   window length);
//!
//! with each model's flash (`WEIGHT_BYTES`), RAM (`SCRATCH_LEN`, `BUFFER_BYTES`, `STACK_BYTES`),
//! MACs and time per inference (`anomaly_score_into` over the whole test set, one core, this
//! machine; the best of `--passes` passes, 5 by default, each model timed in the same run).
//!
//! `cargo run --release -p tinyae-examples --bin conv_lstm_compare [-- --passes N]`

use std::process::ExitCode;
use std::time::Instant;

use tinyae::{AnomalyDetector, ModelInfo};
use tinyae_examples::{
    data_path, nab_test_part, read_idx_gz, read_labelled, roc_auc, stream_events, Counts, NAB_KEY,
};

tinyae::autoencoder!(pub MnistConv = "../../models/mnist_conv.safetensors");
tinyae::autoencoder!(pub MnistDenseSmall = "../../models/mnist_dense_small.safetensors");
tinyae::autoencoder!(pub MnistDense = "../../models/mnist.safetensors");
tinyae::autoencoder!(pub EcgLstm = "../../models/ecg5000_lstm.safetensors");
tinyae::autoencoder!(pub EcgDense = "../../models/ecg5000.safetensors");
tinyae::autoencoder!(pub NabLstm = "../../models/nab_machine_temperature_lstm.safetensors");
tinyae::autoencoder!(pub NabDense = "../../models/nab_machine_temperature.safetensors");

/// Readings per NAB window: both models read the same windows.
const NAB_W: usize = NabDense::INPUT_LEN;
const _: () = assert!(NabLstm::INPUT_LEN == NAB_W);

fn main() -> ExitCode {
    tinyae_examples::exit_code(passes().and_then(run))
}

/// `--passes N` (default 5).
fn passes() -> Result<usize, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(5),
        [flag, n] if flag == "--passes" => match n.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("--passes expects a positive integer, found \"{n}\"")),
        },
        _ => Err(format!("unexpected arguments {args:?}; usage: conv_lstm_compare [--passes N]")),
    }
}

/// Every input's score, and the best time per inference over `passes` passes. Every pass must
/// give the same scores (the generated code is deterministic; a difference would be a bug).
fn timed<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    xs: &[[f32; N]],
    passes: usize,
) -> Result<(Vec<f32>, f64), String> {
    let mut scratch = M::new_scratch();
    let mut y = [0.0f32; N];
    let mut best = f64::INFINITY;
    let mut first: Option<Vec<f32>> = None;
    for _ in 0..passes {
        let started = Instant::now();
        let scores: Vec<f32> =
            xs.iter().map(|x| M::anomaly_score_into(x, &mut scratch, &mut y)).collect();
        best = best.min(started.elapsed().as_secs_f64() / xs.len() as f64);
        match &first {
            Some(f) if f.iter().map(|s| s.to_bits()).ne(scores.iter().map(|s| s.to_bits())) => {
                return Err("scores differ between passes".into());
            }
            Some(_) => {}
            None => first = Some(scores),
        }
    }
    Ok((first.unwrap_or_default(), best * 1e9))
}

/// A model's compile-time costs and its measured time per inference.
struct Cost {
    weight_bytes: usize,
    scratch_len: usize,
    buffer_bytes: usize,
    stack_bytes: usize,
    macs: usize,
    ns: f64,
}

fn cost<M: ModelInfo>(ns: f64) -> Cost {
    Cost {
        weight_bytes: M::WEIGHT_BYTES,
        scratch_len: M::SCRATCH_LEN,
        buffer_bytes: M::BUFFER_BYTES,
        stack_bytes: M::STACK_BYTES,
        macs: M::MACS,
        ns,
    }
}

/// One markdown table: the quality columns, then the costs; time relative to the last row
/// (the dense model the others are compared with).
fn table(title: &str, quality: &[&str], rows: &[(&str, Vec<String>, Cost)]) {
    let base = rows.last().map_or(f64::NAN, |r| r.2.ns);
    println!("\n{title}\n");
    print!("| model |");
    for q in quality {
        print!(" {q} |");
    }
    println!(
        " WEIGHT_BYTES | SCRATCH_LEN (f32) | BUFFER_BYTES | STACK_BYTES | MACs | ns / inference | time vs {} |",
        rows.last().map_or("", |r| r.0)
    );
    println!("|---|{}---:|---:|---:|---:|---:|---:|---:|", "---:|".repeat(quality.len()));
    for (name, q, c) in rows {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {:.0} | {:.2}x |",
            q.join(" | "),
            c.weight_bytes,
            c.scratch_len,
            c.buffer_bytes,
            c.stack_bytes,
            c.macs,
            c.ns,
            c.ns / base
        );
    }
}

fn arrays<const N: usize>(rows: &[Vec<f32>], what: &str) -> Result<Vec<[f32; N]>, String> {
    rows.iter()
        .map(|r| {
            <[f32; N]>::try_from(r.as_slice())
                .map_err(|_| format!("{what}: expected {N} values, found {}", r.len()))
        })
        .collect()
}

fn mnist(passes: usize) -> Result<(), String> {
    // Raw pixels 0..255 go in; the score is the MSE in the models' 0..1 scale.
    let path = data_path("mnist/t10k-images-idx3-ubyte.gz");
    let (_, pixels) = read_idx_gz(&path)?;
    let images: Vec<Vec<f32>> =
        pixels.chunks_exact(784).map(|c| c.iter().map(|&p| f32::from(p)).collect()).collect();
    let images: Vec<[f32; 784]> = arrays(&images, &path.display().to_string())?;
    let mse = |scores: Vec<f32>| {
        let mean = scores.iter().map(|&e| f64::from(e)).sum::<f64>() / scores.len() as f64;
        vec![format!("{mean:.5}")]
    };
    let (conv, conv_ns) = timed::<MnistConv, 784, 784>(&images, passes)?;
    let (small, small_ns) = timed::<MnistDenseSmall, 784, 2>(&images, passes)?;
    let (dense, dense_ns) = timed::<MnistDense, 784, 32>(&images, passes)?;
    table(
        &format!("MNIST, {} test images", images.len()),
        &["test MSE (pixels 0..1)"],
        &[
            ("mnist_conv", mse(conv), cost::<MnistConv>(conv_ns)),
            ("mnist_dense_small", mse(small), cost::<MnistDenseSmall>(small_ns)),
            ("mnist (dense)", mse(dense), cost::<MnistDense>(dense_ns)),
        ],
    );
    Ok(())
}

fn ecg(passes: usize) -> Result<(), String> {
    let path = data_path("ecg5000/ECG5000_TEST.tsv");
    let rows = read_labelled(&path, '\t', 0, false)?;
    let beats: Vec<Vec<f32>> = rows.iter().map(|(_, v)| v.clone()).collect();
    let beats: Vec<[f32; 140]> = arrays(&beats, &path.display().to_string())?;
    // Class 1 is a normal beat; classes 2-5 are abnormal (the positive class).
    let truth: Vec<bool> = rows.iter().map(|(label, _)| label != "1").collect();
    let quality = |scores: Vec<f32>, threshold: f32| {
        let flagged: Vec<bool> = scores.iter().map(|s| *s > threshold).collect();
        let (accuracy, _, recall, f1) = Counts::new(&flagged, &truth).scores();
        let auc = roc_auc(&scores, &truth);
        vec![
            format!("{auc:.4}"),
            format!("{accuracy:.4}"),
            format!("{recall:.4}"),
            format!("{f1:.4}"),
        ]
    };
    let (lstm, lstm_ns) = timed::<EcgLstm, 140, 32>(&beats, passes)?;
    let (dense, dense_ns) = timed::<EcgDense, 140, 8>(&beats, passes)?;
    let abnormal = truth.iter().filter(|&&t| t).count();
    table(
        &format!(
            "ECG5000, {} test beats ({abnormal} abnormal); accuracy, recall and F1 at each model's \
             calibrated threshold",
            beats.len()
        ),
        &["ROC-AUC", "accuracy", "recall (abnormal)", "F1"],
        &[
            ("ecg5000_lstm", quality(lstm, EcgLstm::THRESHOLD), cost::<EcgLstm>(lstm_ns)),
            ("ecg5000 (dense)", quality(dense, EcgDense::THRESHOLD), cost::<EcgDense>(dense_ns)),
        ],
    );
    Ok(())
}

fn nab(passes: usize) -> Result<(), String> {
    // The test part both models left out of training and calibration.
    let (series, labelled, part) = nab_test_part()?;
    let series = &series[part];
    let values: Vec<f32> = series.iter().map(|r| r.1).collect();
    // One decision per reading from the NAB_W-th on, at the window's last timestamp.
    let windows: Vec<Vec<f32>> =
        (NAB_W..=values.len()).map(|end| values[end - NAB_W..end].to_vec()).collect();
    let windows: Vec<[f32; NAB_W]> = arrays(&windows, NAB_KEY)?;
    let at: Vec<&str> = (NAB_W..=values.len()).map(|end| series[end - 1].0.as_str()).collect();
    let truth: Vec<bool> = at
        .iter()
        .map(|t| labelled.iter().any(|(a, b)| a.as_str() <= *t && *t <= b.as_str()))
        .collect();
    let quality = |scores: Vec<f32>, threshold: f32| {
        // The device's rule: an alarm at most once per window length (tinyae::stream::AlarmGate).
        let mut gate = tinyae::stream::AlarmGate::new(NAB_W as u32);
        let alarm: Vec<bool> = scores.iter().map(|s| gate.update(*s > threshold)).collect();
        let e = stream_events(&alarm, &at, &labelled, NAB_W);
        vec![
            format!("{} of {}", e.detected(), e.windows.len()),
            e.false_events.len().to_string(),
            e.alarms.to_string(),
            format!("{:.4}", roc_auc(&scores, &truth)),
        ]
    };
    let (lstm, lstm_ns) = timed::<NabLstm, NAB_W, 32>(&windows, passes)?;
    let (dense, dense_ns) = timed::<NabDense, NAB_W, 8>(&windows, passes)?;
    table(
        &format!(
            "NAB machine_temperature, test part ({} readings, {} windows of {NAB_W}); window \
             ROC-AUC: ending inside a labelled window as the truth",
            values.len(),
            windows.len()
        ),
        &["labelled windows detected", "false-alarm events", "alarms", "window ROC-AUC"],
        &[
            (
                "nab_machine_temperature_lstm",
                quality(lstm, NabLstm::THRESHOLD),
                cost::<NabLstm>(lstm_ns),
            ),
            (
                "nab_machine_temperature (dense)",
                quality(dense, NabDense::THRESHOLD),
                cost::<NabDense>(dense_ns),
            ),
        ],
    );
    Ok(())
}

fn run(passes: usize) -> Result<(), String> {
    println!(
        "conv / LSTM autoencoders vs dense, generated code, x86 time = best of {passes} passes \
         of anomaly_score_into over the test set"
    );
    mnist(passes)?;
    ecg(passes)?;
    nab(passes)
}
