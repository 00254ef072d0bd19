//! The benchmarked models: the shipped models of `models/` in every precision the repository
//! has, read through the shared core, and the input every engine is timed on.

use std::path::PathBuf;

use tinyae_core::{quant, reference, Model};

/// A shipped model family: its variants share shape, input and training.
pub struct Family {
    /// `sensor`, `ecg5000` or `mnist`.
    pub name: &'static str,
    /// Raw input in user units (what tinyae's API takes): the first test vector of the
    /// test fixture of the same shape and preprocessing range (`tests/fixtures/*.inputs.json`).
    pub raw: Vec<f32>,
    pub variants: Vec<Variant>,
}

/// One precision of a family.
pub struct Variant {
    /// `f32`, `f16`, `int8`, `f32 80 % pruned`, `int8 80 % pruned`, and the block-pruned pair.
    pub precision: &'static str,
    /// The file name under `models/` (the peers export it).
    #[cfg_attr(not(feature = "peers"), allow(dead_code))]
    pub file: String,
    pub model: Model,
    /// The raw input scaled into the model's space (what the float peers take).
    pub scaled: Vec<f32>,
}

impl Variant {
    #[cfg_attr(not(feature = "peers"), allow(dead_code))]
    pub fn is_int8(&self) -> bool {
        quant::all_quantized(&self.model.layers)
    }

    /// The scaled input quantized with the first layer's parameters (int8 models).
    pub fn quantized_input(&self) -> Option<Vec<i8>> {
        let (_, q) = quant::of(self.model.layers.first()?)?;
        Some(self.scaled.iter().map(|v| q.input.quantize(*v)).collect())
    }

    /// The last layer's output parameters (int8 models).
    pub fn output_params(&self) -> Option<quant::QParams> {
        Some(quant::of(self.model.layers.last()?)?.1.output)
    }
}

/// `(precision, file suffix)` pairs.
type Precisions = &'static [(&'static str, &'static str)];

/// `(family, fixture with its input, precisions)`: sensor has f32 only.
const FAMILIES: [(&str, &str, Precisions); 3] = [
    ("sensor", "sensor", &[("f32", "")]),
    ("ecg5000", "ecg", PRECISIONS),
    ("mnist", "mnist", PRECISIONS),
];

/// Every precision, with the file suffix `tinyae quantize` and `tinyae prune` give it.
const PRECISIONS: Precisions = &[
    ("f32", ""),
    ("f16", ".f16"),
    ("int8", ".int8"),
    ("f32 80 % pruned", ".pruned80"),
    ("int8 80 % pruned", ".pruned80.int8"),
    ("f32 80 % block-pruned", ".block80"),
    ("int8 80 % block-pruned", ".block80.int8"),
];

/// `<repository>/<dir>/<file>`.
pub fn repo_path(dir: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(dir).join(file)
}

/// Reads every family, smallest first.
pub fn load() -> Result<Vec<Family>, String> {
    FAMILIES
        .iter()
        .map(|(name, fixture, precisions)| {
            let raw = first_input(fixture)?;
            let variants = precisions
                .iter()
                .map(|(precision, suffix)| {
                    let file = format!("{name}{suffix}.safetensors");
                    let model = read(&file)?;
                    let scaled = reference::scale_input(&model, &raw);
                    Ok(Variant { precision, file, model, scaled })
                })
                .collect::<Result<_, String>>()?;
            Ok(Family { name, raw, variants })
        })
        .collect()
}

fn read(file: &str) -> Result<Model, String> {
    let path = repo_path("models", file);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    tinyae_core::load(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn first_input(fixture: &str) -> Result<Vec<f32>, String> {
    let path = repo_path("tests/fixtures", &format!("{fixture}.inputs.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(json["inputs"][0]
        .as_array()
        .ok_or_else(|| format!("{}: no `inputs[0]`", path.display()))?
        .iter()
        .map(|v| v.as_f64().unwrap_or(f64::NAN) as f32)
        .collect())
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
