//! `upsample2d`: nearest-neighbour upsampling of a CHW feature map by integer factors,
//! PyTorch's `nn.Upsample(mode="nearest")`. No activation.

use serde::{Deserialize, Serialize};

use super::common::{chw, plain, Dims, Size2};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::error::{Error, ErrorKind};
use crate::format::Tensors;
use crate::ir::{Layer, Op};

/// Nearest-neighbour upsampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upsample2d {
    /// `[fh, fw]`.
    pub scale_factor: [usize; 2],
}

impl Upsample2d {
    /// `y[c][oy][ox] = x[c][oy / fh][ox / fw]`.
    pub fn apply(&self, [ch, h, w]: [usize; 3], x: &[f32]) -> Vec<f32> {
        let [fh, fw] = self.scale_factor;
        let (oh, ow) = (h * fh, w * fw);
        let mut y = Vec::with_capacity(ch * oh * ow);
        for c in 0..ch {
            for oy in 0..oh {
                for ox in 0..ow {
                    y.push(x[(c * h + oy / fh) * w + ox / fw]);
                }
            }
        }
        y
    }
}

impl OpSpec for Upsample2d {
    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        match *input {
            [c, h, w] => {
                let oh = h.saturating_mul(self.scale_factor[0]);
                let ow = w.saturating_mul(self.scale_factor[1]);
                Ok(vec![c, oh, ow])
            }
            _ => Err(site.not_an_image(
                input,
                "upsample feature maps only; add a `reshape` to [C, H, W] before it",
            )),
        }
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        Dims { layer, errors }.pair("scale_factor", self.scale_factor);
    }

    fn reference(&self, input: &[usize], x: &[f32]) -> Vec<f32> {
        self.apply(chw(input), x)
    }
}

fn nearest() -> String {
    "nearest".to_owned()
}

/// `{"op": "upsample2d", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Upsample2dDoc {
    name: String,
    scale_factor: Size2,
    #[serde(default = "nearest")]
    mode: String,
}

impl OpFile for Upsample2d {
    type Doc = Upsample2dDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: Upsample2dDoc, at: &str, _tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        if d.mode != "nearest" {
            return Err(vec![Error::new(
                ErrorKind::Unsupported,
                format!("{at}: upsample2d mode `{}` is not supported, expected `nearest`", d.mode),
            )
            .help("use nearest-neighbour upsampling, or a conv_transpose2d layer")]);
        }
        let op = Op::Upsample2d(Upsample2d { scale_factor: d.scale_factor.pair() });
        Ok(plain(d.name, op))
    }

    fn write(&self, name: &str, _: Activation) -> Upsample2dDoc {
        Upsample2dDoc {
            name: name.to_owned(),
            scale_factor: Size2::Two(self.scale_factor),
            mode: nearest(),
        }
    }
}
