//! Validation rules of the convolutional and recurrent ops: their declared sizes, their
//! tensors' shapes and values, and which layers may carry an activation. `validate` calls these
//! next to its own rules; the shape chain is `shape::infer`'s.

use crate::error::{Error, ErrorKind};
use crate::format::MAX_DIM;
use crate::ir::{Layer, Model, Op, Padding, Tensor};

/// Reports a declared size outside `1..=MAX_DIM`, naming the field and layer.
pub fn check_dim(what: String, value: usize, errors: &mut Vec<Error>) {
    if value == 0 {
        errors.push(
            Error::new(ErrorKind::BadDim, format!("{what} is 0, expected at least 1"))
                .help("every size must be at least 1; check the exported sizes"),
        );
    } else if value > MAX_DIM {
        errors.push(
            Error::new(ErrorKind::BadDim, format!("{what} is {value}, expected at most {MAX_DIM}"))
                .help("no microcontroller holds a layer this large; check the exported sizes"),
        );
    }
}

/// The declared sizes of a non-dense layer (dense layers are checked by `validate`).
pub fn dims(layer: &Layer, errors: &mut Vec<Error>) {
    let name = &layer.name;
    let pair = |field: &str, p: [usize; 2], errors: &mut Vec<Error>| {
        for (a, v) in ["height", "width"].iter().zip(p) {
            check_dim(format!("`{field}` {a} of layer `{name}`"), v, errors);
        }
    };
    let one = |field: &str, v: usize, errors: &mut Vec<Error>| {
        check_dim(format!("`{field}` of layer `{name}`"), v, errors);
    };
    // Padding may be 0 but, like any size, not absurd.
    let padding = |field: &str, p: [usize; 2], errors: &mut Vec<Error>| {
        if let Some(v) = p.iter().find(|v| **v > MAX_DIM) {
            check_dim(format!("`{field}` of layer `{name}`"), *v, errors);
        }
    };
    match &layer.op {
        Op::Dense(_) | Op::GaussianHead(_) | Op::Flatten => {}
        Op::Conv2d(c) => {
            one("in_channels", c.in_channels, errors);
            one("out_channels", c.out_channels, errors);
            pair("kernel_size", c.kernel_size, errors);
            pair("stride", c.stride, errors);
            if let Padding::Explicit(p) = c.padding {
                padding("padding", p, errors);
            }
        }
        Op::ConvTranspose2d(c) => {
            one("in_channels", c.in_channels, errors);
            one("out_channels", c.out_channels, errors);
            pair("kernel_size", c.kernel_size, errors);
            pair("stride", c.stride, errors);
            padding("padding", c.padding, errors);
            padding("output_padding", c.output_padding, errors);
        }
        Op::MaxPool2d(p) => {
            pair("kernel_size", p.kernel_size, errors);
            pair("stride", p.stride, errors);
        }
        Op::Upsample2d(u) => pair("scale_factor", u.scale_factor, errors),
        Op::Reshape(r) => {
            if r.shape.is_empty() {
                errors.push(
                    Error::new(
                        ErrorKind::BadDim,
                        format!(
                            "`shape` of layer `{name}` is empty, expected the shape of one sample"
                        ),
                    )
                    .help("give the target shape, e.g. [16, 7, 7]"),
                );
            }
            for (i, d) in r.shape.iter().enumerate() {
                check_dim(format!("`shape[{i}]` of layer `{name}`"), *d, errors);
            }
        }
        Op::Lstm(l) => {
            one("input_size", l.input_size, errors);
            one("hidden_size", l.hidden_size, errors);
        }
        Op::Repeat(r) => one("times", r.times, errors),
    }
}

/// Parameters of a non-dense layer from its declared sizes (saturating: this feeds the limit
/// check, before the tensors are known to match).
pub fn params(op: &Op) -> usize {
    let mul = |v: &[usize]| v.iter().fold(1usize, |n, d| n.saturating_mul(*d));
    match op {
        Op::Conv2d(c) => mul(&[c.out_channels, c.in_channels, c.kernel_size[0], c.kernel_size[1]])
            .saturating_add(c.out_channels),
        Op::ConvTranspose2d(c) => {
            mul(&[c.in_channels, c.out_channels, c.kernel_size[0], c.kernel_size[1]])
                .saturating_add(c.out_channels)
        }
        Op::Lstm(l) => mul(&[4, l.hidden_size, l.input_size.saturating_add(l.hidden_size)])
            .saturating_add(mul(&[8, l.hidden_size])),
        _ => 0,
    }
}

/// Every tensor of a non-dense layer has the shape its layer declares (PyTorch's layout).
pub fn tensor_shapes(model: &Model, errors: &mut Vec<Error>) {
    for layer in &model.layers {
        let name = &layer.name;
        let mut expect = |t: &Tensor, shape: Vec<usize>, what: &str, help: &str| {
            if t.shape != shape {
                errors.push(
                    Error::new(
                        ErrorKind::ShapeMismatch,
                        format!(
                            "tensor `{}` has shape {:?}, expected {shape:?} ({what} of layer `{name}`)",
                            t.key, t.shape
                        ),
                    )
                    .help(help.to_owned()),
                );
            }
        };
        let bias = "a bias holds one value per output channel";
        match &layer.op {
            Op::Conv2d(c) => {
                let [kh, kw] = c.kernel_size;
                let transposed = c.weight.shape == [c.in_channels, c.out_channels, kh, kw];
                expect(
                    &c.weight,
                    vec![c.out_channels, c.in_channels, kh, kw],
                    "[out_channels, in_channels, kh, kw]",
                    if transposed {
                        "the weight is in a transposed convolution's layout; a conv2d stores PyTorch's nn.Conv2d layout [out, in, kh, kw]"
                    } else {
                        "store the weight as PyTorch's nn.Conv2d does, [out, in, kh, kw] (a Keras kernel [kh, kw, in, out] needs `permute(3, 2, 0, 1)`)"
                    },
                );
                if let Some(b) = &c.bias {
                    expect(b, vec![c.out_channels], "the bias", bias);
                }
            }
            Op::ConvTranspose2d(c) => {
                let [kh, kw] = c.kernel_size;
                expect(
                    &c.weight,
                    vec![c.in_channels, c.out_channels, kh, kw],
                    "[in_channels, out_channels, kh, kw]",
                    "store the weight as PyTorch's nn.ConvTranspose2d does, [in, out, kh, kw]",
                );
                if let Some(b) = &c.bias {
                    expect(b, vec![c.out_channels], "the bias", bias);
                }
            }
            Op::Lstm(l) => {
                let (g, i, h) = (4 * l.hidden_size, l.input_size, l.hidden_size);
                let layout =
                    "PyTorch's nn.LSTM layout: 4 × hidden rows, gates in the order i, f, g, o";
                expect(
                    &l.weight_ih,
                    vec![g, i],
                    "[4 × hidden_size, input_size], the input weight",
                    layout,
                );
                expect(
                    &l.weight_hh,
                    vec![g, h],
                    "[4 × hidden_size, hidden_size], the recurrent weight",
                    layout,
                );
                for b in l.bias_ih.iter().chain(&l.bias_hh) {
                    expect(b, vec![g], "[4 × hidden_size], a bias", layout);
                }
            }
            _ => {}
        }
    }
}

/// Only dense and convolution layers carry an activation (pooling, upsampling, reshaping,
/// repeating and the LSTM's own gates have none).
pub fn activation_applies(model: &Model, errors: &mut Vec<Error>) {
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
