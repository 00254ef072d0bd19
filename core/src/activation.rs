//! Activation functions: their names and parameters in the file, and their exact semantics.
//!
//! The formulas are `tinyae_arith::activation`'s (docs/FORMAT.md repeats them): the reference
//! interpreter and the generated code call the same functions, so f32 results agree bit for bit.

use serde_json::{json, Map, Value};

use crate::error::{Error, ErrorKind};

/// An element-wise activation applied after a layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// `x`
    Linear,
    /// `x` if `x > 0`, else `+0.0`: NaN and `-0.0` map to `+0.0`.
    Relu,
    /// `x` if `x >= 0`, else `alpha * x`.
    LeakyRelu {
        /// Slope for negative inputs (PyTorch `negative_slope`, default 0.01).
        alpha: f32,
    },
    /// `1 / (1 + exp(-x))`
    Sigmoid,
    /// `min(max(slope * x + offset, 0), 1)`; PyTorch's `Hardsigmoid` is slope 1/6, offset 0.5
    /// (the default), Keras 2's is slope 0.2, offset 0.5.
    HardSigmoid {
        /// Multiplier of `x`.
        slope: f32,
        /// Added after the multiplication.
        offset: f32,
    },
    /// `tanh(x)`
    Tanh,
    /// `x` if `x > 0`, else `alpha * expm1(x)`.
    Elu {
        /// Scale of the negative part (default 1).
        alpha: f32,
    },
    /// `log1p(exp(beta * x)) / beta`, or `x` where `beta * x > threshold` (PyTorch semantics).
    Softplus {
        /// Sharpness (default 1).
        beta: f32,
        /// Above this `beta * x` the function is taken as linear (default 20).
        threshold: f32,
    },
}

/// The names accepted in the file, for messages.
pub const NAMES: &str = "linear, relu, leaky_relu, sigmoid, hard_sigmoid, tanh, elu, softplus";

impl Activation {
    /// The name used in the file.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leaky_relu",
            Activation::Sigmoid => "sigmoid",
            Activation::HardSigmoid { .. } => "hard_sigmoid",
            Activation::Tanh => "tanh",
            Activation::Elu { .. } => "elu",
            Activation::Softplus { .. } => "softplus",
        }
    }

    /// Applies the activation to one value: the reference semantics, the functions the
    /// generated code calls (`tinyae_arith::activation`).
    pub fn apply(&self, x: f32) -> f32 {
        use tinyae_arith::activation as a;
        match *self {
            Activation::Linear => x,
            Activation::Relu => a::relu(x),
            Activation::LeakyRelu { alpha } => a::leaky_relu(x, alpha),
            Activation::Sigmoid => a::sigmoid(x),
            Activation::HardSigmoid { slope, offset } => a::hard_sigmoid(x, slope, offset),
            Activation::Tanh => a::tanh(x),
            Activation::Elu { alpha } => a::elu(x, alpha),
            Activation::Softplus { beta, threshold } => a::softplus(x, beta, threshold),
        }
    }

    /// Parses the file's form: a bare name (`"relu"`) or an object with `kind` and parameters
    /// (`{"kind": "leaky_relu", "alpha": 0.2}`). `layer` names the layer for messages.
    pub fn from_json(value: &Value, layer: &str) -> Result<Self, Error> {
        let (kind, params) = match value {
            Value::String(s) => (s.as_str(), Map::new()),
            Value::Object(map) => match map.get("kind") {
                Some(Value::String(s)) => {
                    let mut params = map.clone();
                    params.remove("kind");
                    (s.as_str(), params)
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::Activation,
                        format!("layer `{layer}`: activation object has no string `kind`"),
                    )
                    .help(format!(
                        r#"write e.g. {{"kind": "leaky_relu", "alpha": 0.01}}; kinds: {NAMES}"#
                    )))
                }
            },
            other => {
                return Err(Error::new(
                    ErrorKind::Activation,
                    format!(
                        "layer `{layer}`: activation must be a name or an object, found `{other}`"
                    ),
                )
                .help(format!("use one of: {NAMES}")))
            }
        };
        let mut params = Params { layer, kind, map: params };
        let activation = match kind {
            "linear" | "identity" | "none" => Activation::Linear,
            "relu" => Activation::Relu,
            "leaky_relu" => Activation::LeakyRelu { alpha: params.take("alpha", 0.01)? },
            "sigmoid" => Activation::Sigmoid,
            "hard_sigmoid" => Activation::HardSigmoid {
                slope: params.take("slope", 1.0 / 6.0)?,
                offset: params.take("offset", 0.5)?,
            },
            "tanh" => Activation::Tanh,
            "elu" => Activation::Elu { alpha: params.take("alpha", 1.0)? },
            "softplus" => {
                let beta = params.take("beta", 1.0)?;
                let threshold = params.take("threshold", 20.0)?;
                Activation::Softplus { beta, threshold }
            }
            unknown => {
                return Err(Error::new(
                    ErrorKind::Activation,
                    format!("layer `{layer}`: unknown activation `{unknown}`"),
                )
                .help(format!("supported activations: {NAMES}")))
            }
        };
        params.finish()?;
        activation.check_parameters(layer)?;
        Ok(activation)
    }

    /// The file's form: a bare name when there are no parameters.
    pub fn to_json(&self) -> Value {
        match *self {
            Activation::LeakyRelu { alpha } => json!({"kind": "leaky_relu", "alpha": alpha}),
            Activation::HardSigmoid { slope, offset } => {
                json!({"kind": "hard_sigmoid", "slope": slope, "offset": offset})
            }
            Activation::Elu { alpha } => json!({"kind": "elu", "alpha": alpha}),
            Activation::Softplus { beta, threshold } => {
                json!({"kind": "softplus", "beta": beta, "threshold": threshold})
            }
            other => Value::String(other.name().to_owned()),
        }
    }

    /// The activation as the file spells it, with parameters: `leaky_relu(alpha=0.2)`.
    pub fn describe(&self) -> String {
        match *self {
            Activation::LeakyRelu { alpha } => format!("leaky_relu(alpha={alpha})"),
            Activation::HardSigmoid { slope, offset } => {
                format!("hard_sigmoid(slope={slope}, offset={offset})")
            }
            Activation::Elu { alpha } => format!("elu(alpha={alpha})"),
            Activation::Softplus { beta, threshold } => {
                format!("softplus(beta={beta}, threshold={threshold})")
            }
            other => other.name().to_owned(),
        }
    }
}

/// The parameters of one activation object, consumed one by one so leftovers can be reported.
struct Params<'a> {
    layer: &'a str,
    kind: &'a str,
    map: Map<String, Value>,
}

impl Params<'_> {
    fn take(&mut self, name: &str, default: f32) -> Result<f32, Error> {
        let Some(value) = self.map.remove(name) else { return Ok(default) };
        match value.as_f64() {
            Some(v) if v.is_finite() && (v as f32).is_finite() => Ok(v as f32),
            _ => Err(Error::new(
                ErrorKind::Activation,
                format!(
                    "layer `{}`: {} parameter `{name}` must be a finite number, found `{value}`",
                    self.layer, self.kind
                ),
            )
            .help(format!("omit it to use the default {default}"))),
        }
    }

    fn finish(self) -> Result<(), Error> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(extra) => Err(Error::new(
                ErrorKind::Activation,
                format!(
                    "layer `{}`: activation `{}` has no parameter `{extra}`",
                    self.layer, self.kind
                ),
            )
            .help(expected_params(self.kind))),
        }
    }
}

fn expected_params(kind: &str) -> String {
    match kind {
        "leaky_relu" | "elu" => format!("{kind} takes only `alpha`"),
        "hard_sigmoid" => "hard_sigmoid takes `slope` and `offset`".to_owned(),
        "softplus" => "softplus takes `beta` and `threshold`".to_owned(),
        _ => format!("{kind} takes no parameters; write it as the string \"{kind}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_objects_with_defaults() {
        assert_eq!(Activation::from_json(&json!("relu"), "l").unwrap(), Activation::Relu);
        assert_eq!(
            Activation::from_json(&json!({"kind": "leaky_relu"}), "l").unwrap(),
            Activation::LeakyRelu { alpha: 0.01 }
        );
        assert_eq!(
            Activation::from_json(&json!({"kind": "elu", "alpha": 0.5}), "l").unwrap(),
            Activation::Elu { alpha: 0.5 }
        );
    }

    #[test]
    fn round_trips_through_json() {
        for a in [
            Activation::Linear,
            Activation::Relu,
            Activation::LeakyRelu { alpha: 0.2 },
            Activation::Sigmoid,
            Activation::HardSigmoid { slope: 0.2, offset: 0.5 },
            Activation::Tanh,
            Activation::Elu { alpha: 1.5 },
            Activation::Softplus { beta: 2.0, threshold: 10.0 },
        ] {
            assert_eq!(Activation::from_json(&a.to_json(), "l").unwrap(), a);
        }
    }

    #[test]
    fn rejects_unknown_names_and_parameters() {
        let e = Activation::from_json(&json!("swish"), "enc.0").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Activation);
        assert!(e.message.contains("unknown activation `swish`"), "{e}");
        let e = Activation::from_json(&json!({"kind": "relu", "alpha": 1}), "enc.0").unwrap_err();
        assert!(e.message.contains("has no parameter `alpha`"), "{e}");
        let e = Activation::from_json(&json!({"kind": "elu", "alpha": "x"}), "enc.0").unwrap_err();
        assert!(e.message.contains("must be a finite number, found `\"x\"`"), "{e}");
        let e =
            Activation::from_json(&json!({"kind": "leaky_relu", "alpha": 1e7}), "l").unwrap_err();
        assert!(
            e.message.contains("leaky_relu `alpha` is 1e7, expected a number in [-1e6, 1e6]"),
            "{e}"
        );
        // The issue's softplus: beta = 1e-45 gives ln 2 / beta = inf at run time.
        let e =
            Activation::from_json(&json!({"kind": "softplus", "beta": 1e-45}), "l").unwrap_err();
        assert!(
            e.message.contains("softplus `beta` is 1e-45, expected a number in [1e-6, 1e6]"),
            "{e}"
        );
        let e =
            Activation::from_json(&json!({"kind": "softplus", "threshold": 100}), "l").unwrap_err();
        assert!(
            e.message.contains("softplus `threshold` is 100, expected a number in [-1e6, 80]"),
            "{e}"
        );
    }

    /// Values from closed forms computed by hand (independent of libm's implementation).
    #[test]
    fn matches_closed_forms() {
        let close = |a: f32, b: f64| ((a as f64) - b).abs() <= 1e-6 * b.abs().max(1.0);
        assert!(close(Activation::Sigmoid.apply(0.0), 0.5));
        assert!(close(Activation::Sigmoid.apply(2.0), 1.0 / (1.0 + (-2.0f64).exp())));
        assert!(close(Activation::Tanh.apply(0.5), 0.5f64.tanh()));
        assert!(close(Activation::Elu { alpha: 1.0 }.apply(-1.0), (-1.0f64).exp() - 1.0));
        let sp = Activation::Softplus { beta: 1.0, threshold: 20.0 };
        assert!(close(sp.apply(1.0), (1.0 + 1.0f64.exp()).ln()));
        assert_eq!(sp.apply(30.0), 30.0);
        let hs = Activation::HardSigmoid { slope: 1.0 / 6.0, offset: 0.5 };
        assert_eq!(hs.apply(-4.0), 0.0);
        assert_eq!(hs.apply(4.0), 1.0);
        assert_eq!(Activation::Relu.apply(f32::NAN), 0.0);
        assert_eq!(Activation::LeakyRelu { alpha: 0.1 }.apply(-2.0), -0.2);
    }
}
