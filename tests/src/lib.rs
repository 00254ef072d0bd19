//! Shared helpers of the test suite: fixture paths, test vectors, tolerance checks.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinyae::Autoencoder;
use tinyae_core::reference::{self, Mac};
use tinyae_core::Model;

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
pub fn load_model(path: &Path) -> Model {
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

/// Fails unless `actual` holds `expected`'s values bit for bit (generated code vs reference).
pub fn assert_bits(actual: &[f32], expected: &[f32], what: &str) {
    let same = actual.len() == expected.len()
        && actual.iter().zip(expected).all(|(a, e)| a.to_bits() == e.to_bits());
    assert!(same, "{what}: generated {actual:?} != reference {expected:?}");
}

/// The largest factor between user units and the model's scaled space (the input range; 1
/// without input scaling).
pub fn user_scale(model: &Model) -> f64 {
    model
        .preprocessing
        .affine(model.input_len())
        .map_or(1.0, |a| a.range.iter().fold(0.0f64, |m, r| m.max(f64::from(*r))))
}

/// An output of the API, compared with an independent float64 reference by [`three_way`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `encode`: the latent code.
    Encode,
    /// `reconstruct`, in user units.
    Reconstruct,
    /// `anomaly_score`.
    Score,
    /// `decode` of the vectors' latent codes, in user units.
    Decode,
}

/// Three-way parity of `M` on fixture `name`'s vectors: every API function bit for bit equal
/// to the reference interpreter, the `*_into` variants (`decode_into` when `decode_into`)
/// equal to the by-value ones, and every output handed to `independent` with the independent
/// float64 value (`tests/reference/*.py`) and a label for messages.
pub fn three_way<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    name: &str,
    mode: &str,
    decode_into: bool,
    mut independent: impl FnMut(Output, &[f32], &[f64], String),
) {
    let model = load_model(&fixture(&format!("{name}.safetensors")));
    let v = vectors(name);
    let what = |f: &str, i: usize| format!("{name}/{mode} {f} #{i}");
    let mut scratch = M::new_scratch();
    for (i, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; N] = input(row);
        let z = M::encode(&x);
        assert_bits(&z, &reference::encode(&model, &x), &what("encode", i));
        independent(Output::Encode, &z, &rows(&v, "encode")[i], what("encode", i));
        let y = M::reconstruct(&x);
        assert_bits(&y, &reference::reconstruct(&model, &x), &what("reconstruct", i));
        independent(Output::Reconstruct, &y, &rows(&v, "reconstruct")[i], what("reconstruct", i));
        let score = M::anomaly_score(&x);
        assert_bits(&[score], &[reference::anomaly_score(&model, &x)], &what("score", i));
        independent(Output::Score, &[score], &[column(&v, "score")[i]], what("score", i));

        // The `*_into` variants compute the same values with caller buffers.
        let (mut z2, mut y2) = ([0.0f32; L], [0.0f32; N]);
        M::encode_into(&x, &mut scratch, &mut z2);
        M::reconstruct_into(&x, &mut scratch, &mut y2);
        assert_bits(&z2, &z, &what("encode_into", i));
        assert_bits(&y2, &y, &what("reconstruct_into", i));
        let score2 = M::anomaly_score_into(&x, &mut scratch, &mut y2);
        assert_bits(&[score2], &[score], &what("anomaly_score_into", i));
    }
    for (i, row) in rows(&v, "latents").iter().enumerate() {
        let z: [f32; L] = input(row);
        let y = M::decode(&z);
        assert_bits(&y, &reference::decode(&model, &z), &what("decode", i));
        independent(Output::Decode, &y, &rows(&v, "decode")[i], what("decode", i));
        if decode_into {
            let mut y2 = [0.0f32; N];
            M::decode_into(&z, &mut scratch, &mut y2);
            assert_bits(&y2, &y, &what("decode_into", i));
        }
    }
}

/// A generated VAE's `sample_latent(x, eps)`.
pub type SampleLatent<const N: usize, const L: usize> = fn(&[f32; N], &[f32; L]) -> [f32; L];

/// A VAE's `sample_latent` on fixture `name`'s inputs and noise (`eps`): bit for bit equal to
/// the reference interpreter, and within `abs + rel · |expected|` of the independent float64
/// value, for each of `samplers` (one per generated variant).
pub fn check_sample_latent<const N: usize, const L: usize>(
    name: &str,
    samplers: &[SampleLatent<N, L>],
    (abs, rel): (f64, f64),
) {
    let model = load_model(&fixture(&format!("{name}.safetensors")));
    let v = vectors(name);
    let eps = rows(&v, "eps");
    for (i, row) in rows(&v, "inputs").iter().enumerate() {
        let x: [f32; N] = input(row);
        let e: [f32; L] = input(&eps[i]);
        for sample_latent in samplers {
            let z = sample_latent(&x, &e);
            let r = reference::sample_latent(&model, &x, &e).expect("vae");
            assert_bits(&z, &r, &format!("{name} sample_latent #{i}"));
            let (d, ok) = compare(&z, &rows(&v, "sample_latent")[i], abs, rel);
            assert!(ok, "{name} sample_latent #{i}: max |generated - float64| = {d:e}");
        }
    }
}

/// Every f32 API function of `M` against the reference interpreter evaluating with `mac`, bit
/// for bit, on `inputs`: the by-value functions, `decode` of the reference's latent codes, and
/// the `*_into` variants.
pub fn bit_exact<M: Autoencoder<N, L>, const N: usize, const L: usize>(
    model: &Model,
    inputs: &[[f32; N]],
    mac: Mac,
    what: &str,
) {
    let mut scratch = M::new_scratch();
    for (i, x) in inputs.iter().enumerate() {
        let at = |f: &str| format!("{what} {f} #{i}");
        let z_ref = reference::encode_with(model, x, mac);
        assert_bits(&M::encode(x), &z_ref, &at("encode"));
        let y_ref = reference::reconstruct_with(model, x, mac);
        assert_bits(&M::reconstruct(x), &y_ref, &at("reconstruct"));
        let z: [f32; L] = z_ref.as_slice().try_into().expect("latent");
        let d_ref = reference::decode_with(model, &z, mac);
        assert_bits(&M::decode(&z), &d_ref, &at("decode"));
        let score = reference::anomaly_score_with(model, x, mac);
        assert_bits(&[M::anomaly_score(x)], &[score], &at("anomaly_score"));
        let (mut z2, mut y2) = ([0.0f32; L], [0.0f32; N]);
        M::encode_into(x, &mut scratch, &mut z2);
        assert_bits(&z2, &z_ref, &at("encode_into"));
        M::reconstruct_into(x, &mut scratch, &mut y2);
        assert_bits(&y2, &y_ref, &at("reconstruct_into"));
        let score2 = M::anomaly_score_into(x, &mut scratch, &mut y2);
        assert_bits(&[score2], &[score], &at("score_into"));
        M::decode_into(&z, &mut scratch, &mut y2);
        assert_bits(&y2, &d_ref, &at("decode_into"));
    }
}

/// `check::<$m::$Mode, N, L>("$m", "$mode")`, with the `check` in scope, for each listed
/// generated type of module `$m` (named after its fixture, one type per unroll mode); the
/// value of the last call.
#[macro_export]
macro_rules! check_modes {
    ($m:ident, $n:literal, $l:literal, [$($mode:ident),+ $(,)?]) => {{
        $(
            let mode = stringify!($mode).to_lowercase();
            let _last = check::<$m::$mode, $n, $l>(stringify!($m), &mode);
        )+
        _last
    }};
}

/// Modules of generated models: `name = "file": [Type, Type(option = value, ..), ..];` declares
/// `mod name` holding `tinyae::autoencoder!(pub Type = "file", options..)` for each type, the
/// file named once for all its variants.
#[macro_export]
macro_rules! generated {
    ($($m:ident = $file:literal: [$($ty:ident $(($($opt:tt)*))?),+ $(,)?];)*) => {
        $(mod $m {
            $(tinyae::autoencoder!(pub $ty = $file $(, $($opt)*)?);)+
        })*
    };
}
