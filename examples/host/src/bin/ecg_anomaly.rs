//! Heartbeat anomaly detection on the ECG5000 test split with the shipped 140-32-16-8 model,
//! through the code the `autoencoder!` macro generates (what runs on a microcontroller).
//!
//! `cargo run --release -p tinyae-examples --bin ecg_anomaly`

use std::process::ExitCode;
use std::time::Instant;

use tinyae_examples::{data_path, read_labelled, roc_auc, Counts};

tinyae::autoencoder!(pub Ecg = "../../models/ecg5000.safetensors");

/// How the comparison differs; the published figures are not from this split.
const NOTE: &str =
    "  (not the same split: the tutorial trains on the normal beats of a random 80 % split of
   its ecg.csv, the same 5,000 beats relabelled, and tests on the other 20 %; this model
   trains on 234 normal beats of ECG5000_TRAIN and is tested on all 4,500 beats of
   ECG5000_TEST. Its threshold is the 95th percentile of validation errors; the tutorial's
   is the mean + 1 std of training errors)";

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn run() -> Result<(), String> {
    let path = data_path("ecg5000/ECG5000_TEST.tsv");
    let rows = read_labelled(&path, '\t', 0, false)?;
    let beats: Vec<[f32; Ecg::INPUT_LEN]> =
        rows.iter().filter_map(|(_, v)| v.as_slice().try_into().ok()).collect();
    if beats.len() != rows.len() {
        return Err(format!("{}: every beat needs {} samples", path.display(), Ecg::INPUT_LEN));
    }
    // Class 1 is a normal beat; classes 2-5 are abnormal.
    let truth: Vec<bool> = rows.iter().map(|(label, _)| label != "1").collect();

    let started = Instant::now();
    let scores: Vec<f32> = beats.iter().map(Ecg::anomaly_score).collect();
    let per_beat = started.elapsed().as_secs_f64() / beats.len() as f64;
    let flagged: Vec<bool> = beats.iter().map(Ecg::is_anomaly).collect();

    let c = Counts::new(&flagged, &truth);
    let (accuracy, precision, recall, f1) = c.scores();
    let (_, np, nr, nf1) = c.normal_positive().scores();
    let auc = roc_auc(&scores, &truth);
    let abnormal = truth.iter().filter(|&&t| t).count();

    println!(
        "ECG5000 test split: {} beats ({} normal, {abnormal} abnormal)",
        beats.len(),
        beats.len() - abnormal
    );
    println!(
        "model: models/ecg5000.safetensors, {} params, {} MACs, {} B of weights, threshold {} (MAE)",
        Ecg::PARAMS,
        Ecg::MACS,
        Ecg::WEIGHT_BYTES,
        Ecg::THRESHOLD
    );
    println!();
    println!("                  predicted normal  predicted abnormal");
    println!("actual normal     {:>16}  {:>18}", c.tn, c.fp);
    println!("actual abnormal   {:>16}  {:>18}", c.fn_, c.tp);
    println!();
    println!("abnormal beats as the positive class:");
    println!("  accuracy {accuracy:.3}  precision {precision:.3}  recall {recall:.3}  F1 {f1:.3}  ROC-AUC {auc:.4}");
    println!();
    println!("normal beats as the positive class (TensorFlow's tutorial convention):");
    println!("                          accuracy  precision  recall  F1");
    println!("  tinyae (this model)     {accuracy:>8.3}  {np:>9.3}  {nr:>6.3}  {nf1:.3}");
    println!(
        "  TensorFlow tutorial     {:>8.3}  {:>9.3}  {:>6.3}  {:.3}",
        0.944,
        0.992,
        0.907,
        2.0 * 0.992 * 0.907 / (0.992 + 0.907)
    );
    println!("{NOTE}");
    println!();
    println!("{:.2} µs per beat (anomaly_score, this machine, one core)", per_beat * 1e6);
    Ok(())
}
