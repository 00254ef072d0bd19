//! `conv2d`: a 2-D convolution over a CHW feature map, PyTorch's `nn.Conv2d` (no groups, no
//! dilation), weights `[out, in, kh, kw]`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{self, chw, expect_shape, key, linear, one, Dims, Size2};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::cost::LayersCost;
use crate::error::{Error, ErrorKind};
use crate::format::{Tensors, KEY_GRAPH};
use crate::ir::{Layer, Op, Tensor};

/// How a convolution pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// No padding: only windows that fit entirely.
    Valid,
    /// Output size `ceil(input / stride)`; the padding needed is split with the smaller half
    /// before (top, left) and the larger after, as TensorFlow and PyTorch (`padding="same"`) do.
    Same,
    /// `[ph, pw]` zeros on both sides of height and width (PyTorch's integer padding).
    Explicit([usize; 2]),
}

/// Padding resolved for one input size: `[top, left, bottom, right]`.
pub type Pads = [usize; 4];

impl Padding {
    /// The padding on each side and the output size `[oh, ow]` for an input of `[h, w]`, or
    /// `None` when the kernel does not fit.
    pub fn resolve(
        &self,
        input: [usize; 2],
        kernel: [usize; 2],
        stride: [usize; 2],
    ) -> Option<(Pads, [usize; 2])> {
        let mut pads = [0usize; 4];
        let mut out = [0usize; 2];
        for a in 0..2 {
            let (n, k, s) = (input[a], kernel[a], stride[a]);
            let (before, after) = match self {
                Padding::Valid => (0, 0),
                Padding::Explicit(p) => (p[a], p[a]),
                Padding::Same => {
                    let o = n.checked_div(s)? + usize::from(n % s != 0);
                    let total = o.checked_sub(1)?.checked_mul(s)?.checked_add(k)?.saturating_sub(n);
                    (total / 2, total - total / 2)
                }
            };
            let padded = n.checked_add(before)?.checked_add(after)?;
            out[a] = padded.checked_sub(k)?.checked_div(s)? + 1;
            pads[a] = before;
            pads[a + 2] = after;
        }
        Some((pads, out))
    }

    /// The name or value used in the file.
    pub fn describe(&self) -> String {
        match self {
            Padding::Valid => "valid".to_owned(),
            Padding::Same => "same".to_owned(),
            Padding::Explicit([h, w]) => format!("[{h}, {w}]"),
        }
    }
}

/// A 2-D convolution.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// `[kh, kw]`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]`.
    pub stride: [usize; 2],
    /// Padding of the input.
    pub padding: Padding,
    /// `[out, in, kh, kw]`.
    pub weight: Tensor,
    /// `[out]`, or none.
    pub bias: Option<Tensor>,
}

impl Conv2d {
    /// Weight `w[o][c][ky][kx]`.
    pub fn w(&self, o: usize, c: usize, ky: usize, kx: usize) -> f32 {
        let [kh, kw] = self.kernel_size;
        self.weight.values[((o * self.in_channels + c) * kh + ky) * kw + kx]
    }

    /// Bias `b[o]`, 0 without bias.
    pub fn b(&self, o: usize) -> f32 {
        common::bias_at(self.bias.as_ref(), o)
    }

    /// Padding and output `[oh, ow]` for an input of `[h, w]`.
    pub fn geometry(&self, input: [usize; 2]) -> Option<(Pads, [usize; 2])> {
        self.padding.resolve(input, self.kernel_size, self.stride)
    }

    /// `y[o][oy][ox] = b[o] + Σ_c Σ_ky Σ_kx w[o][c][ky][kx] · x[c][oy·sh + ky - top][ox·sw + kx - left]`,
    /// terms in the order `c`, `ky`, `kx`; taps that fall on padding are skipped (not added as
    /// zeros).
    pub fn apply(&self, input @ [_, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
        let Some((pads, [oh, ow])) = self.geometry([h, w]) else { return Vec::new() };
        let output = [self.out_channels, oh, ow];
        // Along axis `a`, tap `k` of output `o` reads input `o·s + k - pad` when that is inside.
        let tap = |a: usize, o: usize, k: usize| {
            (o * self.stride[a] + k).checked_sub(pads[a]).filter(|&i| i < [h, w][a])
        };
        let weight = |o, c, ky, kx| self.w(o, c, ky, kx);
        common::convolve(input, x, output, self.kernel_size, self.bias.as_ref(), weight, tap)
    }
}

impl OpSpec for Conv2d {
    fn takes_activation(&self) -> bool {
        true
    }

    fn widths(&self) -> (usize, usize) {
        (self.in_channels, self.out_channels)
    }

    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        let [_, h, w] = site.image(input, self.in_channels)?;
        let Some((_, [oh, ow])) = self.geometry([h, w]) else {
            return Err(site.chain(
                format!(
                    "has a {:?} kernel that does not fit its {h}×{w} input with padding {}",
                    self.kernel_size,
                    self.padding.describe()
                ),
                "use a smaller kernel, or padding \"same\"",
            ));
        };
        Ok(vec![self.out_channels, oh, ow])
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        let mut dims = Dims { layer, errors };
        dims.conv([self.in_channels, self.out_channels], self.kernel_size, self.stride);
        if let Padding::Explicit(p) = self.padding {
            dims.padding("padding", p);
        }
    }

    fn declared_params(&self) -> usize {
        let channels = [self.in_channels, self.out_channels];
        common::conv_params(channels, self.kernel_size, self.bias.is_some())
    }

    fn check_tensors(&self, layer: &str, errors: &mut Vec<Error>) {
        let [kh, kw] = self.kernel_size;
        let transposed = self.weight.shape == [self.in_channels, self.out_channels, kh, kw];
        expect_shape(
            layer,
            &self.weight,
            &[self.out_channels, self.in_channels, kh, kw],
            "[out_channels, in_channels, kh, kw]",
            if transposed {
                "the weight is in a transposed convolution's layout; a conv2d stores PyTorch's nn.Conv2d layout [out, in, kh, kw]"
            } else {
                "store the weight as PyTorch's nn.Conv2d does, [out, in, kh, kw] (a Keras kernel [kh, kw, in, out] needs `permute(3, 2, 0, 1)`)"
            },
            errors,
        );
        common::expect_bias(layer, self.bias.as_ref(), self.out_channels, errors);
    }

    /// MACs count the multiply-adds the generated code performs: taps on padding are skipped,
    /// so the figure is exact, not the nominal `out · oh · ow · in · kh · kw`.
    fn cost(&self, input: &[usize]) -> LayersCost {
        let [ch, h, w] = chw(input);
        let Some(([top, left, _, _], [oh, ow])) = self.geometry([h, w]) else {
            return LayersCost::default();
        };
        let rows = common::taps_landing(oh, self.kernel_size[0], self.stride[0], top, h);
        let cols = common::taps_landing(ow, self.kernel_size[1], self.stride[1], left, w);
        let macs = self.out_channels * ch * rows * cols;
        LayersCost::weight_and_bias(&self.weight, self.bias.as_ref(), macs)
    }

    fn reference(&self, input: &[usize], x: &[f32]) -> Vec<f32> {
        self.apply(chw(input), x)
    }

    fn tensors(&self) -> Vec<&Tensor> {
        std::iter::once(&self.weight).chain(&self.bias).collect()
    }
}

/// `"valid"`, `"same"`, `1` or `[1, 2]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a padding: \"valid\", \"same\", a non-negative integer or a [height, width] pair of them"
)]
pub enum PaddingDoc {
    /// `"valid"` or `"same"`.
    Name(String),
    /// Explicit padding.
    Size(Size2),
}

fn valid() -> PaddingDoc {
    PaddingDoc::Name("valid".to_owned())
}

/// `{"op": "conv2d", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conv2dDoc {
    name: String,
    in_channels: usize,
    out_channels: usize,
    kernel_size: Size2,
    #[serde(default = "one")]
    stride: Size2,
    #[serde(default = "valid")]
    padding: PaddingDoc,
    weight: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bias: Option<String>,
    #[serde(default = "linear")]
    activation: Value,
}

fn padding(at: &str, doc: &PaddingDoc) -> Result<Padding, Error> {
    match doc {
        PaddingDoc::Name(n) if n == "valid" => Ok(Padding::Valid),
        PaddingDoc::Name(n) if n == "same" => Ok(Padding::Same),
        PaddingDoc::Name(other) => Err(Error::new(
            ErrorKind::BadMetadata,
            format!("`{KEY_GRAPH}` {at}: unknown padding `{other}`, expected \"valid\", \"same\" or [ph, pw]"),
        )
        .help("write \"valid\", \"same\", or the rows and columns of zeros per side, e.g. [1, 1]")),
        PaddingDoc::Size(s) => Ok(Padding::Explicit(s.pair())),
    }
}

impl OpFile for Conv2d {
    type Doc = Conv2dDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: Conv2dDoc, at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        let weights = (d.weight.as_str(), d.bias.as_deref());
        let parts = common::conv_parts(tensors, &d.name, weights, &d.activation);
        let (((weight, bias), activation), padding) = common::both(parts, padding(at, &d.padding))?;
        let conv = Conv2d {
            in_channels: d.in_channels,
            out_channels: d.out_channels,
            kernel_size: d.kernel_size.pair(),
            stride: d.stride.pair(),
            padding,
            weight,
            bias,
        };
        Ok(Layer { name: d.name, op: Op::Conv2d(conv), activation })
    }

    fn write(&self, name: &str, activation: Activation) -> Conv2dDoc {
        Conv2dDoc {
            name: name.to_owned(),
            in_channels: self.in_channels,
            out_channels: self.out_channels,
            kernel_size: Size2::Two(self.kernel_size),
            stride: Size2::Two(self.stride),
            padding: match self.padding {
                Padding::Valid => PaddingDoc::Name("valid".to_owned()),
                Padding::Same => PaddingDoc::Name("same".to_owned()),
                Padding::Explicit(p) => PaddingDoc::Size(Size2::Two(p)),
            },
            weight: self.weight.key.clone(),
            bias: key(&self.bias),
            activation: activation.to_json(),
        }
    }
}
