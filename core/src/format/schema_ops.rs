//! The JSON documents of the convolutional and recurrent layers, as serde types mirroring
//! docs/FORMAT.md field for field. Sizes that PyTorch accepts as an integer or a pair
//! (`kernel_size: 3` or `[3, 3]`) are read either way and written as pairs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `3` or `[3, 3]`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Size2 {
    /// The same value for height and width.
    One(usize),
    /// `[height, width]`.
    Two([usize; 2]),
}

impl Size2 {
    pub fn pair(self) -> [usize; 2] {
        match self {
            Size2::One(v) => [v, v],
            Size2::Two(p) => p,
        }
    }
}

/// `"valid"`, `"same"`, `1` or `[1, 2]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PaddingDoc {
    /// `"valid"` or `"same"`.
    Name(String),
    /// Explicit padding.
    Size(Size2),
}

fn valid() -> PaddingDoc {
    PaddingDoc::Name("valid".to_owned())
}

fn one() -> Size2 {
    Size2::Two([1, 1])
}

fn zero() -> Size2 {
    Size2::Two([0, 0])
}

fn linear() -> Value {
    Value::String("linear".to_owned())
}

fn nearest() -> String {
    "nearest".to_owned()
}

/// `{"op": "conv2d", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conv2dDoc {
    pub name: String,
    pub op: String,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel_size: Size2,
    #[serde(default = "one")]
    pub stride: Size2,
    #[serde(default = "valid")]
    pub padding: PaddingDoc,
    pub weight: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias: Option<String>,
    #[serde(default = "linear")]
    pub activation: Value,
}

/// `{"op": "conv_transpose2d", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConvTranspose2dDoc {
    pub name: String,
    pub op: String,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel_size: Size2,
    #[serde(default = "one")]
    pub stride: Size2,
    #[serde(default = "zero")]
    pub padding: Size2,
    #[serde(default = "zero")]
    pub output_padding: Size2,
    pub weight: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias: Option<String>,
    #[serde(default = "linear")]
    pub activation: Value,
}

/// `{"op": "max_pool2d", ...}`; the stride defaults to the kernel size.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaxPool2dDoc {
    pub name: String,
    pub op: String,
    pub kernel_size: Size2,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<Size2>,
}

/// `{"op": "upsample2d", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Upsample2dDoc {
    pub name: String,
    pub op: String,
    pub scale_factor: Size2,
    #[serde(default = "nearest")]
    pub mode: String,
}

/// `{"op": "flatten", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlattenDoc {
    pub name: String,
    pub op: String,
}

/// `{"op": "reshape", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReshapeDoc {
    pub name: String,
    pub op: String,
    pub shape: Vec<usize>,
}

/// `{"op": "lstm", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LstmDoc {
    pub name: String,
    pub op: String,
    pub input_size: usize,
    pub hidden_size: usize,
    pub return_sequences: bool,
    pub weight_ih: String,
    pub weight_hh: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias_ih: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias_hh: Option<String>,
}

/// `{"op": "repeat", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatDoc {
    pub name: String,
    pub op: String,
    pub times: usize,
}
