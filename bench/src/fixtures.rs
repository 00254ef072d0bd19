//! The benchmarked models: the test suite's fixtures, read through the shared core, with the
//! first test vector as the input.

use std::path::PathBuf;

use tinyae_core::{reference, Model};

/// A fixture model and the input every engine is timed on.
#[derive(Debug)]
pub struct Fixture {
    /// `sensor`, `ecg` or `mnist`.
    pub name: &'static str,
    /// The model as the reference interpreter sees it.
    pub model: Model,
    /// Raw input in user units (what tinyae's API takes).
    pub raw: Vec<f32>,
    /// The same input scaled into the model's space (what the peers take: they run the bare
    /// network, while tinyae also scales the input and unscales the output).
    pub scaled: Vec<f32>,
}

/// The benchmarked models, smallest first.
pub const NAMES: [&str; 3] = ["sensor", "ecg", "mnist"];

/// `tests/fixtures/<file>` of the repository this bench lives in.
pub fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(file)
}

/// Reads fixture `name` and its first test vector.
pub fn load(name: &'static str) -> Result<Fixture, String> {
    let file = path(&format!("{name}.safetensors"));
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let model = tinyae_core::load(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    let vectors = path(&format!("{name}.inputs.json"));
    let text =
        std::fs::read_to_string(&vectors).map_err(|e| format!("{}: {e}", vectors.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", vectors.display()))?;
    let raw: Vec<f32> = json["inputs"][0]
        .as_array()
        .ok_or_else(|| format!("{}: no `inputs[0]`", vectors.display()))?
        .iter()
        .map(|v| v.as_f64().unwrap_or(f64::NAN) as f32)
        .collect();
    let scaled = reference::scale_input(&model, &raw);
    Ok(Fixture { name, model, raw, scaled })
}

/// Largest absolute difference between two equally long outputs (infinite when the lengths
/// differ or a value is NaN).
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() {
        return f64::INFINITY;
    }
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| {
        let d = (f64::from(*x) - f64::from(*y)).abs();
        if d.is_nan() {
            f64::INFINITY
        } else {
            m.max(d)
        }
    })
}
