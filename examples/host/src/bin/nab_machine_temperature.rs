//! Streaming anomaly detection on NAB's machine_temperature_system_failure series: every 5
//! minutes the last 48 readings (4 hours) go through the shipped autoencoder; a window whose
//! score exceeds the threshold raises an alarm at its last reading. Reports which of NAB's 4
//! labelled anomaly windows raise an alarm, and the alarms outside them (consecutive alarms
//! count as one event).
//!
//! `cargo run --release -p tinyae-examples --bin nab_machine_temperature`

use std::process::ExitCode;

use tinyae_examples::{data_path, read_series, read_windows};

tinyae::autoencoder!(pub Nab = "../../models/nab_machine_temperature.safetensors");

const KEY: &str = "realKnownCause/machine_temperature_system_failure.csv";

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

fn run() -> Result<(), String> {
    let series =
        read_series(&data_path("nab/realKnownCause/machine_temperature_system_failure.csv"))?;
    let windows = read_windows(&data_path("nab/labels/combined_windows.json"), KEY)?;
    let w = Nab::INPUT_LEN;
    let values: Vec<f32> = series.iter().map(|r| r.1).collect();
    let inside = |t: &str| windows.iter().position(|(a, b)| a.as_str() <= t && t <= b.as_str());

    // One decision per reading from the 48th on, at the window's last timestamp.
    let mut first_alarm: Vec<Option<String>> = vec![None; windows.len()];
    let mut false_events: Vec<(String, String, usize)> = Vec::new();
    let mut alarms = 0usize;
    let mut last_false: Option<usize> = None;
    for end in w..=values.len() {
        let Ok(x) = <[f32; Nab::INPUT_LEN]>::try_from(&values[end - w..end]) else { continue };
        if !Nab::is_anomaly(&x) {
            continue;
        }
        alarms += 1;
        let t = &series[end - 1].0;
        match inside(t) {
            Some(k) => {
                first_alarm[k].get_or_insert_with(|| t.clone());
            }
            None => {
                // Alarms within one window length of the previous false alarm extend its event.
                match (last_false, false_events.last_mut()) {
                    (Some(prev), Some(event)) if end - prev <= w => {
                        event.1 = t.clone();
                        event.2 += 1;
                    }
                    _ => false_events.push((t.clone(), t.clone(), 1)),
                }
                last_false = Some(end);
            }
        }
    }

    println!(
        "{KEY}: {} readings, windows of {w} (4 h), threshold {}",
        values.len(),
        Nab::THRESHOLD
    );
    println!("{alarms} window alarms\n");
    println!("labelled anomaly window                     detected  first alarm");
    for ((a, b), first) in windows.iter().zip(&first_alarm) {
        let first = first.as_deref().unwrap_or("-");
        println!("{a} .. {b}  {:>8}  {first}", if first == "-" { "no" } else { "yes" });
    }
    let detected = first_alarm.iter().filter(|f| f.is_some()).count();
    println!("\ndetected {detected} of {} labelled windows", windows.len());
    println!("false alarm events (alarms outside labelled windows): {}", false_events.len());
    for (a, b, n) in &false_events {
        println!("  {a} .. {b}  ({n} window alarms)");
    }
    Ok(())
}
