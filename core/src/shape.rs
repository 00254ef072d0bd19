//! Shape inference: the shape of every layer's output, from `input_shape` and each layer's
//! declared sizes, with an error wherever a layer cannot take its input.
//!
//! Feature maps are `[channels, height, width]`, sequences `[steps, features]`, vectors
//! `[features]`. Each op's rule is its [`OpSpec::output_shape`](crate::op::OpSpec).

use crate::error::{Error, ErrorKind};
use crate::format::MAX_DIM;
use crate::ir::{Layer, Model};
use crate::op::ShapeSite;

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
    infer_layers(&model.layers, &model.input_shape)
}

/// Infers the output shape of every layer of `layers` run on `input_shape`.
pub fn infer_layers(layers: &[Layer], input_shape: &[usize]) -> Inference {
    let mut shapes = vec![Some(input_shape.to_vec())];
    let mut errors = Vec::new();
    for (j, layer) in layers.iter().enumerate() {
        let site = ShapeSite { layer, previous: j.checked_sub(1).map(|p| &layers[p]), input_shape };
        let spec = layer.op.spec();
        let out = match &shapes[j] {
            None => spec.declared_output(),
            Some(input) => spec.output_shape(input, &site).map(Some).unwrap_or_else(|e| {
                errors.push(e);
                spec.declared_output()
            }),
        };
        let too_large = out.as_ref().is_some_and(|shape| {
            shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d)).is_none_or(|n| n > MAX_DIM)
        });
        if too_large {
            let shape = out.unwrap_or_default();
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
        shapes.push(out);
    }
    Inference { shapes, errors }
}

/// The output shape of `layer` for an input of shape `input`, or `None` when it cannot take it
/// (a valid model never has such a layer).
pub fn layer_output(layer: &Layer, input: &[usize]) -> Option<Vec<usize>> {
    let site = ShapeSite { layer, previous: None, input_shape: input };
    layer.op.spec().output_shape(input, &site).ok()
}

#[cfg(test)]
mod tests {
    use crate::ir::Padding;

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
