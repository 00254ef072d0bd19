//! `dense`: a fully connected layer on the last axis, PyTorch's `nn.Linear` layout
//! (`y = W x + b`, `W: [out, in]`). On an input of exactly `in_features` values it takes the
//! whole sample (the dense models, whose `input_shape` may be `[28, 28]`); otherwise it runs
//! at every position of the leading axes (time-distributed, e.g. after an LSTM that returns
//! sequences). An int8 dense layer carries a `quantization` object (`crate::quant`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{check_dim, key, linear, numel, saturating_product, weight_and_bias};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use tinyae_arith::mac::Mac;
use crate::cost::LayersCost;
use crate::error::{Error, ErrorKind};
use crate::format::{Encoded, Tensors};
use crate::ir::{Layer, Op, Quantization, Tensor};

/// A fully connected layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// Declared input width.
    pub in_features: usize,
    /// Declared output width.
    pub out_features: usize,
    /// `[out_features, in_features]`.
    pub weight: Tensor,
    /// `[out_features]`, or none for a layer without bias.
    pub bias: Option<Tensor>,
    /// int8 parameters when the layer is quantized (weights `I8`, bias `I32`).
    pub quant: Option<Box<Quantization>>,
}

impl Dense {
    /// Weight `W[o][i]`.
    pub fn w(&self, o: usize, i: usize) -> f32 {
        self.weight.values[o * self.in_features + i]
    }

    /// Bias `b[o]`, 0 when the layer has none.
    pub fn b(&self, o: usize) -> f32 {
        super::common::bias_at(self.bias.as_ref(), o)
    }

    /// The layer without activation on one row of `in_features` values:
    /// `y[o] = b[o] + w[o][0] · x[0] + w[o][1] · x[1] + ...`, summed in input order from
    /// `+0.0` when there is no bias, no fused multiply-add. A zero weight contributes no term
    /// (docs/FORMAT.md): pruned weights are skipped work in the generated code, and `+ 0 · x`
    /// is not always `+ 0` (`-0.0 + 0.0`, `0 · inf`), so the reference skips them too.
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        self.apply_with(x, Mac::Separate)
    }

    /// [`Dense::apply`] with each term added in the form `mac`: `acc + w · x` (separate) or
    /// `w.mul_add(x, acc)` (fused, the macro's `fma` option), in the same order.
    pub fn apply_with(&self, x: &[f32], mac: Mac) -> Vec<f32> {
        (0..self.out_features)
            .map(|o| {
                let mut acc = self.b(o);
                for (i, xi) in x.iter().enumerate().take(self.in_features) {
                    let w = self.w(o, i);
                    if w != 0.0 {
                        acc = match mac {
                            Mac::Separate => acc + w * xi,
                            // `std`'s fused multiply-add: one rounding, as the generated code's
                            // hardware instruction or `libm::fmaf`.
                            Mac::Fused => w.mul_add(*xi, acc),
                        };
                    }
                }
                acc
            })
            .collect()
    }

    /// The layer applied to each row of `in_features` values (time-distributed when there is
    /// more than one row).
    pub fn apply_rows(&self, x: &[f32]) -> Vec<f32> {
        self.apply_rows_with(x, Mac::Separate)
    }

    /// [`Dense::apply_rows`] in the multiply-accumulate form `mac`.
    pub fn apply_rows_with(&self, x: &[f32], mac: Mac) -> Vec<f32> {
        x.chunks(self.in_features.max(1)).flat_map(|row| self.apply_with(row, mac)).collect()
    }

    /// Weights plus biases.
    pub fn params(&self) -> usize {
        self.in_features * self.out_features + self.bias.as_ref().map_or(0, |_| self.out_features)
    }

    /// Bytes of the weight and bias as stored in the file.
    pub fn stored_bytes(&self) -> usize {
        let bytes = |t: &Tensor| t.numel() * t.storage.bytes();
        bytes(&self.weight) + self.bias.as_ref().map_or(0, bytes)
    }

    /// The layer's tensors from the file; `owner` names it in messages.
    pub(crate) fn read_tensors(
        tensors: &Tensors<'_>,
        owner: &str,
        (weight, bias): (&str, Option<&str>),
        (in_features, out_features): (usize, usize),
    ) -> Result<Dense, Vec<Error>> {
        let (weight, bias) = weight_and_bias(tensors, owner, weight, bias)?;
        Ok(Dense { in_features, out_features, weight, bias, quant: None })
    }

    /// The weight and bias shapes the declared widths give (`layer` names it).
    pub(crate) fn check_shapes(&self, layer: &str, errors: &mut Vec<Error>) {
        let expected = [self.out_features, self.in_features];
        if self.weight.shape != expected {
            let transposed = self.weight.shape == [self.in_features, self.out_features];
            errors.push(
                Error::new(
                    ErrorKind::ShapeMismatch,
                    format!(
                        "tensor `{}` has shape {:?}, expected {:?} ([out_features, in_features] of layer `{layer}`)",
                        self.weight.key, self.weight.shape, expected
                    ),
                )
                .help(if transposed {
                    "the weight is transposed: store it as PyTorch's nn.Linear does, [out, in] (Keras kernels are [in, out]: save `kernel.T`)"
                } else {
                    "fix `in_features`/`out_features` in the graph or export the matching weight"
                }),
            );
        }
        if let Some(bias) = &self.bias {
            if bias.shape != [self.out_features] {
                errors.push(
                    Error::new(
                        ErrorKind::ShapeMismatch,
                        format!(
                            "tensor `{}` has shape {:?}, expected [{}] (the bias of layer `{layer}`)",
                            bias.key, bias.shape, self.out_features
                        ),
                    )
                    .help("a bias holds one value per output"),
                );
            }
        }
    }

    /// The cost of the layer on `input`: it runs once per row of `in_features` values.
    pub(crate) fn cost_on(&self, input: &[usize]) -> LayersCost {
        let rows = numel(input).checked_div(self.in_features).unwrap_or(0).max(1);
        LayersCost {
            params: self.params(),
            weight_bytes: self.stored_bytes(),
            macs: rows * self.in_features * self.out_features,
        }
    }

    /// Declared widths, checked.
    pub(crate) fn check_widths(&self, layer: &str, errors: &mut Vec<Error>) {
        check_dim(format!("`in_features` of layer `{layer}`"), self.in_features, errors);
        check_dim(format!("`out_features` of layer `{layer}`"), self.out_features, errors);
    }

    /// Parameters from the declared widths (saturating): the bias counts only when the layer
    /// has one.
    pub(crate) fn declared(&self) -> usize {
        let bias = if self.bias.is_some() { self.out_features } else { 0 };
        saturating_product(&[self.in_features, self.out_features]).saturating_add(bias)
    }
}

impl OpSpec for Dense {
    fn takes_activation(&self) -> bool {
        true
    }

    fn widths(&self) -> (usize, usize) {
        (self.in_features, self.out_features)
    }

    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        let n = numel(input);
        if n == self.in_features {
            return Ok(vec![self.out_features]);
        }
        match input.split_last() {
            Some((&last, lead)) if input.len() > 1 && last == self.in_features => {
                Ok(lead.iter().copied().chain([self.out_features]).collect())
            }
            _ => Err(site.width_error(self.in_features, n, input.len() > 1)),
        }
    }

    fn declared_output(&self) -> Option<Vec<usize>> {
        Some(vec![self.out_features])
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        self.check_widths(layer, errors);
    }

    fn declared_params(&self) -> usize {
        self.declared()
    }

    fn check_tensors(&self, layer: &str, errors: &mut Vec<Error>) {
        self.check_shapes(layer, errors);
        if let Some(q) = &self.quant {
            crate::validate_quant::weight_scale_shape(layer, self, q, errors);
        }
    }

    fn cost(&self, input: &[usize]) -> LayersCost {
        self.cost_on(input)
    }

    fn reference(&self, _input: &[usize], x: &[f32]) -> Vec<f32> {
        self.apply_rows(x)
    }

    fn reference_with(&self, _input: &[usize], x: &[f32], mac: Mac) -> Vec<f32> {
        self.apply_rows_with(x, mac)
    }

    fn tensors(&self) -> Vec<&Tensor> {
        std::iter::once(&self.weight).chain(&self.bias).collect()
    }
}

/// `{"op": "dense", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DenseDoc {
    name: String,
    in_features: usize,
    out_features: usize,
    weight: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bias: Option<String>,
    #[serde(default = "linear")]
    activation: Value,
    /// int8 parameters (docs/FORMAT.md, "int8 layers").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantization: Option<crate::format::QuantizationDoc>,
}

impl OpFile for Dense {
    type Doc = DenseDoc;
    const SECTION: &'static str = "§Layers";

    fn read(doc: DenseDoc, _at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        let activation = Activation::from_json(&doc.activation, &doc.name);
        let owner = format!("layer `{}`", doc.name);
        let dense = Dense::read_tensors(
            tensors,
            &owner,
            (&doc.weight, doc.bias.as_deref()),
            (doc.in_features, doc.out_features),
        )
        .and_then(|mut d| {
            if let Some(q) = &doc.quantization {
                let q = crate::format::read_quantization(q, doc.bias.as_deref(), tensors, &owner);
                d.quant = Some(Box::new(q.map_err(|e| vec![e])?));
            }
            Ok(d)
        });
        let (dense, activation) = super::common::both(dense, activation)?;
        Ok(Layer { name: doc.name, op: Op::Dense(dense), activation })
    }

    fn write(&self, name: &str, activation: Activation) -> DenseDoc {
        DenseDoc {
            name: name.to_owned(),
            in_features: self.in_features,
            out_features: self.out_features,
            weight: self.weight.key.clone(),
            bias: key(&self.bias),
            activation: activation.to_json(),
            quantization: self.quant.as_deref().map(crate::format::quantization_doc),
        }
    }

    /// An int8 layer stores its quantized weights and scales, not its f32 tensors.
    fn encode_tensors(&self, out: &mut Vec<Encoded>) -> Result<(), String> {
        match &self.quant {
            Some(q) => crate::format::collect_quantized(self, q, out).map_err(|e| e.to_string()),
            None => {
                super::encode_as_stored(self, out);
                Ok(())
            }
        }
    }
}
