//! The rules every model must satisfy, one function per rule, all problems collected.
//!
//! After [`validate`] succeeds, later stages may index tensors without checks: every shape
//! agrees with its layer, every value is finite, the layer chain is consistent.

use crate::error::{Error, ErrorKind, Errors};
use crate::format::{MAX_DIM, MAX_PARAMS};
use crate::ir::{Calibration, Layer, Model, ModelKind, Op};
use crate::op::common::{check_dim, check_numel};

/// Checks every rule, returning all problems found.
pub fn validate(model: &Model) -> Result<(), Errors> {
    if model.layers.is_empty() {
        return Err(Error::new(ErrorKind::Graph, "the graph has no layers, expected at least two")
            .help("a model needs at least an encoder layer and a decoder layer")
            .into());
    }
    let mut errors = Vec::new();
    // Dimension rules first: the others compute sizes from these dimensions.
    dims_in_range(model, &mut errors);
    if errors.is_empty() {
        for rule in [names_unique, params_within_limit, shapes_consistent] {
            rule(model, &mut errors);
        }
        // Value rules index tensors by the declared sizes, so they see only the layers whose
        // tensors have the declared shapes.
        let checked = tensor_shapes(model, &mut errors);
        tensors_finite(&checked, &mut errors);
        crate::validate_quant::dtypes_match_precision(model, &mut errors);
        crate::validate_quant::quantization_consistent(&checked, &mut errors);
        for rule in [
            crate::validate_quant::quantization_chains,
            activation_applies,
            crate::validate_values::activation_parameters,
            latent_in_range,
            output_matches_input,
            vae_head_placement,
            crate::validate_values::preprocessing_consistent,
            anomaly_consistent,
        ] {
            rule(model, &mut errors);
        }
    }
    match Errors::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok(()),
    }
}

fn dims_in_range(model: &Model, errors: &mut Vec<Error>) {
    if model.input_shape.is_empty() {
        errors.push(
            Error::new(
                ErrorKind::BadDim,
                "`input_shape` is empty, expected the shape of one sample",
            )
            .help("give the shape of one sample, e.g. [140]"),
        );
    }
    for (i, d) in model.input_shape.iter().enumerate() {
        check_dim(format!("`input_shape[{i}]`"), *d, errors);
    }
    if model.input_shape.iter().all(|d| (1..=MAX_DIM).contains(d)) {
        check_numel("`input_shape`", &model.input_shape, errors);
    }
    for layer in &model.layers {
        layer.op.spec().check_dims(&layer.name, errors);
    }
}

fn names_unique(model: &Model, errors: &mut Vec<Error>) {
    for (i, layer) in model.layers.iter().enumerate() {
        if let Some(first) = model.layers[..i].iter().position(|l| l.name == layer.name) {
            errors.push(
                Error::new(
                    ErrorKind::Graph,
                    format!("layers {first} and {i} are both named `{}`", layer.name),
                )
                .help("give every layer a unique name"),
            );
        }
    }
}

fn params_within_limit(model: &Model, errors: &mut Vec<Error>) {
    let params = model
        .layers
        .iter()
        .map(|l| l.op.spec().declared_params())
        .fold(0usize, usize::saturating_add);
    if params > MAX_PARAMS {
        errors.push(
            Error::new(
                ErrorKind::BadDim,
                format!("the model has {params} parameters, more than the limit of {MAX_PARAMS}"),
            )
            .help("tinyae targets microcontrollers; use a smaller model"),
        );
    }
}

/// Every layer can take its input: widths chain, feature maps and sequences have the shape
/// each op expects (`shape::infer`).
fn shapes_consistent(model: &Model, errors: &mut Vec<Error>) {
    errors.extend(crate::shape::infer(model).errors);
}

/// Every tensor has the shape its layer declares; returns the layers whose tensors all do.
fn tensor_shapes<'a>(model: &'a Model, errors: &mut Vec<Error>) -> Vec<&'a Layer> {
    let mut checked = Vec::new();
    for layer in &model.layers {
        let before = errors.len();
        layer.op.spec().check_tensors(&layer.name, errors);
        if errors.len() == before {
            checked.push(layer);
        }
    }
    checked
}

/// Only dense and convolution layers carry an activation (pooling, upsampling, reshaping,
/// repeating and the LSTM's own gates have none).
fn activation_applies(model: &Model, errors: &mut Vec<Error>) {
    for layer in &model.layers {
        if !layer.op.takes_activation() && layer.activation != crate::Activation::Linear {
            errors.push(
                Error::new(
                    ErrorKind::Activation,
                    format!(
                        "layer `{}` is a {} layer, which has no activation, but `{}` is set",
                        layer.name,
                        layer.op.name(),
                        layer.activation.name()
                    ),
                )
                .help("put the activation on the dense or convolution layer before it"),
            );
        }
    }
}

/// Every value of every layer's tensors ([`crate::ir::Op::tensors`]) is finite.
fn tensors_finite(layers: &[&Layer], errors: &mut Vec<Error>) {
    for tensor in layers.iter().flat_map(|l| l.op.tensors()) {
        let bad = tensor.values.iter().filter(|v| !v.is_finite()).count();
        if let Some(first) = tensor.values.iter().position(|v| !v.is_finite()) {
            errors.push(
                Error::new(
                    ErrorKind::NonFinite,
                    format!(
                        "tensor `{}` holds {bad} non-finite value(s), the first ({}) at flat index {first}",
                        tensor.key, tensor.values[first]
                    ),
                )
                .help("training diverged or the export is corrupt; retrain with a lower learning rate"),
            );
        }
    }
}

fn latent_in_range(model: &Model, errors: &mut Vec<Error>) {
    let n = model.layers.len();
    // Not `latent_layer + 1`: the index comes from the file and may be `usize::MAX`.
    if model.latent_layer >= n.saturating_sub(1) {
        errors.push(
            Error::new(
                ErrorKind::Latent,
                format!(
                    "`latent_layer` is {}, expected an index below {}: with {n} layer(s), at least one decoder layer must follow the latent layer",
                    model.latent_layer,
                    n.saturating_sub(1)
                ),
            )
            .help("set `latent_layer` to the index of the bottleneck layer (counting from 0)"),
        );
    }
}

fn output_matches_input(model: &Model, errors: &mut Vec<Error>) {
    let Some(last) = model.layers.last() else { return };
    // An unknown shape is `shapes_consistent`'s to report.
    let Some(Some(shape)) = crate::shape::infer(model).shapes.pop() else { return };
    let produced: usize = shape.iter().product();
    if produced != model.input_len() {
        errors.push(
            Error::new(
                ErrorKind::Graph,
                format!(
                    "the last layer `{}` produces {} values, expected {} (the input size)",
                    last.name,
                    produced,
                    model.input_len()
                ),
            )
            .help("an autoencoder reconstructs its input: the decoder must end at the input size"),
        );
    }
}

fn vae_head_placement(model: &Model, errors: &mut Vec<Error>) {
    for (i, layer) in model.layers.iter().enumerate() {
        let is_head = matches!(layer.op, Op::GaussianHead(_));
        if is_head && (model.kind != ModelKind::Vae || i != model.latent_layer) {
            errors.push(
                Error::new(
                    ErrorKind::Graph,
                    format!(
                        "layer `{}` is a gaussian_head but is not the latent layer of a VAE",
                        layer.name
                    ),
                )
                .help("set \"kind\": \"vae\" and `latent_layer` to this layer's index"),
            );
        }
        if is_head && layer.activation != crate::Activation::Linear {
            errors.push(
                Error::new(
                    ErrorKind::Activation,
                    format!(
                        "gaussian_head `{}` must have a linear activation, found `{}`",
                        layer.name,
                        layer.activation.name()
                    ),
                )
                .help("mean and log-variance are unconstrained; remove the activation"),
            );
        }
    }
    // An out-of-range `latent_layer` is `latent_in_range`'s to report.
    let latent = model.layers.get(model.latent_layer);
    if model.kind == ModelKind::Vae {
        if let Some(latent) = latent.filter(|l| !matches!(l.op, Op::GaussianHead(_))) {
            errors.push(
                Error::new(
                    ErrorKind::Graph,
                    format!(
                        "the model kind is \"vae\", so the latent layer must be a gaussian_head, but layer {} (`{}`) is {}",
                        model.latent_layer,
                        latent.name,
                        latent.op.name()
                    ),
                )
                .help("add a gaussian_head layer (mu and log_var) at `latent_layer`, or set \"kind\": \"autoencoder\""),
            );
        }
    }
}

fn anomaly_consistent(model: &Model, errors: &mut Vec<Error>) {
    let Some(anomaly) = &model.anomaly else { return };
    if !anomaly.threshold.is_finite() || anomaly.threshold < 0.0 {
        errors.push(
            Error::new(
                ErrorKind::Anomaly,
                format!(
                    "anomaly `threshold` must be a finite number >= 0, found {}",
                    crate::error::number(anomaly.threshold)
                ),
            )
            .help("recalibrate with `tinyae train` or set the threshold by hand"),
        );
    }
    match &anomaly.calibration {
        Calibration::Percentile { percentile, .. }
            if !(*percentile > 0.0 && *percentile <= 100.0) =>
        {
            errors.push(
                Error::new(
                    ErrorKind::Anomaly,
                    format!("calibration `percentile` is {percentile}, expected (0, 100]"),
                )
                .help("the seeds' choice is 95"),
            )
        }
        Calibration::MeanStd { k, .. } if !k.is_finite() => errors.push(
            Error::new(
                ErrorKind::Anomaly,
                format!("calibration `k` is {k}, expected a finite number"),
            )
            .help("typical values are 2 or 3"),
        ),
        _ => {}
    }
}
