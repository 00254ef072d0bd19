//! Shared helpers of the test suite: fixture paths, test vectors, tolerance checks.

use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod imported;

/// The tests crate's directory.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    crate_dir().join("fixtures").join(name)
}

/// The repository root.
pub fn repo_root() -> &'static Path {
    crate_dir().parent().unwrap_or(Path::new(".."))
}

/// Reads and validates a fixture model through the shared core (the reference's view).
pub fn load_model(path: &Path) -> tinyae_core::Model {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    tinyae_core::load(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Test vectors written by `make-fixtures` and expected values written by numpy
/// (`tests/reference/numpy_reference.py`): `{"inputs": [[..]], "encode": [[..]], ...}`.
pub fn vectors(name: &str) -> Value {
    let path = fixture(&format!("{name}.expected.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON array of arrays of numbers as `Vec<Vec<f64>>`.
pub fn rows(value: &Value, key: &str) -> Vec<Vec<f64>> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in vectors"))
        .iter()
        .map(|r| r.as_array().expect("row").iter().map(|v| v.as_f64().expect("number")).collect())
        .collect()
}

/// A JSON array of numbers as `Vec<f64>`.
pub fn column(value: &Value, key: &str) -> Vec<f64> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in vectors"))
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect()
}

/// An input row as a fixed-size f32 array.
pub fn input<const N: usize>(row: &[f64]) -> [f32; N] {
    let mut out = [0.0f32; N];
    assert_eq!(row.len(), N, "input length");
    for (o, v) in out.iter_mut().zip(row) {
        *o = *v as f32;
    }
    out
}

/// Largest absolute difference, and whether every element is within `abs + rel * |expected|`.
pub fn compare(actual: &[f32], expected: &[f64], abs: f64, rel: f64) -> (f64, bool) {
    assert_eq!(actual.len(), expected.len(), "length");
    let mut worst = 0.0f64;
    let mut ok = true;
    for (a, e) in actual.iter().zip(expected) {
        let d = (f64::from(*a) - e).abs();
        worst = worst.max(d);
        // Written so that a NaN difference counts as a failure.
        let within = d <= abs + rel * e.abs();
        ok &= within;
    }
    (worst, ok)
}
