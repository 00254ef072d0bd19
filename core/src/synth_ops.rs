//! Seeded synthetic convolutional and recurrent layers, for fixtures, tests and benchmarks.
//!
//! Weights are Glorot-uniform over the layer's fan-in and fan-out (kernel taps included), so
//! activations keep a sensible range; biases are small.

use crate::activation::Activation;
use crate::ir::{
    Conv2d, ConvTranspose2d, Layer, Lstm, MaxPool2d, Op, Padding, Repeat, Reshape, Tensor,
    Upsample2d,
};
use crate::synth::Rng;

fn uniform(n: usize, bound: f32, rng: &mut Rng) -> Vec<f32> {
    (0..n).map(|_| rng.symmetric(bound)).collect()
}

/// The sizes of a convolution: `(in, out, kernel, stride)`.
pub type ConvSizes = (usize, usize, [usize; 2], [usize; 2]);

/// A `conv2d` layer; `bias = false` leaves it out.
pub fn conv2d(
    name: &str,
    (cin, cout, kernel, stride): ConvSizes,
    padding: Padding,
    activation: Activation,
    bias: bool,
    rng: &mut Rng,
) -> Layer {
    let taps = kernel[0] * kernel[1];
    let bound = (6.0 / ((cin + cout) * taps) as f32).sqrt();
    let weight = uniform(cout * cin * taps, bound, rng);
    let conv = Conv2d {
        in_channels: cin,
        out_channels: cout,
        kernel_size: kernel,
        stride,
        padding,
        weight: Tensor::f32(
            format!("{name}.weight"),
            vec![cout, cin, kernel[0], kernel[1]],
            weight,
        ),
        bias: bias
            .then(|| Tensor::f32(format!("{name}.bias"), vec![cout], uniform(cout, 0.1, rng))),
    };
    Layer { name: name.to_owned(), op: Op::Conv2d(conv), activation }
}

/// A `conv_transpose2d` layer with `padding` and `output_padding`.
pub fn conv_transpose2d(
    name: &str,
    (cin, cout, kernel, stride): ConvSizes,
    padding: [usize; 2],
    output_padding: [usize; 2],
    activation: Activation,
    bias: bool,
    rng: &mut Rng,
) -> Layer {
    let taps = kernel[0] * kernel[1];
    let bound = (6.0 / ((cin + cout) * taps) as f32).sqrt();
    let weight = uniform(cin * cout * taps, bound, rng);
    let conv = ConvTranspose2d {
        in_channels: cin,
        out_channels: cout,
        kernel_size: kernel,
        stride,
        padding,
        output_padding,
        weight: Tensor::f32(
            format!("{name}.weight"),
            vec![cin, cout, kernel[0], kernel[1]],
            weight,
        ),
        bias: bias
            .then(|| Tensor::f32(format!("{name}.bias"), vec![cout], uniform(cout, 0.1, rng))),
    };
    Layer { name: name.to_owned(), op: Op::ConvTranspose2d(conv), activation }
}

/// A `max_pool2d` layer.
pub fn max_pool2d(name: &str, kernel_size: [usize; 2], stride: [usize; 2]) -> Layer {
    let op = Op::MaxPool2d(MaxPool2d { kernel_size, stride });
    Layer { name: name.to_owned(), op, activation: Activation::Linear }
}

/// An `upsample2d` (nearest) layer.
pub fn upsample2d(name: &str, scale_factor: [usize; 2]) -> Layer {
    let op = Op::Upsample2d(Upsample2d { scale_factor });
    Layer { name: name.to_owned(), op, activation: Activation::Linear }
}

/// A `flatten` layer.
pub fn flatten(name: &str) -> Layer {
    Layer { name: name.to_owned(), op: Op::Flatten, activation: Activation::Linear }
}

/// A `reshape` layer.
pub fn reshape(name: &str, shape: &[usize]) -> Layer {
    let op = Op::Reshape(Reshape { shape: shape.to_vec() });
    Layer { name: name.to_owned(), op, activation: Activation::Linear }
}

/// A `repeat` layer.
pub fn repeat(name: &str, times: usize) -> Layer {
    Layer {
        name: name.to_owned(),
        op: Op::Repeat(Repeat { times }),
        activation: Activation::Linear,
    }
}

/// An `lstm` layer; `biases` = (with `bias_ih`, with `bias_hh`).
pub fn lstm(
    name: &str,
    input_size: usize,
    hidden_size: usize,
    return_sequences: bool,
    (with_ih, with_hh): (bool, bool),
    rng: &mut Rng,
) -> Layer {
    let g = 4 * hidden_size;
    // PyTorch's default: uniform in ±1/sqrt(hidden).
    let bound = 1.0 / (hidden_size as f32).sqrt();
    let weight_ih = uniform(g * input_size, bound, rng);
    let weight_hh = uniform(g * hidden_size, bound, rng);
    let mut bias = |key: &str, on: bool| {
        on.then(|| Tensor::f32(format!("{name}.{key}"), vec![g], uniform(g, bound, rng)))
    };
    let bias_ih = bias("bias_ih", with_ih);
    let bias_hh = bias("bias_hh", with_hh);
    let lstm = Lstm {
        input_size,
        hidden_size,
        return_sequences,
        weight_ih: Tensor::f32(format!("{name}.weight_ih"), vec![g, input_size], weight_ih),
        weight_hh: Tensor::f32(format!("{name}.weight_hh"), vec![g, hidden_size], weight_hh),
        bias_ih,
        bias_hh,
    };
    Layer { name: name.to_owned(), op: Op::Lstm(lstm), activation: Activation::Linear }
}
