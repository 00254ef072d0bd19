//! The generated streaming API of window models against batch scoring: readings pushed one at
//! a time through `stream_score_into` give, window for window, the bits of the generated
//! `anomaly_score_into` on the batch windows the trainer cuts (`data::cut_windows`, which does
//! not share code with `tinyae::stream::Window`), and the reference interpreter's scores.
//! Univariate (the shipped NAB model, 48 readings) and multivariate (a fixture trained on
//! 3-value readings, windows of 4).

use std::path::PathBuf;

use tinyae_trainer::data::{cut_windows, read_series, Dataset, SeriesColumns};
use tinyae_trainer::scores::scores;

tinyae::autoencoder!(Nab = "../models/nab_machine_temperature.safetensors");
tinyae::autoencoder!(Multi = "tests/fixtures/stream3.safetensors");

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Batch windows of `readings` rows `from..to` every `stride` readings, as the trainer cuts
/// them, with their reference-interpreter scores.
fn batch(
    model: &str,
    data: &str,
    columns: &[&str],
    window: usize,
    stride: usize,
    rows: std::ops::Range<usize>,
) -> (Dataset, Vec<f32>, Vec<f32>) {
    let want = SeriesColumns {
        values: columns.iter().map(|c| (*c).to_owned()).collect(),
        ..Default::default()
    };
    let series = read_series(&repo(data), &want).unwrap();
    let windows =
        cut_windows(&series, &vec![false; series.rows()], rows.clone(), window, stride, false);
    let bytes = std::fs::read(repo(model)).unwrap();
    let reference = scores(&tinyae_core::load(&bytes).unwrap(), &windows);
    let readings =
        series.values[rows.start * series.features()..rows.end * series.features()].to_vec();
    (windows, reference, readings)
}

#[test]
fn streaming_the_nab_model_gives_the_batch_scores_bit_for_bit() {
    assert_eq!((Nab::WINDOW, Nab::READING_LEN), (48, 1));
    // Two copies of the window, three counters and the stride.
    assert_eq!(Nab::STREAM_BYTES, 2 * 48 * 4 + 4 * std::mem::size_of::<usize>());
    let rows = 15_886..16_386; // 500 readings of the test part
    for stride in [1, 3, 48] {
        let csv = "data/nab/realKnownCause/machine_temperature_system_failure.csv";
        let (windows, reference, readings) = batch(
            "models/nab_machine_temperature.safetensors",
            csv,
            &["value"],
            48,
            stride,
            rows.clone(),
        );
        let mut stream = Nab::stream(stride);
        let (mut scratch, mut y) = (Nab::new_scratch(), [0.0f32; 48]);
        let streamed: Vec<f32> = readings
            .iter()
            .filter_map(|&v| Nab::stream_score_into(&mut stream, &[v], &mut scratch, &mut y))
            .collect();
        assert_eq!(streamed.len(), windows.len(), "stride {stride}");
        for (k, s) in streamed.iter().enumerate() {
            let x: [f32; 48] = windows.row(k).try_into().unwrap();
            let batch = Nab::anomaly_score_into(&x, &mut scratch, &mut y);
            assert_eq!(s.to_bits(), batch.to_bits(), "stride {stride}, window {k}");
            let r = reference[k];
            assert!((s - r).abs() <= 1e-6 * r.abs().max(1e-3), "window {k}: {s} vs reference {r}");
        }
    }
}

#[test]
fn streaming_multivariate_readings_gives_the_batch_scores_bit_for_bit() {
    assert_eq!((Multi::WINDOW, Multi::READING_LEN, Multi::INPUT_LEN), (4, 3, 12));
    let columns = ["vibration", "temperature", "pressure"];
    for stride in [1, 2, 5] {
        let (windows, reference, readings) = batch(
            "trainer/tests/fixtures/stream3.safetensors",
            "data/sensor/sensor_train.csv",
            &columns,
            4,
            stride,
            0..120,
        );
        let mut stream = Multi::stream(stride);
        let (mut scratch, mut y) = (Multi::new_scratch(), [0.0f32; 12]);
        let mut k = 0;
        for reading in readings.chunks_exact(3) {
            let reading: [f32; 3] = reading.try_into().unwrap();
            let Some(s) = Multi::stream_score_into(&mut stream, &reading, &mut scratch, &mut y)
            else {
                continue;
            };
            let x: [f32; 12] = windows.row(k).try_into().unwrap();
            assert_eq!(
                s.to_bits(),
                Multi::anomaly_score(&x).to_bits(),
                "stride {stride}, window {k}"
            );
            assert!((s - reference[k]).abs() <= 1e-6 * reference[k].abs().max(1e-3));
            k += 1;
        }
        assert_eq!(k, windows.len(), "stride {stride}: every batch window streamed");
    }
}
