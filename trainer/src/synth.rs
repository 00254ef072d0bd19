//! The seeds' sensor example as data: a machine whose vibration (g RMS) and temperature (°C)
//! rise with its load, and whose pressure (kPa) stays near ambient. Generated from a fixed
//! seed, so `tinyae synth sensor` always writes the same files.
//!
//! Normal rows: load `L ~ U(0, 1)`, vibration `0.08 + 0.06 L + N(0, 0.006)`, temperature
//! `52 + 16 L + N(0, 1)`, pressure `101.3 + N(0, 0.4)`. The test file adds faults (20 %):
//! `bearing` (vibration +0.04…0.10 for the load), `overheat` (temperature +6…15), and `leak`
//! (pressure −2…5). A 3-2-3 autoencoder can learn the normal manifold (load and pressure) and
//! flags rows off it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::objective::normal;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensorOptions {
    /// Generator seed.
    pub seed: u64,
    /// Normal rows in the training file.
    pub train_rows: usize,
    /// Rows in the test file.
    pub test_rows: usize,
}

/// One reading and its label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// g RMS.
    pub vibration: f32,
    /// °C.
    pub temperature: f32,
    /// kPa.
    pub pressure: f32,
    /// `normal`, `bearing`, `overheat` or `leak`.
    pub label: &'static str,
}

fn reading(rng: &mut StdRng, fault: Option<usize>) -> Reading {
    let load: f32 = rng.gen();
    let mut r = Reading {
        vibration: 0.08 + 0.06 * load + 0.006 * normal(rng),
        temperature: 52.0 + 16.0 * load + normal(rng),
        pressure: 101.3 + 0.4 * normal(rng),
        label: "normal",
    };
    match fault {
        Some(0) => {
            r.vibration += rng.gen_range(0.04..0.10);
            r.label = "bearing";
        }
        Some(1) => {
            r.temperature += rng.gen_range(6.0..15.0);
            r.label = "overheat";
        }
        Some(_) => {
            r.pressure -= rng.gen_range(2.0..5.0);
            r.label = "leak";
        }
        None => {}
    }
    r
}

/// Training rows (all normal) and test rows (20 % faults).
pub fn sensor_readings(opts: &SensorOptions) -> (Vec<Reading>, Vec<Reading>) {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let train = (0..opts.train_rows).map(|_| reading(&mut rng, None)).collect();
    let test = (0..opts.test_rows)
        .map(|_| {
            let fault = (rng.gen::<f32>() < 0.2).then(|| rng.gen_range(0..3));
            reading(&mut rng, fault)
        })
        .collect();
    (train, test)
}

/// The two CSV files `(name, contents)`: `vibration,temperature,pressure,label`.
pub fn sensor_csv(opts: &SensorOptions) -> Vec<(String, String)> {
    let (train, test) = sensor_readings(opts);
    let csv = |rows: &[Reading]| {
        let mut s = String::from("vibration,temperature,pressure,label\n");
        for r in rows {
            s.push_str(&format!(
                "{:.4},{:.2},{:.2},{}\n",
                r.vibration, r.temperature, r.pressure, r.label
            ));
        }
        s
    };
    vec![("sensor_train.csv".to_owned(), csv(&train)), ("sensor_test.csv".to_owned(), csv(&test))]
}
