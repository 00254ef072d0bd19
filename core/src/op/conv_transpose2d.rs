//! `conv_transpose2d`: a transposed 2-D convolution over a CHW feature map, PyTorch's
//! `nn.ConvTranspose2d` (no groups, no dilation), weights `[in, out, kh, kw]`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{self, chw, expect_shape, key, linear, one, zero};
use super::common::{Dims, Size2};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::cost::LayersCost;
use crate::error::Error;
use crate::format::Tensors;
use crate::ir::{Layer, Op, Tensor};

/// A transposed 2-D convolution.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvTranspose2d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// `[kh, kw]`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]`.
    pub stride: [usize; 2],
    /// `[ph, pw]`: rows and columns removed from each side of the full output.
    pub padding: [usize; 2],
    /// `[oh, ow]`: extra rows and columns at the bottom and right, each `< stride`.
    pub output_padding: [usize; 2],
    /// `[in, out, kh, kw]` (PyTorch's layout for transposed convolutions).
    pub weight: Tensor,
    /// `[out]`, or none.
    pub bias: Option<Tensor>,
}

impl ConvTranspose2d {
    /// Weight `w[c][o][ky][kx]` (`c` an input channel).
    pub fn w(&self, c: usize, o: usize, ky: usize, kx: usize) -> f32 {
        let [kh, kw] = self.kernel_size;
        self.weight.values[((c * self.out_channels + o) * kh + ky) * kw + kx]
    }

    /// Bias `b[o]`, 0 without bias.
    pub fn b(&self, o: usize) -> f32 {
        common::bias_at(self.bias.as_ref(), o)
    }

    /// Output `[oh, ow]` for an input of `[h, w]`: `(h - 1) * s - 2p + k + output_padding`,
    /// or `None` when that is below 1.
    pub fn output_size(&self, input: [usize; 2]) -> Option<[usize; 2]> {
        let mut out = [0; 2];
        for a in 0..2 {
            let full = input[a]
                .checked_sub(1)?
                .checked_mul(self.stride[a])?
                .checked_add(self.kernel_size[a])?
                .checked_add(self.output_padding[a])?;
            out[a] = full.checked_sub(self.padding[a].checked_mul(2)?).filter(|o| *o >= 1)?;
        }
        Some(out)
    }

    /// `y[o][oy][ox] = b[o] + Σ_c Σ_ky Σ_kx w[c][o][ky][kx] · x[c][iy][ix]` over the input
    /// pixels with `iy · sh - ph + ky = oy` and `ix · sw - pw + kx = ox`, terms in the order
    /// `c`, `ky`, `kx` (each `(c, ky, kx)` contributes at most one term to an output): the
    /// transposed convolution without inserting zeros between input pixels.
    pub fn apply(&self, input @ [_, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
        let Some([oh, ow]) = self.output_size([h, w]) else { return Vec::new() };
        let output = [self.out_channels, oh, ow];
        let tap = |a: usize, o: usize, k: usize| {
            source(o, self.padding[a], k, self.stride[a], [h, w][a])
        };
        // `convolve` names the output channel first; this layout stores the input channel first.
        let weight = |o, c, ky, kx| self.w(c, o, ky, kx);
        common::convolve(input, x, output, self.kernel_size, self.bias.as_ref(), weight, tap)
    }
}

/// The input index whose tap `k` lands on output `o`: `(o + p - k) / s` when exact.
fn source(o: usize, p: usize, k: usize, s: usize, n: usize) -> Option<usize> {
    let t = (o + p).checked_sub(k)?;
    (t % s == 0 && t / s < n).then_some(t / s)
}

impl OpSpec for ConvTranspose2d {
    fn takes_activation(&self) -> bool {
        true
    }

    fn widths(&self) -> (usize, usize) {
        (self.in_channels, self.out_channels)
    }

    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        let [_, h, w] = site.image(input, self.in_channels)?;
        if self.output_padding[0] >= self.stride[0] || self.output_padding[1] >= self.stride[1] {
            return Err(site.chain(
                format!(
                    "has output_padding {:?}, expected each value below the stride {:?}",
                    self.output_padding, self.stride
                ),
                "output_padding only resolves which of `stride` possible sizes is meant; use a value below the stride",
            ));
        }
        let Some([oh, ow]) = self.output_size([h, w]) else {
            return Err(site.chain(
                format!(
                    "leaves no output: its {h}×{w} input with kernel {:?} and stride {:?} is smaller than twice the padding {:?}",
                    self.kernel_size, self.stride, self.padding
                ),
                "use less padding",
            ));
        };
        Ok(vec![self.out_channels, oh, ow])
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        let mut dims = Dims { layer, errors };
        dims.conv([self.in_channels, self.out_channels], self.kernel_size, self.stride);
        dims.padding("padding", self.padding);
        dims.padding("output_padding", self.output_padding);
    }

    fn declared_params(&self) -> usize {
        let channels = [self.in_channels, self.out_channels];
        common::conv_params(channels, self.kernel_size, self.bias.is_some())
    }

    fn check_tensors(&self, layer: &str, errors: &mut Vec<Error>) {
        let [kh, kw] = self.kernel_size;
        expect_shape(
            layer,
            &self.weight,
            &[self.in_channels, self.out_channels, kh, kw],
            "[in_channels, out_channels, kh, kw]",
            "store the weight as PyTorch's nn.ConvTranspose2d does, [in, out, kh, kw]",
            errors,
        );
        common::expect_bias(layer, self.bias.as_ref(), self.out_channels, errors);
    }

    /// MACs count only the taps that land inside the output.
    fn cost(&self, input: &[usize]) -> LayersCost {
        let [ch, h, w] = chw(input);
        let Some([oh, ow]) = self.output_size([h, w]) else { return LayersCost::default() };
        let rows = common::taps_landing(h, self.kernel_size[0], self.stride[0], self.padding[0], oh);
        let cols = common::taps_landing(w, self.kernel_size[1], self.stride[1], self.padding[1], ow);
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

/// `{"op": "conv_transpose2d", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConvTranspose2dDoc {
    name: String,
    in_channels: usize,
    out_channels: usize,
    kernel_size: Size2,
    #[serde(default = "one")]
    stride: Size2,
    #[serde(default = "zero")]
    padding: Size2,
    #[serde(default = "zero")]
    output_padding: Size2,
    weight: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bias: Option<String>,
    #[serde(default = "linear")]
    activation: Value,
}

impl OpFile for ConvTranspose2d {
    type Doc = ConvTranspose2dDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: ConvTranspose2dDoc, _at: &str, tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        let weights = (d.weight.as_str(), d.bias.as_deref());
        let ((weight, bias), activation) =
            common::conv_parts(tensors, &d.name, weights, &d.activation)?;
        let conv = ConvTranspose2d {
            in_channels: d.in_channels,
            out_channels: d.out_channels,
            kernel_size: d.kernel_size.pair(),
            stride: d.stride.pair(),
            padding: d.padding.pair(),
            output_padding: d.output_padding.pair(),
            weight,
            bias,
        };
        Ok(Layer { name: d.name, op: Op::ConvTranspose2d(conv), activation })
    }

    fn write(&self, name: &str, activation: Activation) -> ConvTranspose2dDoc {
        ConvTranspose2dDoc {
            name: name.to_owned(),
            in_channels: self.in_channels,
            out_channels: self.out_channels,
            kernel_size: Size2::Two(self.kernel_size),
            stride: Size2::Two(self.stride),
            padding: Size2::Two(self.padding),
            output_padding: Size2::Two(self.output_padding),
            weight: self.weight.key.clone(),
            bias: key(&self.bias),
            activation: activation.to_json(),
        }
    }
}
