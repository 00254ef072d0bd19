//! Streaming anomaly detection on NAB's machine_temperature_system_failure series, the way a
//! device runs it: readings arrive one at a time (every 5 minutes), the generated streaming API
//! keeps the last 48 (4 hours) and scores every completed window (`Nab::stream_score_into`),
//! and an `AlarmGate` raises an alarm when the score passes the threshold (at most once per
//! window length). Only the model's test part is reported: the last 30 % of the series, which training
//! and calibration never saw (the model file's data recipe says where it starts).
//!
//! The rule is `tinyae eval`'s: an alarm at a reading inside a labelled anomaly window detects
//! it; alarms elsewhere are false alarms, one window length apart or closer forming one event.
//!
//! `cargo run --release -p tinyae-examples --bin nab_machine_temperature`

use std::process::ExitCode;

use tinyae_examples::{nab_test_part, stream_events, NAB_KEY};

tinyae::autoencoder!(pub Nab = "../../models/nab_machine_temperature.safetensors");

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn run() -> Result<(), String> {
    let (series, windows, part) = nab_test_part()?;
    let values: Vec<f32> = series[part.clone()].iter().map(|r| r.1).collect();
    let at: Vec<&str> = series[part.clone()].iter().map(|r| r.0.as_str()).collect();

    // The sensor loop a device runs: one reading in, a score when it completes a window (the
    // generated streaming API), an alarm through the gate. Allocation-free; RAM: the stream's
    // STREAM_BYTES plus the scratch and output buffers.
    let mut stream = Nab::stream(1);
    let mut gate = tinyae::stream::AlarmGate::new(Nab::WINDOW as u32);
    let (mut scratch, mut y) = (Nab::new_scratch(), [0.0f32; Nab::INPUT_LEN]);
    let mut alarms = Vec::with_capacity(values.len());
    for &value in &values {
        let reading: [f32; Nab::READING_LEN] = [value];
        let score = Nab::stream_score_into(&mut stream, &reading, &mut scratch, &mut y);
        alarms.push(score.is_some_and(|s| gate.update(s > Nab::THRESHOLD)));
    }
    let e = stream_events(&alarms, &at, &windows, Nab::WINDOW);

    println!(
        "{NAB_KEY}: test part, readings {}..{} ({} .. {}), windows of {} (4 h), threshold {}, \
         stream RAM {} bytes",
        part.start,
        part.end,
        at.first().unwrap_or(&"-"),
        at.last().unwrap_or(&"-"),
        Nab::WINDOW,
        Nab::THRESHOLD,
        Nab::STREAM_BYTES
    );
    println!("{} alarms raised\n", e.alarms);
    println!("labelled anomaly window                     detected  first alarm");
    for ((a, b), first) in e.windows.iter().zip(&e.first_alarm) {
        let first = first.map_or("-", |k| at[k]);
        println!("{a} .. {b}  {:>8}  {first}", if first == "-" { "no" } else { "yes" });
    }
    println!("\ndetected {} of {} labelled windows", e.detected(), e.windows.len());
    println!("false alarm events (alarms outside labelled windows): {}", e.false_events.len());
    for (a, b, n) in &e.false_events {
        println!("  {} .. {}  ({n} alarms)", at[*a], at[*b]);
    }
    Ok(())
}
