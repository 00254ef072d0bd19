//! The rules of quantized (int8) and reduced-precision layers (docs/FORMAT.md, "Tensors and
//! dtypes" and "int8 layers"), one function per rule, in the style of `validate`.

use crate::error::{number, Error, ErrorKind};
use crate::ir::{Dense, Layer, Model, QParams, Quantization, Storage, Tensor};
use crate::quant::{self, Requant};
use crate::validate_values::{scale_in_range, scale_range};

/// Float layers hold float tensors; quantized layers hold I8 weights and an I32 bias.
pub fn dtypes_match_precision(model: &Model, errors: &mut Vec<Error>) {
    for layer in &model.layers {
        for d in layer.op.dense_parts() {
            let float =
                |t: &Tensor| matches!(t.storage, Storage::F32 | Storage::F16 | Storage::Bf16);
            match &d.quant {
                None => {
                    for t in std::iter::once(&d.weight).chain(&d.bias).filter(|t| !float(t)) {
                        errors.push(
                            Error::new(
                                ErrorKind::WrongDtype,
                                format!(
                                    "tensor `{}` of layer `{}` has dtype {}, expected F32, F16 or BF16: the layer has no `quantization`",
                                    t.key,
                                    layer.name,
                                    t.storage.dtype_name()
                                ),
                            )
                            .help("store float weights, or add the layer's `quantization` object (docs/FORMAT.md, int8 layers)"),
                        );
                    }
                }
                Some(q) => {
                    let mut expect = |t: &Tensor, storage: Storage, what: &str| {
                        if t.storage != storage {
                            errors.push(
                                Error::new(
                                    ErrorKind::WrongDtype,
                                    format!(
                                        "tensor `{}` ({what} of quantized layer `{}`) has dtype {}, expected {}",
                                        t.key,
                                        layer.name,
                                        t.storage.dtype_name(),
                                        storage.dtype_name()
                                    ),
                                )
                                .help("quantize with `tinyae quantize`, or remove the layer's `quantization` object"),
                            );
                        }
                    };
                    expect(&d.weight, Storage::I8, "the weight");
                    if let Some(b) = &d.bias {
                        expect(b, Storage::I32, "the bias");
                    }
                    expect(&q.weight_scale, Storage::F32, "the weight scales");
                }
            }
        }
    }
}

/// Every value of a quantized layer is in its range and its requantization is representable.
/// `layers` are the layers whose tensors have their declared shapes (the bound indexes them).
pub fn quantization_consistent(layers: &[&Layer], errors: &mut Vec<Error>) {
    for layer in layers {
        if let Some((d, q)) = quant::of(layer) {
            check_layer(layer, d, q, errors);
        }
    }
}

/// The weight scales hold one value per output (a shape rule, checked with the layer's other
/// tensor shapes).
pub fn weight_scale_shape(layer: &str, d: &Dense, q: &Quantization, errors: &mut Vec<Error>) {
    let ws = &q.weight_scale;
    if ws.shape != [d.out_features] {
        errors.push(
            Error::new(
                ErrorKind::ShapeMismatch,
                format!(
                    "tensor `{}` has shape {:?}, expected [{}] (one weight scale per output of layer `{layer}`)",
                    ws.key, ws.shape, d.out_features
                ),
            )
            .help("store one scale per output channel (row of the weight)"),
        );
    }
}

fn bad(message: String, help: &str) -> Error {
    Error::new(ErrorKind::Quantization, message).help(help)
}

fn check_layer(layer: &Layer, d: &Dense, q: &Quantization, errors: &mut Vec<Error>) {
    let name = &layer.name;
    let start = errors.len();
    let ws = &q.weight_scale;
    if let Some(i) = ws.values.iter().position(|s| !scale_in_range(*s)) {
        errors.push(bad(
            format!(
                "weight scale {i} of layer `{name}` (`{}[{i}]`) is {}, expected a number in {}",
                ws.key,
                number(ws.values[i]),
                scale_range()
            ),
            "a channel whose weights are all zero still needs a positive scale, e.g. 1",
        ));
    }
    if let Some(i) = d.weight.values.iter().position(|v| !(-127.0..=127.0).contains(v)) {
        errors.push(bad(
            format!(
                "weight `{}` of layer `{name}` holds {} at flat index {i}, expected -127..=127 (symmetric int8)",
                d.weight.key, d.weight.values[i]
            ),
            "-128 is not used by symmetric quantization: clamp the weights to [-127, 127]",
        ));
    }
    let mut params: Vec<(&str, QParams)> = vec![("input", q.input), ("output", q.output)];
    params.extend(q.pre_activation.map(|p| ("pre_activation", p)));
    for (what, p) in &params {
        if !scale_in_range(p.scale) {
            errors.push(bad(
                format!(
                    "`{what}.scale` of layer `{name}` is {}, expected a number in {}",
                    number(p.scale),
                    scale_range()
                ),
                "recalibrate the layer (`tinyae quantize`)",
            ));
        }
        if !(-128..=127).contains(&p.zero_point) {
            errors.push(bad(
                format!(
                    "`{what}.zero_point` of layer `{name}` is {}, expected -128..=127",
                    p.zero_point
                ),
                "a zero point is an int8 value",
            ));
        }
    }
    if errors.len() > start {
        return; // the remaining rules compute with these values
    }
    let target = q.pre_activation.unwrap_or(q.output);
    if let Some(o) = (0..d.out_features)
        .find(|&o| Requant::new(q.input.scale, ws.values[o], target.scale).is_none())
    {
        errors.push(bad(
            format!(
                "layer `{name}` channel {o}: the requantization factor input.scale × weight_scale / {}.scale = {:e} is outside [2^-32, 2^30)",
                if q.pre_activation.is_some() { "pre_activation" } else { "output" },
                f64::from(q.input.scale) * f64::from(ws.values[o]) / f64::from(target.scale)
            ),
            "the scales do not belong together; recalibrate the layer",
        ));
    }
    let bound = quant::accumulator_bound(d, q);
    if bound >= 1 << 31 {
        errors.push(bad(
            format!(
                "layer `{name}` can accumulate up to {bound} (bias plus every |weight| × 255), beyond the i32 range"
            ),
            "split the layer or use a float precision for it",
        ));
    }
}

/// Where one quantized layer feeds another, the first's output parameters are the second's
/// input parameters (int8 values pass between them unchanged).
pub fn quantization_chains(model: &Model, errors: &mut Vec<Error>) {
    for pair in model.layers.windows(2) {
        let (Some((_, a)), Some((_, b))) = (quant::of(&pair[0]), quant::of(&pair[1])) else {
            continue;
        };
        if a.output != b.input {
            errors.push(bad(
                format!(
                    "layer `{}` reads int8 values with scale {} and zero point {}, but layer `{}` writes them with scale {} and zero point {}",
                    pair[1].name,
                    b.input.scale,
                    b.input.zero_point,
                    pair[0].name,
                    a.output.scale,
                    a.output.zero_point
                ),
                "a layer's `input` parameters must equal the previous layer's `output` parameters",
            ));
        }
    }
}
