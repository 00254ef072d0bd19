//! `tinyae synth sensor`: the seeds' vibration/temperature/pressure data, from a fixed seed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::synth::{sensor_csv, SensorOptions};

/// `tinyae synth` flags.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Which data set.
    #[command(subcommand)]
    pub what: SynthWhat,
}

/// Synthetic data sets.
#[derive(Debug, Subcommand)]
pub enum SynthWhat {
    /// Machine sensor readings: vibration (g RMS), temperature (°C), pressure (kPa).
    Sensor {
        /// Output directory (writes sensor_train.csv and sensor_test.csv).
        #[arg(long, default_value = "data/sensor")]
        out: PathBuf,
        /// Generator seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Normal training rows.
        #[arg(long, default_value_t = 5000)]
        train_rows: usize,
        /// Test rows (normal and faulty mixed).
        #[arg(long, default_value_t = 2000)]
        test_rows: usize,
    },
}

pub(super) fn run(a: SynthArgs) -> Result<ExitCode> {
    match a.what {
        SynthWhat::Sensor { out, seed, train_rows, test_rows } => {
            let opts = SensorOptions { seed, train_rows, test_rows };
            for (name, text) in sensor_csv(&opts) {
                let path = out.join(name);
                std::fs::create_dir_all(&out)?;
                tinyae_core::format::write_atomic(&path, text.as_bytes())?;
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
