//! `max_pool2d`: max pooling over windows of a CHW feature map, PyTorch's `nn.MaxPool2d`
//! without padding (floor mode). No activation.

use serde::{Deserialize, Serialize};

use super::common::{chw, plain, Dims, Size2};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::error::Error;
use crate::format::Tensors;
use crate::ir::{Layer, Op};

/// Max pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d {
    /// `[kh, kw]`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]` (the file's default is the kernel size).
    pub stride: [usize; 2],
}

impl MaxPool2d {
    /// Output `[oh, ow]` for an input of `[h, w]`, or `None` when the window does not fit.
    pub fn output_size(&self, input: [usize; 2]) -> Option<[usize; 2]> {
        let mut out = [0; 2];
        for a in 0..2 {
            out[a] = input[a].checked_sub(self.kernel_size[a])?.checked_div(self.stride[a])? + 1;
        }
        Some(out)
    }

    /// The largest value of each window: `m` starts at the window's first value, then for
    /// each value `v` in `(ky, kx)` order, `if v > m { m = v }`.
    pub fn apply(&self, [ch, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
        let Some([oh, ow]) = self.output_size([h, w]) else { return Vec::new() };
        let ([kh, kw], [sh, sw]) = (self.kernel_size, self.stride);
        let mut y = Vec::with_capacity(ch * oh * ow);
        for c in 0..ch {
            for oy in 0..oh {
                for ox in 0..ow {
                    let at = |ky: usize, kx: usize| x[(c * h + oy * sh + ky) * w + ox * sw + kx];
                    let mut m = at(0, 0);
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let v = at(ky, kx);
                            if v > m {
                                m = v;
                            }
                        }
                    }
                    y.push(m);
                }
            }
        }
        y
    }
}

impl OpSpec for MaxPool2d {
    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        let [c, h, w] = match *input {
            [c, h, w] => [c, h, w],
            _ => {
                return Err(site.not_an_image(
                    input,
                    "pool feature maps only; set `input_shape` to the image's CHW shape",
                ))
            }
        };
        let Some([oh, ow]) = self.output_size([h, w]) else {
            return Err(site.chain(
                format!("has a {:?} window larger than its {h}×{w} input", self.kernel_size),
                "use a smaller `kernel_size`",
            ));
        };
        Ok(vec![c, oh, ow])
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        let mut dims = Dims { layer, errors };
        dims.pair("kernel_size", self.kernel_size);
        dims.pair("stride", self.stride);
    }

    fn reference(&self, input: &[usize], x: &[f32]) -> Vec<f32> {
        self.apply(chw(input), x)
    }
}

/// `{"op": "max_pool2d", ...}`; the stride defaults to the kernel size.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaxPool2dDoc {
    name: String,
    kernel_size: Size2,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stride: Option<Size2>,
}

impl OpFile for MaxPool2d {
    type Doc = MaxPool2dDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: MaxPool2dDoc, _at: &str, _tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        let kernel_size = d.kernel_size.pair();
        let stride = d.stride.map_or(kernel_size, Size2::pair);
        Ok(plain(d.name, Op::MaxPool2d(MaxPool2d { kernel_size, stride })))
    }

    fn write(&self, name: &str, _: Activation) -> MaxPool2dDoc {
        MaxPool2dDoc {
            name: name.to_owned(),
            kernel_size: Size2::Two(self.kernel_size),
            stride: Some(Size2::Two(self.stride)),
        }
    }
}
