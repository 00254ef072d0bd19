//! The seeds' sensor example: a 3 → 2 → 3 autoencoder over vibration (g RMS), temperature (°C)
//! and pressure (kPa), used exactly as firmware would use it — raw readings in, the scaling is
//! baked into the generated code.
//!
//! `cargo run --release -p tinyae-examples --bin sensor`

use std::collections::BTreeMap;
use std::process::ExitCode;

use tinyae_examples::{data_path, read_labelled, roc_auc};

tinyae::autoencoder!(pub SensorAe = "../../models/sensor.safetensors");

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn run() -> Result<(), String> {
    let x = [0.12_f32, 61.0, 101.3]; // raw sensor units
    let z: [f32; 2] = SensorAe::encode(&x); // compress before sending
    let y = SensorAe::decode(&z);
    println!("reading        {x:?}");
    println!("code (2 values) [{:.4}, {:.4}]", z[0], z[1]);
    println!("decoded        [{:.4}, {:.2}, {:.2}]", y[0], y[1], y[2]);
    println!(
        "score {:.6} vs threshold {:.6}: {}",
        SensorAe::anomaly_score(&x),
        SensorAe::THRESHOLD,
        if SensorAe::is_anomaly(&x) { "ANOMALY" } else { "normal" }
    );
    let worn = [0.21_f32, 60.5, 101.2]; // vibration far too high for this temperature
    println!(
        "reading        {worn:?}: score {:.6}: {}",
        SensorAe::anomaly_score(&worn),
        if SensorAe::is_anomaly(&worn) { "ANOMALY" } else { "normal" }
    );
    println!(
        "{} params, {} B of weights, {} B of buffers per call\n",
        SensorAe::PARAMS,
        SensorAe::WEIGHT_BYTES,
        SensorAe::BUFFER_BYTES
    );

    let path = data_path("sensor/sensor_test.csv");
    let rows = read_labelled(&path, ',', 3, true)?;
    let mut by_label: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut scores, mut truth) = (Vec::new(), Vec::new());
    for (label, v) in &rows {
        let Ok(x) = <[f32; 3]>::try_from(v.as_slice()) else {
            return Err(format!("{}: expected 3 readings per row", path.display()));
        };
        let e = by_label.entry(label.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(SensorAe::is_anomaly(&x));
        scores.push(SensorAe::anomaly_score(&x));
        truth.push(label != "normal");
    }
    println!("{}: {} readings", path.display(), rows.len());
    println!("  {:<10} {:>6} {:>8}", "label", "rows", "flagged");
    for (label, (n, flagged)) in &by_label {
        println!("  {label:<10} {n:>6} {:>7.1}%", 100.0 * *flagged as f64 / *n as f64);
    }
    println!("  ROC-AUC {:.4}", roc_auc(&scores, &truth));
    Ok(())
}
