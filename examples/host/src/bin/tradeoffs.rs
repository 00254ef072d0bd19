//! Model quality of every shipped precision and sparsity variant, measured through the
//! macro-generated code (what runs on a device): ECG5000 test ROC-AUC, MNIST test MSE, NAB
//! machine_temperature detections on the model's test part. The table in docs/QUANTIZATION.md comes from this.
//!
//! `cargo run --release -p tinyae-examples --bin tradeoffs`

use std::process::ExitCode;

use tinyae::{AnomalyDetector, ModelInfo};
use tinyae_examples::{
    data_path, nab_test_part, read_idx_gz, read_labelled, roc_auc, stream, stream_events,
};

mod ecg {
    tinyae::autoencoder!(pub F32 = "../../models/ecg5000.safetensors");
    tinyae::autoencoder!(pub F16 = "../../models/ecg5000.f16.safetensors");
    tinyae::autoencoder!(pub Int8 = "../../models/ecg5000.int8.safetensors");
    tinyae::autoencoder!(pub Pruned = "../../models/ecg5000.pruned80.safetensors");
    tinyae::autoencoder!(pub PrunedInt8 = "../../models/ecg5000.pruned80.int8.safetensors");
    tinyae::autoencoder!(pub Block = "../../models/ecg5000.block80.safetensors");
    tinyae::autoencoder!(pub BlockInt8 = "../../models/ecg5000.block80.int8.safetensors");
}
mod mnist {
    tinyae::autoencoder!(pub F32 = "../../models/mnist.safetensors");
    tinyae::autoencoder!(pub F16 = "../../models/mnist.f16.safetensors");
    tinyae::autoencoder!(pub Int8 = "../../models/mnist.int8.safetensors");
    tinyae::autoencoder!(pub Pruned = "../../models/mnist.pruned80.safetensors");
    tinyae::autoencoder!(pub PrunedInt8 = "../../models/mnist.pruned80.int8.safetensors");
    tinyae::autoencoder!(pub Block = "../../models/mnist.block80.safetensors");
    tinyae::autoencoder!(pub BlockInt8 = "../../models/mnist.block80.int8.safetensors");
}
mod nab {
    tinyae::autoencoder!(pub F32 = "../../models/nab_machine_temperature.safetensors");
    tinyae::autoencoder!(pub F16 = "../../models/nab_machine_temperature.f16.safetensors");
    tinyae::autoencoder!(pub Int8 = "../../models/nab_machine_temperature.int8.safetensors");
    tinyae::autoencoder!(pub Pruned = "../../models/nab_machine_temperature.pruned80.safetensors");
    tinyae::autoencoder!(pub PrunedInt8 = "../../models/nab_machine_temperature.pruned80.int8.safetensors");
}

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn run() -> Result<(), String> {
    println!("| model | variant | quality | WEIGHT_BYTES | BUFFER_BYTES |");
    println!("|---|---|---|---:|---:|");
    let beats = read_labelled(&data_path("ecg5000/ECG5000_TEST.tsv"), '\t', 0, false)?;
    let ecg_row = |name: &str, s: (f64, usize, usize)| {
        println!("| ECG5000 | {name} | ROC-AUC {:.4} | {} | {} |", s.0, s.1, s.2);
    };
    ecg_row("f32", ecg_auc::<ecg::F32>(&beats));
    ecg_row("f16", ecg_auc::<ecg::F16>(&beats));
    ecg_row("int8", ecg_auc::<ecg::Int8>(&beats));
    ecg_row("f32, 80 % pruned", ecg_auc::<ecg::Pruned>(&beats));
    ecg_row("int8, 80 % pruned", ecg_auc::<ecg::PrunedInt8>(&beats));
    ecg_row("f32, 80 % block-pruned", ecg_auc::<ecg::Block>(&beats));
    ecg_row("int8, 80 % block-pruned", ecg_auc::<ecg::BlockInt8>(&beats));

    let (dims, pixels) = read_idx_gz(&data_path("mnist/t10k-images-idx3-ubyte.gz"))?;
    let images: Vec<[f32; 784]> = pixels
        .chunks_exact(dims[1] * dims[2])
        .map(|c| core::array::from_fn(|i| f32::from(c[i])))
        .collect();
    let mnist_row = |name: &str, s: (f64, usize, usize)| {
        println!("| MNIST | {name} | test MSE {:.5} | {} | {} |", s.0, s.1, s.2);
    };
    mnist_row("f32", mnist_mse::<mnist::F32>(&images));
    mnist_row("f16", mnist_mse::<mnist::F16>(&images));
    mnist_row("int8", mnist_mse::<mnist::Int8>(&images));
    mnist_row("f32, 80 % pruned", mnist_mse::<mnist::Pruned>(&images));
    mnist_row("int8, 80 % pruned", mnist_mse::<mnist::PrunedInt8>(&images));
    mnist_row("f32, 80 % block-pruned", mnist_mse::<mnist::Block>(&images));
    mnist_row("int8, 80 % block-pruned", mnist_mse::<mnist::BlockInt8>(&images));

    let (series, windows, part) = nab_test_part()?;
    let nab_row = |name: &str, s: ((usize, usize, usize), usize, usize)| {
        let ((detected, labelled, events), w, r) = s;
        println!(
            "| NAB machine_temperature (test part) | {name} | {detected} of {labelled} windows detected, {events} false-alarm events | {w} | {r} |"
        );
    };
    nab_row("f32", nab_detections::<nab::F32>(&series, &windows, part.clone()));
    nab_row("f16", nab_detections::<nab::F16>(&series, &windows, part.clone()));
    nab_row("int8", nab_detections::<nab::Int8>(&series, &windows, part.clone()));
    nab_row("f32, 80 % pruned", nab_detections::<nab::Pruned>(&series, &windows, part.clone()));
    nab_row("int8, 80 % pruned", nab_detections::<nab::PrunedInt8>(&series, &windows, part));
    Ok(())
}

fn sizes<M: ModelInfo>() -> (usize, usize) {
    (M::WEIGHT_BYTES, M::BUFFER_BYTES)
}

fn ecg_auc<M: AnomalyDetector<140, 8>>(beats: &[(String, Vec<f32>)]) -> (f64, usize, usize) {
    let (scores, truth): (Vec<f32>, Vec<bool>) = beats
        .iter()
        .filter_map(|(label, v)| {
            let x: [f32; 140] = v.as_slice().try_into().ok()?;
            Some((M::anomaly_score(&x), label != "1"))
        })
        .unzip();
    let (w, r) = sizes::<M>();
    (roc_auc(&scores, &truth), w, r)
}

fn mnist_mse<M: AnomalyDetector<784, 32>>(images: &[[f32; 784]]) -> (f64, usize, usize) {
    let total: f64 = images.iter().map(|x| f64::from(M::anomaly_score(x))).sum();
    let (w, r) = sizes::<M>();
    (total / images.len() as f64, w, r)
}

/// The model's test part streamed as `examples/host/src/bin/nab_machine_temperature.rs` streams
/// it: labelled windows with an alarm, and false-alarm events (alarms outside labelled windows;
/// one window length apart or closer form one event).
fn nab_detections<M: AnomalyDetector<48, 8>>(
    series: &[(String, f32)],
    windows: &[(String, String)],
    part: std::ops::Range<usize>,
) -> ((usize, usize, usize), usize, usize) {
    let values: Vec<f32> = series[part.clone()].iter().map(|r| r.1).collect();
    let at: Vec<&str> = series[part].iter().map(|r| r.0.as_str()).collect();
    let (_, alarms) = stream::<M, 48, 8>(&values);
    let e = stream_events(&alarms, &at, windows, 48);
    let (w, r) = sizes::<M>();
    ((e.detected(), e.windows.len(), e.false_events.len()), w, r)
}
