//! What several layer kinds share: size pairs in documents, the context of shape errors,
//! dimension and tensor-shape checks, and collecting the errors of several tensors at once.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::activation::Activation;
use crate::error::{Error, ErrorKind};
use crate::format::{Tensors, MAX_DIM};
use crate::ir::{Layer, Tensor};

/// `3` or `[3, 3]`: sizes PyTorch accepts as an integer or a pair, read either way and written
/// as pairs.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a size: a non-negative integer or a [height, width] pair of them"
)]
pub enum Size2 {
    /// The same value for height and width.
    One(usize),
    /// `[height, width]`.
    Two([usize; 2]),
}

impl Size2 {
    /// `[height, width]`.
    pub fn pair(self) -> [usize; 2] {
        match self {
            Size2::One(v) => [v, v],
            Size2::Two(p) => p,
        }
    }
}

/// `[1, 1]`, the default stride.
pub(crate) fn one() -> Size2 {
    Size2::Two([1, 1])
}

/// `[0, 0]`, the default padding.
pub(crate) fn zero() -> Size2 {
    Size2::Two([0, 0])
}

/// `"linear"`, the default activation.
pub(crate) fn linear() -> Value {
    Value::String("linear".to_owned())
}

/// Where a layer sits, for shape errors: the layer, the one before it, the model's input.
#[derive(Debug, Clone, Copy)]
pub struct ShapeSite<'a> {
    /// The layer whose output shape is inferred.
    pub layer: &'a Layer,
    /// The layer before it (`None` for the first layer).
    pub previous: Option<&'a Layer>,
    /// The model's `input_shape`.
    pub input_shape: &'a [usize],
}

impl ShapeSite<'_> {
    /// A shape-chain error about this layer: "layer `name` (op) {message}".
    pub fn chain(&self, message: String, help: &str) -> Error {
        let (name, op) = (&self.layer.name, self.layer.op.name());
        Error::new(ErrorKind::ShapeChain, format!("layer `{name}` ({op}) {message}")).help(help)
    }

    /// `input` as `[channels, height, width]` with `channels` channels.
    pub fn image(&self, input: &[usize], channels: usize) -> Result<[usize; 3], Error> {
        match *input {
            [c, h, w] if c == channels => Ok([c, h, w]),
            [c, _, _] => Err(self.chain(
                format!("expects {channels} input channels but its input {input:?} has {c}"),
                "make `in_channels` equal the channels of the previous layer's output",
            )),
            _ => Err(self.not_an_image(
                input,
                "set `input_shape` to the image's CHW shape (e.g. [1, 28, 28]), or add a `reshape` layer before it",
            )),
        }
    }

    /// The error for a layer that needs a feature map and was given `input`.
    pub fn not_an_image(&self, input: &[usize], help: &str) -> Error {
        self.chain(format!("expects a [channels, height, width] input, found {input:?}"), help)
    }

    /// The message for a layer whose declared width differs from what it is given (the
    /// wording of version 1's dense chains, which the bad-file tests pin).
    pub fn width_error(&self, expected: usize, found: usize, per_step: bool) -> Error {
        let also = if per_step {
            " (or, applied at every step, the size of its input's last axis)"
        } else {
            ""
        };
        let name = &self.layer.name;
        match self.previous {
            None => Error::new(
                ErrorKind::ShapeChain,
                format!(
                    "layer `{name}` expects {expected} inputs but `input_shape` {:?} has {found} elements",
                    self.input_shape
                ),
            )
            .help(format!("make `input_shape` match the first layer's `in_features`{also}")),
            Some(prev) => Error::new(
                ErrorKind::ShapeChain,
                format!(
                    "layer `{name}` expects {expected} inputs but the previous layer `{}` produces {found}",
                    prev.name
                ),
            )
            .help(format!(
                "the `in_features` of each layer must equal the `out_features` of the one before{also}"
            )),
        }
    }
}

/// Checks one declared size: at least 1, at most [`MAX_DIM`].
pub fn check_dim(what: String, value: usize, errors: &mut Vec<Error>) {
    check_bounds(what, value, ("dimension", "wide"), errors);
}

/// Checks one declared size of a convolutional or recurrent layer: at least 1, at most
/// [`MAX_DIM`] (their own wording: "size", "large").
fn check_size(what: String, value: usize, errors: &mut Vec<Error>) {
    check_bounds(what, value, ("size", "large"), errors);
}

/// At least 1, at most [`MAX_DIM`]; the help says "every `noun`" and "a layer this `adj`".
fn check_bounds(what: String, value: usize, (noun, adj): (&str, &str), errors: &mut Vec<Error>) {
    if value == 0 {
        errors.push(
            Error::new(ErrorKind::BadDim, format!("{what} is 0, expected at least 1"))
                .help(format!("every {noun} must be at least 1; check the exported sizes")),
        );
    } else if value > MAX_DIM {
        errors.push(
            Error::new(ErrorKind::BadDim, format!("{what} is {value}, expected at most {MAX_DIM}"))
                .help(format!(
                    "no microcontroller holds a layer this {adj}; check the exported sizes"
                )),
        );
    }
}

/// The declared-size checks of one layer, naming each field.
#[derive(Debug)]
pub struct Dims<'a> {
    /// The layer's name.
    pub layer: &'a str,
    /// Where problems go.
    pub errors: &'a mut Vec<Error>,
}

impl Dims<'_> {
    /// A size that must be in `1..=MAX_DIM`.
    pub fn one(&mut self, field: &str, value: usize) {
        check_size(format!("`{field}` of layer `{}`", self.layer), value, self.errors);
    }

    /// A `[height, width]` pair of sizes that must be in `1..=MAX_DIM`.
    pub fn pair(&mut self, field: &str, p: [usize; 2]) {
        for (axis, v) in ["height", "width"].iter().zip(p) {
            check_size(format!("`{field}` {axis} of layer `{}`", self.layer), v, self.errors);
        }
    }

    /// The sizes both convolutions declare: channels, kernel and stride.
    pub fn conv(&mut self, [cin, cout]: [usize; 2], kernel_size: [usize; 2], stride: [usize; 2]) {
        self.one("in_channels", cin);
        self.one("out_channels", cout);
        self.pair("kernel_size", kernel_size);
        self.pair("stride", stride);
    }

    /// A padding: 0 is fine but, like any size, not an absurd value.
    pub fn padding(&mut self, field: &str, p: [usize; 2]) {
        if let Some(v) = p.iter().find(|v| **v > MAX_DIM) {
            self.one(field, *v);
        }
    }
}

/// Reports `t` unless its shape is `shape`; `what` and `help` describe the tensor's role.
pub fn expect_shape(
    layer: &str,
    t: &Tensor,
    shape: &[usize],
    what: &str,
    help: &str,
    errors: &mut Vec<Error>,
) {
    if t.shape != shape {
        errors.push(
            Error::new(
                ErrorKind::ShapeMismatch,
                format!(
                    "tensor `{}` has shape {:?}, expected {shape:?} ({what} of layer `{layer}`)",
                    t.key, t.shape
                ),
            )
            .help(help.to_owned()),
        );
    }
}

/// Products of declared sizes, saturating.
pub fn saturating_product(values: &[usize]) -> usize {
    values.iter().fold(1usize, |n, d| n.saturating_mul(*d))
}

/// Parameters from a convolution's declared sizes (saturating): `in · out · kh · kw` weights,
/// whichever order its layout stores them in, and with a bias one per output channel.
pub fn conv_params([cin, cout]: [usize; 2], [kh, kw]: [usize; 2], has_bias: bool) -> usize {
    saturating_product(&[cout, cin, kh, kw]).saturating_add(if has_bias { cout } else { 0 })
}

/// `b[o]` of an optional bias, 0 without one.
pub fn bias_at(bias: Option<&Tensor>, o: usize) -> f32 {
    bias.map_or(0.0, |b| b.values[o])
}

/// Reports a convolution's bias unless it holds one value per output channel (`out`).
pub fn expect_bias(layer: &str, bias: Option<&Tensor>, out: usize, errors: &mut Vec<Error>) {
    if let Some(b) = bias {
        let help = "a bias holds one value per output channel";
        expect_shape(layer, b, &[out], "the bias", help, errors);
    }
}

/// The reference loop of both convolutions, which differ only in which input pixel a tap
/// reads: `y[o][oy][ox] = b[o] + Σ_c Σ_ky Σ_kx weight(o, c, ky, kx) · x[c][iy][ix]`, terms in
/// the order `c`, `ky`, `kx`, with `iy = source(0, oy, ky)` and `ix = source(1, ox, kx)`. A tap
/// whose source is `None` (padding, or a transposed convolution's gaps) is skipped, not added
/// as a zero. `input` is `[ch, h, w]`, `output` `[out_channels, oh, ow]`.
pub fn convolve(
    [ch, h, w]: [usize; 3],
    x: &[f32],
    [oc, oh, ow]: [usize; 3],
    [kh, kw]: [usize; 2],
    bias: Option<&Tensor>,
    weight: impl Fn(usize, usize, usize, usize) -> f32,
    source: impl Fn(usize, usize, usize) -> Option<usize>,
) -> Vec<f32> {
    let mut y = vec![0.0f32; oc * oh * ow];
    for o in 0..oc {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias_at(bias, o);
                for ci in 0..ch {
                    for ky in 0..kh {
                        let Some(iy) = source(0, oy, ky) else { continue };
                        for kx in 0..kw {
                            let Some(ix) = source(1, ox, kx) else { continue };
                            acc += weight(o, ci, ky, kx) * x[(ci * h + iy) * w + ix];
                        }
                    }
                }
                y[(o * oh + oy) * ow + ox] = acc;
            }
        }
    }
    y
}

/// The MACs of both convolutions along one axis: the pairs of a position `p < from` and a tap
/// `t < k` with `p · s + t - pad` inside `0..into`. A convolution counts, per output position
/// (`from` outputs), the taps that land on its `into` input positions (padding skipped); a
/// transposed one counts, per input position, the taps that land inside its output.
pub fn taps_landing(from: usize, k: usize, s: usize, pad: usize, into: usize) -> usize {
    (0..from)
        .map(|p| (0..k).filter(|&t| (p * s + t).checked_sub(pad).is_some_and(|i| i < into)).count())
        .sum()
}

/// A layer's weight and optional bias.
pub type WeightAndBias = (Tensor, Option<Tensor>);

/// A weight and an optional bias of the layer `owner`, or every error among them.
pub fn weight_and_bias(
    tensors: &Tensors<'_>,
    owner: &str,
    weight: &str,
    bias: Option<&str>,
) -> Result<WeightAndBias, Vec<Error>> {
    let weight = tensors.get(weight, &format!("the weight of {owner}"));
    let bias = bias.map(|b| tensors.get(b, &format!("the bias of {owner}"))).transpose();
    match (weight, bias) {
        (Ok(w), Ok(b)) => Ok((w, b)),
        (w, b) => Err(w.err().into_iter().chain(b.err()).collect()),
    }
}

/// A convolution's weight, optional bias and activation from its document (the layer `name`),
/// or every error among them, in that order.
pub fn conv_parts(
    tensors: &Tensors<'_>,
    name: &str,
    (weight, bias): (&str, Option<&str>),
    activation: &Value,
) -> Result<(WeightAndBias, Activation), Vec<Error>> {
    let weights = weight_and_bias(tensors, &format!("layer `{name}`"), weight, bias);
    both(weights, Activation::from_json(activation, name))
}

/// Both results, or every error among them.
pub fn both<A, B>(a: Result<A, Vec<Error>>, b: Result<B, Error>) -> Result<(A, B), Vec<Error>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(a.err().into_iter().flatten().chain(b.err()).collect()),
    }
}

/// The key of an optional tensor.
pub fn key(t: &Option<Tensor>) -> Option<String> {
    t.as_ref().map(|t| t.key.clone())
}

/// The layer with an op that takes no activation.
pub fn plain(name: String, op: crate::ir::Op) -> Layer {
    Layer { name, op, activation: crate::Activation::Linear }
}

/// `[c, h, w]` of a feature-map shape (zeros otherwise: only a valid model's shapes reach the
/// callers).
pub fn chw(shape: &[usize]) -> [usize; 3] {
    match *shape {
        [c, h, w] => [c, h, w],
        _ => [0, 0, 0],
    }
}

/// Elements in a shape (saturating: only a validated model's shapes reach the callers, but
/// an overflow must not panic on the way there).
pub fn numel(shape: &[usize]) -> usize {
    saturating_product(shape)
}

/// Checks that `shape` (every dimension already in `1..=MAX_DIM`) has at most [`MAX_DIM`]
/// elements; `what` names it ("`input_shape`"). The product is checked: each dimension may be
/// in range while their product overflows.
pub fn check_numel(what: &str, shape: &[usize], errors: &mut Vec<Error>) {
    let len = shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d));
    if len.is_some_and(|n| n <= MAX_DIM) {
        return;
    }
    let len = len.map_or_else(|| format!("more than 2^{}", usize::BITS), |n| n.to_string());
    errors.push(
        Error::new(
            ErrorKind::BadDim,
            format!("{what} {shape:?} has {len} elements, expected at most {MAX_DIM}"),
        )
        .help("no microcontroller holds a sample this large; check the exported shape"),
    );
}

#[cfg(test)]
mod tests {
    use super::taps_landing;

    /// A transposed convolution counts per tap, not per position: the same pairs, so the same
    /// number as [`taps_landing`] from the input side.
    #[test]
    fn taps_landing_counts_a_transposed_convolutions_hits() {
        for (n, k, s, pad, out) in grid() {
            let per_tap: usize = (0..k)
                .map(|t| {
                    (0..n)
                        .filter(|&i| (i * s + t).checked_sub(pad).is_some_and(|o| o < out))
                        .count()
                })
                .sum();
            assert_eq!(taps_landing(n, k, s, pad, out), per_tap, "{n} {k} {s} {pad} {out}");
        }
    }

    fn grid() -> impl Iterator<Item = (usize, usize, usize, usize, usize)> {
        (1..7).flat_map(|n| {
            (1..5).flat_map(move |k| {
                (1..4).flat_map(move |s| {
                    (0..3).flat_map(move |p| (1..9).map(move |o| (n, k, s, p, o)))
                })
            })
        })
    }
}
