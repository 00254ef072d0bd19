//! Scores, reconstructions and codes of raw samples through the reference interpreter: exactly
//! what the generated code computes on a device, sample by sample (in parallel over samples).

use rayon::prelude::*;
use tinyae_core::ir::Metric;
use tinyae_core::{reference, Model};

use crate::data::Dataset;

/// The anomaly score (the model's metric in the scaled space) of every raw sample.
pub fn scores(model: &Model, data: &Dataset) -> Vec<f32> {
    (0..data.len()).into_par_iter().map(|i| reference::anomaly_score(model, data.row(i))).collect()
}

/// The score of every raw sample under `metric` (e.g. before the model has an anomaly section).
pub fn scores_with(model: &Model, data: &Dataset, metric: Metric) -> Vec<f32> {
    (0..data.len())
        .into_par_iter()
        .map(|i| {
            let x = reference::scale_input(model, data.row(i));
            reference::score(
                metric,
                &x,
                &reference::run_from(&model.layers, &model.input_shape, &x),
            )
        })
        .collect()
}

/// The reconstruction of every raw sample, in user units, row-major.
pub fn reconstructions(model: &Model, data: &Dataset) -> Vec<f32> {
    let rows: Vec<Vec<f32>> = (0..data.len())
        .into_par_iter()
        .map(|i| reference::reconstruct(model, data.row(i)))
        .collect();
    rows.concat()
}

/// The code of every raw sample (a VAE's mean), row-major.
pub fn codes(model: &Model, data: &Dataset) -> Vec<f32> {
    let rows: Vec<Vec<f32>> =
        (0..data.len()).into_par_iter().map(|i| reference::encode(model, data.row(i))).collect();
    rows.concat()
}
