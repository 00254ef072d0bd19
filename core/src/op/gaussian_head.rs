//! `gaussian_head`: the VAE latent layer, two dense heads on the same input, mean and
//! log-variance. `encode` returns `mu`; sampling computes `mu + exp(0.5 · log_var) · eps` for
//! caller noise. The activation applies to neither head and must be linear.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{both, key, linear, numel};
use super::{Dense, OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::cost::LayersCost;
use crate::error::Error;
use crate::format::Tensors;
use crate::ir::{Layer, Op, Tensor};

/// The VAE latent layer.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianHead {
    /// Mean head.
    pub mu: Dense,
    /// Log-variance head.
    pub log_var: Dense,
}

impl OpSpec for GaussianHead {
    fn widths(&self) -> (usize, usize) {
        (self.mu.in_features, self.mu.out_features)
    }

    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        let n = numel(input);
        if n != self.mu.in_features {
            return Err(site.width_error(self.mu.in_features, n, false));
        }
        Ok(vec![self.mu.out_features])
    }

    fn declared_output(&self) -> Option<Vec<usize>> {
        Some(vec![self.mu.out_features])
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        self.mu.check_widths(layer, errors);
    }

    fn declared_params(&self) -> usize {
        self.mu.declared().saturating_add(self.log_var.declared())
    }

    fn check_tensors(&self, layer: &str, errors: &mut Vec<Error>) {
        self.mu.check_shapes(layer, errors);
        self.log_var.check_shapes(layer, errors);
    }

    /// Both heads' parameters and bytes; the MACs of the mean head only (what `encode` and
    /// `reconstruct` compute).
    fn cost(&self, input: &[usize]) -> LayersCost {
        let (mu, log_var) = (self.mu.cost_on(input), self.log_var.cost_on(input));
        LayersCost {
            params: mu.params + log_var.params,
            weight_bytes: mu.weight_bytes + log_var.weight_bytes,
            macs: mu.macs,
        }
    }

    /// The mean.
    fn reference(&self, _input: &[usize], x: &[f32]) -> Vec<f32> {
        self.mu.apply(x)
    }

    fn reference_with(&self, _input: &[usize], x: &[f32], mac: tinyae_arith::mac::Mac) -> Vec<f32> {
        self.mu.apply_with(x, mac)
    }

    fn tensors(&self) -> Vec<&Tensor> {
        let mut out = self.mu.tensors();
        out.extend(self.log_var.tensors());
        out
    }
}

/// `{"op": "gaussian_head", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianHeadDoc {
    name: String,
    in_features: usize,
    out_features: usize,
    mu: HeadDoc,
    log_var: HeadDoc,
    #[serde(default = "linear")]
    activation: Value,
}

/// One head of a Gaussian layer.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeadDoc {
    weight: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bias: Option<String>,
}

impl OpFile for GaussianHead {
    type Doc = GaussianHeadDoc;
    const SECTION: &'static str = "§Layers";

    fn read(doc: GaussianHeadDoc, _at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        let activation = Activation::from_json(&doc.activation, &doc.name);
        let head = |which: &str, h: &HeadDoc| {
            let owner = format!("the {which} head of layer `{}`", doc.name);
            let widths = (doc.in_features, doc.out_features);
            Dense::read_tensors(tensors, &owner, (&h.weight, h.bias.as_deref()), widths)
        };
        let (mu, log_var) = (head("mu", &doc.mu), head("log_var", &doc.log_var));
        let heads = match (mu, log_var) {
            (Ok(mu), Ok(log_var)) => Ok(GaussianHead { mu, log_var }),
            (mu, log_var) => Err(mu
                .err()
                .into_iter()
                .flatten()
                .chain(log_var.err().into_iter().flatten())
                .collect()),
        };
        let (head, activation) = both(heads, activation)?;
        Ok(Layer { name: doc.name, op: Op::GaussianHead(head), activation })
    }

    fn write(&self, name: &str, activation: Activation) -> GaussianHeadDoc {
        let head = |d: &Dense| HeadDoc { weight: d.weight.key.clone(), bias: key(&d.bias) };
        GaussianHeadDoc {
            name: name.to_owned(),
            in_features: self.mu.in_features,
            out_features: self.mu.out_features,
            mu: head(&self.mu),
            log_var: head(&self.log_var),
            activation: activation.to_json(),
        }
    }
}
