//! Shape inference: the shape of every layer's output, from `input_shape` and each layer's
//! declared sizes, with an error wherever a layer cannot take its input.
//!
//! Feature maps are `[channels, height, width]`, sequences `[steps, features]`, vectors
//! `[features]`. A dense layer acts on the whole sample when its `in_features` equals the
//! number of input values (the dense models of version 1, whose `input_shape` may be `[28, 28]`),
//! otherwise on the last axis at every position of the others (time-distributed, e.g. after an
//! LSTM that returns sequences).

use crate::error::{Error, ErrorKind};
use crate::format::MAX_DIM;
use crate::ir::{Layer, Model, Op};

/// What shape inference found.
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// Index 0: the input; index `j + 1`: layer `j`'s output. `None` past a layer that cannot
    /// take its input (until a dense layer, whose output width is declared).
    pub shapes: Vec<Option<Vec<usize>>>,
    /// Every layer that cannot take its input, in layer order.
    pub errors: Vec<Error>,
}

impl Inference {
    /// The shapes with unknown ones as `[0]` (only an invalid model has any).
    pub fn shapes(&self) -> Vec<Vec<usize>> {
        self.shapes.iter().map(|s| s.clone().unwrap_or_else(|| vec![0])).collect()
    }
}

/// Infers the output shape of every layer of `model`.
pub fn infer(model: &Model) -> Inference {
    let mut shapes = vec![Some(model.input_shape.clone())];
    let mut errors = Vec::new();
    for (j, layer) in model.layers.iter().enumerate() {
        let input = shapes[j].clone();
        let previous = if j == 0 { None } else { Some(&model.layers[j - 1]) };
        let out = match output_shape(layer, input.as_deref(), previous, &model.input_shape) {
            Ok(out) => out,
            Err(e) => {
                errors.push(e);
                fallback(&layer.op)
            }
        };
        if let Some(shape) = &out {
            let n = shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d));
            if n.is_none_or(|n| n > MAX_DIM) {
                errors.push(
                    Error::new(
                        ErrorKind::BadDim,
                        format!(
                            "layer `{}` ({}) produces a {shape:?} output, more than {MAX_DIM} values",
                            layer.name,
                            layer.op.name()
                        ),
                    )
                    .help("no microcontroller holds a feature map this large; use fewer channels or a larger stride"),
                );
                shapes.push(None);
                continue;
            }
        }
        shapes.push(out);
    }
    Inference { shapes, errors }
}

/// The shape a layer yields when its input is unknown or unusable: known only for layers that
/// declare their output width.
fn fallback(op: &Op) -> Option<Vec<usize>> {
    match op {
        Op::Dense(d) => Some(vec![d.out_features]),
        Op::GaussianHead(h) => Some(vec![h.mu.out_features]),
        _ => None,
    }
}

/// The output shape of `layer` for an input of shape `input`, or `None` when it cannot take it
/// (a valid model never has such a layer).
pub fn layer_output(layer: &Layer, input: &[usize]) -> Option<Vec<usize>> {
    output_shape(layer, Some(input), None, input).ok().flatten()
}

fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// The output shape of `layer` for `input` (`None`: unknown, no check possible).
fn output_shape(
    layer: &Layer,
    input: Option<&[usize]>,
    previous: Option<&Layer>,
    input_shape: &[usize],
) -> Result<Option<Vec<usize>>, Error> {
    let Some(input) = input else { return Ok(fallback(&layer.op)) };
    let name = &layer.name;
    let op = layer.op.name();
    let chain = |message: String, help: &str| {
        Error::new(ErrorKind::ShapeChain, format!("layer `{name}` ({op}) {message}")).help(help)
    };
    let image = |channels: usize| -> Result<[usize; 3], Error> {
        match *input {
            [c, h, w] if c == channels => Ok([c, h, w]),
            [c, _, _] => Err(chain(
                format!("expects {channels} input channels but its input {input:?} has {c}"),
                "make `in_channels` equal the channels of the previous layer's output",
            )),
            _ => Err(chain(
                format!("expects a [channels, height, width] input, found {input:?}"),
                "set `input_shape` to the image's CHW shape (e.g. [1, 28, 28]), or add a `reshape` layer before it",
            )),
        }
    };
    let out = match &layer.op {
        Op::Dense(d) => dense_shape(layer, d.in_features, d.out_features, input, previous, input_shape)?,
        Op::GaussianHead(h) => {
            let n = numel(input);
            if n != h.mu.in_features {
                return Err(width_error(layer, h.mu.in_features, n, previous, input_shape, false));
            }
            vec![h.mu.out_features]
        }
        Op::Conv2d(c) => {
            let [_, h, w] = image(c.in_channels)?;
            let Some((_, [oh, ow])) = c.geometry([h, w]) else {
                return Err(chain(
                    format!(
                        "has a {:?} kernel that does not fit its {h}×{w} input with padding {}",
                        c.kernel_size,
                        c.padding.describe()
                    ),
                    "use a smaller kernel, or padding \"same\"",
                ));
            };
            vec![c.out_channels, oh, ow]
        }
        Op::ConvTranspose2d(c) => {
            let [_, h, w] = image(c.in_channels)?;
            if c.output_padding[0] >= c.stride[0] || c.output_padding[1] >= c.stride[1] {
                return Err(chain(
                    format!(
                        "has output_padding {:?}, expected each value below the stride {:?}",
                        c.output_padding, c.stride
                    ),
                    "output_padding only resolves which of `stride` possible sizes is meant; use a value below the stride",
                ));
            }
            let Some([oh, ow]) = c.output_size([h, w]) else {
                return Err(chain(
                    format!(
                        "leaves no output: its {h}×{w} input with kernel {:?} and stride {:?} is smaller than twice the padding {:?}",
                        c.kernel_size, c.stride, c.padding
                    ),
                    "use less padding",
                ));
            };
            vec![c.out_channels, oh, ow]
        }
        Op::MaxPool2d(p) => {
            let [c, h, w] = match *input {
                [c, h, w] => [c, h, w],
                _ => return Err(chain(
                    format!("expects a [channels, height, width] input, found {input:?}"),
                    "pool feature maps only; set `input_shape` to the image's CHW shape",
                )),
            };
            let Some([oh, ow]) = p.output_size([h, w]) else {
                return Err(chain(
                    format!("has a {:?} window larger than its {h}×{w} input", p.kernel_size),
                    "use a smaller `kernel_size`",
                ));
            };
            vec![c, oh, ow]
        }
        Op::Upsample2d(u) => match *input {
            [c, h, w] => {
                let oh = h.saturating_mul(u.scale_factor[0]);
                let ow = w.saturating_mul(u.scale_factor[1]);
                vec![c, oh, ow]
            }
            _ => return Err(chain(
                format!("expects a [channels, height, width] input, found {input:?}"),
                "upsample feature maps only; add a `reshape` to [C, H, W] before it",
            )),
        },
        Op::Flatten => vec![numel(input)],
        Op::Reshape(r) => {
            let (have, want) = (numel(input), r.shape.iter().product::<usize>());
            if have != want {
                return Err(chain(
                    format!(
                        "to {:?} needs {want} values but its input {input:?} has {have}",
                        r.shape
                    ),
                    "give a target `shape` with as many values as the previous layer produces",
                ));
            }
            r.shape.clone()
        }
        Op::Lstm(l) => match *input {
            [t, f] if f == l.input_size => {
                if l.return_sequences {
                    vec![t, l.hidden_size]
                } else {
                    vec![l.hidden_size]
                }
            }
            _ => {
                return Err(chain(
                    format!(
                        "expects a [steps, {}] sequence, found {input:?}",
                        l.input_size
                    ),
                    "set `input_shape` to [steps, features] (e.g. [140, 1] for a window of one series), or make `input_size` the features per step",
                ))
            }
        },
        Op::Repeat(r) => match *input {
            [f] => vec![r.times, f],
            _ => return Err(chain(
                format!("expects a vector ([features]), found {input:?}"),
                "add a `flatten` layer before it",
            )),
        },
    };
    Ok(Some(out))
}

/// A dense layer on the whole sample (`in_features` = the number of input values) or on the
/// last axis at every position of the others.
fn dense_shape(
    layer: &Layer,
    in_features: usize,
    out_features: usize,
    input: &[usize],
    previous: Option<&Layer>,
    input_shape: &[usize],
) -> Result<Vec<usize>, Error> {
    let n = numel(input);
    if n == in_features {
        return Ok(vec![out_features]);
    }
    match input.split_last() {
        Some((&last, lead)) if input.len() > 1 && last == in_features => {
            Ok(lead.iter().copied().chain([out_features]).collect())
        }
        _ => Err(width_error(layer, in_features, n, previous, input_shape, input.len() > 1)),
    }
}

/// The message for a layer whose declared width differs from what it is given (the wording
/// of version 1's dense chains, which the bad-file tests pin).
fn width_error(
    layer: &Layer,
    expected: usize,
    found: usize,
    previous: Option<&Layer>,
    input_shape: &[usize],
    per_step: bool,
) -> Error {
    let also = if per_step {
        " (or, applied at every step, the size of its input's last axis)"
    } else {
        ""
    };
    match previous {
        None => Error::new(
            ErrorKind::ShapeChain,
            format!(
                "layer `{}` expects {expected} inputs but `input_shape` {input_shape:?} has {found} elements",
                layer.name
            ),
        )
        .help(format!("make `input_shape` match the first layer's `in_features`{also}")),
        Some(prev) => Error::new(
            ErrorKind::ShapeChain,
            format!(
                "layer `{}` expects {expected} inputs but the previous layer `{}` produces {found}",
                layer.name, prev.name
            ),
        )
        .help(format!(
            "the `in_features` of each layer must equal the `out_features` of the one before{also}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::Padding;

    #[test]
    fn same_padding_splits_the_smaller_half_before() {
        // TensorFlow's rule: 28 with stride 2 and a 3-kernel → 14, one row after only.
        let (pads, out) = Padding::Same.resolve([28, 28], [3, 3], [2, 2]).expect("fits");
        assert_eq!((pads, out), ([0, 0, 1, 1], [14, 14]));
        let (pads, out) = Padding::Same.resolve([7, 5], [3, 4], [1, 1]).expect("fits");
        assert_eq!((pads, out), ([1, 1, 1, 2], [7, 5]));
        let (pads, out) = Padding::Valid.resolve([28, 28], [3, 3], [1, 1]).expect("fits");
        assert_eq!((pads, out), ([0; 4], [26, 26]));
        assert!(Padding::Valid.resolve([2, 28], [3, 3], [1, 1]).is_none());
        let (_, out) = Padding::Explicit([1, 0]).resolve([5, 5], [3, 3], [2, 2]).expect("fits");
        assert_eq!(out, [3, 2]);
    }
}
