//! The ranges of values the model computes with (docs/FORMAT.md, "Limits"): preprocessing and
//! int8 scales whose reciprocals or products would not be finite in f32 are rejected, so a
//! file that loads never turns finite inputs into inf or NaN through them.

use crate::activation::Activation;
use crate::error::{number, Error, ErrorKind};
use crate::ir::{Model, Preprocessing};

/// The smallest scale-like value: a preprocessing range or `std`, an int8 `scale` or weight
/// scale. Its reciprocal (at most 1e30) stays finite in f32.
pub const SCALE_MIN: f32 = 1e-30;
/// The largest scale-like value: times 255 (an int8 step count) it stays finite in f32.
pub const SCALE_MAX: f32 = 1e30;
/// The largest magnitude of a preprocessing offset (`min`, `max`, `mean`).
pub const OFFSET_MAX: f32 = 1e30;

/// Whether `v` is a scale in `[SCALE_MIN, SCALE_MAX]` (NaN is not).
pub fn scale_in_range(v: f32) -> bool {
    (SCALE_MIN..=SCALE_MAX).contains(&v)
}

/// `[1e-30, 1e30]`, as messages print the scale range.
pub fn scale_range() -> String {
    format!("[{SCALE_MIN:e}, {SCALE_MAX:e}]")
}

/// Preprocessing arrays have 1 or `n` values, offsets within `±OFFSET_MAX`, ranges and `std`
/// within the scale range. One error per array, naming the first bad index and the count.
pub fn preprocessing_consistent(model: &Model, errors: &mut Vec<Error>) {
    let n = model.input_len();
    let ([offsets, ranges], names) = match &model.preprocessing {
        Preprocessing::None => return,
        Preprocessing::MinMax { min, max } => ([min, max], ["min", "max"]),
        Preprocessing::Standard { mean, std } => ([mean, std], ["mean", "std"]),
    };
    let before = errors.len();
    for (values, name) in [offsets, ranges].into_iter().zip(names) {
        if values.len() != 1 && values.len() != n {
            errors.push(
                Error::new(
                    ErrorKind::Preprocessing,
                    format!("preprocessing `{name}` has {} values, expected 1 or {n} (one per input feature)", values.len()),
                )
                .help("store one value per feature, or a single value for all"),
            );
        }
    }
    let offset_ok = |v: &f32| v.abs() <= OFFSET_MAX;
    let offsets_checked: &[(&[f32], &str)] = match model.preprocessing {
        Preprocessing::MinMax { .. } => &[(offsets, names[0]), (ranges, names[1])],
        _ => &[(offsets, names[0])],
    };
    for (values, name) in offsets_checked {
        if let Some(error) = first_bad(values, offset_ok, |i, v| {
            let kind = if v.is_finite() { ErrorKind::Preprocessing } else { ErrorKind::NonFinite };
            Error::new(
                kind,
                format!("preprocessing `{name}[{i}]` is {}, expected a finite number in [-{OFFSET_MAX:e}, {OFFSET_MAX:e}]", number(v)),
            )
            .help("refit the scaler on data without NaN, infinite or absurd values")
        }) {
            errors.push(error);
        }
    }
    if errors.len() > before {
        return; // the ranges are computed from these values
    }
    // Per stored value (not per feature), so one shared `std` gives one error, not one per
    // feature. Computed in f64: `max - min` of two finite f32 may overflow f32.
    let stored = offsets.len().max(ranges.len());
    let pick = |v: &[f32], i: usize| f64::from(if v.len() == 1 { v[0] } else { v[i] });
    let range = |i: usize| match model.preprocessing {
        Preprocessing::MinMax { .. } => pick(ranges, i) - pick(offsets, i),
        _ => pick(ranges, i),
    };
    let bad: Vec<usize> = (0..stored)
        .filter(|&i| !(f64::from(SCALE_MIN)..=f64::from(SCALE_MAX)).contains(&range(i)))
        .collect();
    let Some(&first) = bad.first() else { return };
    let what = match model.preprocessing {
        Preprocessing::MinMax { .. } => {
            let at =
                |name: &str, v: &[f32]| format!("{name}[{}]", if v.len() == 1 { 0 } else { first });
            format!("range `{} - {}`", at("max", ranges), at("min", offsets))
        }
        _ => format!("`std[{first}]`"),
    };
    let more = match bad.len() {
        1 => String::new(),
        k => format!(" (and {} more feature(s))", k - 1),
    };
    let help = if range(first) < f64::from(SCALE_MIN) {
        "a constant feature has no range: store a range of 1 (or drop the feature)"
    } else {
        "the feature's range is too large to scale in f32; check the scaler's export"
    };
    errors.push(
        Error::new(
            ErrorKind::Preprocessing,
            format!(
                "preprocessing {what} is {}{more}, expected a number in {}",
                shown(range(first)),
                scale_range()
            ),
        )
        .help(help),
    );
}

/// The error `describe(index, value)` for the first value that fails `ok`, if any.
fn first_bad(
    values: &[f32],
    ok: impl Fn(&f32) -> bool,
    describe: impl Fn(usize, f32) -> Error,
) -> Option<Error> {
    values.iter().position(|v| !ok(v)).map(|i| describe(i, values[i]))
}

/// A value computed in f64 as messages print it (scientific when f32 cannot hold it).
fn shown(v: f64) -> String {
    if (v as f32).is_finite() {
        number(v as f32)
    } else {
        format!("{v:e}")
    }
}

/// The largest magnitude of an activation parameter (docs/FORMAT.md, Limits): larger ones
/// turn ordinary inputs into infinities.
pub const PARAM_MAX: f32 = 1e6;
/// The smallest softplus `beta`: the function is at least `ln 2 / beta`.
pub const SOFTPLUS_MIN_BETA: f32 = 1e-6;
/// The largest softplus `threshold`: below it the function computes `expf(beta * x)`, which
/// overflows f32 above 88.
pub const SOFTPLUS_MAX_THRESHOLD: f32 = 80.0;

impl Activation {
    /// The parameters are in their documented ranges (`layer` names the layer). Checked when a
    /// file is read and again by `validate`, for models built in code (the trainer, importers).
    pub fn check_parameters(&self, layer: &str) -> Result<(), Error> {
        let (kind, params): (&str, &[(&str, f32)]) = match self {
            Activation::LeakyRelu { alpha } => ("leaky_relu", &[("alpha", *alpha)]),
            Activation::Elu { alpha } => ("elu", &[("alpha", *alpha)]),
            Activation::HardSigmoid { slope, offset } => {
                ("hard_sigmoid", &[("slope", *slope), ("offset", *offset)])
            }
            Activation::Softplus { beta, threshold } => {
                ("softplus", &[("beta", *beta), ("threshold", *threshold)])
            }
            _ => return Ok(()),
        };
        for &(name, v) in params {
            let (lo, hi) = match (kind, name) {
                ("softplus", "beta") => (SOFTPLUS_MIN_BETA, PARAM_MAX),
                ("softplus", "threshold") => (-PARAM_MAX, SOFTPLUS_MAX_THRESHOLD),
                _ => (-PARAM_MAX, PARAM_MAX),
            };
            if !(lo..=hi).contains(&v) {
                return Err(Error::new(
                    ErrorKind::Activation,
                    format!(
                        "layer `{layer}`: {kind} `{name}` is {}, expected a number in [{}, {}]",
                        number(v),
                        number(lo),
                        number(hi)
                    ),
                )
                .help(match kind {
                    "softplus" => "use beta = 1 and threshold = 20 (PyTorch's defaults)",
                    _ => "typical values are small, e.g. 0.01 to 1",
                }));
            }
        }
        Ok(())
    }
}

/// Every layer's activation parameters are in their documented ranges.
pub fn activation_parameters(model: &Model, errors: &mut Vec<Error>) {
    errors.extend(model.layers.iter().filter_map(|l| l.activation.check_parameters(&l.name).err()));
}
