//! The precision of the values between layers, as a strategy for the one API emitter: the
//! scratch type and its views, and what a public f32 function does at its edges.
//!
//! - f32 models (any float storage): raw input is scaled on the fly by the first layer, or into
//!   scratch first (`rt::scale_into`); the last layer writes the caller's output.
//! - int8 models (every emitted layer int8, or a mixed model's int8 half, `mixed.rs`): the f32
//!   functions quantize the scaled input into scratch and dequantize the result out of it;
//!   `*_q` functions take int8 buffers directly.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::emission::Parts;
use tinyae_core::ir::{Model, QParams};
use tinyae_core::plan::Values;
use tinyae_core::quant;

use super::literal::f32_lit;

/// f32 or int8 values, with an int8 model's edge parameters.
#[derive(Debug, Clone, Copy)]
pub enum Precision {
    /// f32 values.
    F32,
    /// int8 values.
    Int8(Int8Edges),
}

/// The quantization of an int8 model's public values.
#[derive(Debug, Clone, Copy)]
pub struct Int8Edges {
    /// The scaled input (`INPUT_SCALE`, `INPUT_ZERO_POINT`).
    pub input: QParams,
    /// The latent code the encoder writes (`LATENT_SCALE`, `LATENT_ZERO_POINT`).
    pub latent: QParams,
    /// The latent code the decoder reads.
    pub decoder_input: QParams,
    /// The output (`OUTPUT_SCALE`, `OUTPUT_ZERO_POINT`).
    pub output: QParams,
}

impl Precision {
    /// The precision of the generated code of `model`'s `parts`.
    pub fn of(model: &Model, parts: Parts) -> Precision {
        if Values::of_parts(model, parts) == Values::F32 {
            return Precision::F32;
        }
        let (k, last) = (model.latent_layer, model.layers.len() - 1);
        let params = |j: usize| match quant::of(&model.layers[j]) {
            Some((_, q)) => (q.input, q.output),
            None => (QParams { scale: 1.0, zero_point: 0 }, QParams { scale: 1.0, zero_point: 0 }),
        };
        Precision::Int8(Int8Edges {
            input: params(0).0,
            latent: params(k).1,
            decoder_input: params((k + 1).min(last)).0,
            output: params(last).1,
        })
    }

    /// The element type of the scratch and of the layer functions' arrays.
    pub fn element(&self) -> TokenStream {
        match self {
            Precision::F32 => quote!(f32),
            Precision::Int8(_) => quote!(i8),
        }
    }

    /// The runtime's scratch type, without its length.
    pub fn scratch(&self) -> TokenStream {
        match self {
            Precision::F32 => quote!(::tinyae::Scratch),
            Precision::Int8(_) => quote!(::tinyae::ScratchI8),
        }
    }

    /// The runtime's view `name` (`front`, `front_to_back`, ...) over this scratch.
    pub fn view(&self, name: &str) -> Ident {
        match self {
            Precision::F32 => format_ident!("{}", name),
            Precision::Int8(_) => format_ident!("q_{}", name),
        }
    }

    /// A word for the layer documentation (`int8 dense`), empty for f32.
    pub fn prefix(&self) -> &'static str {
        match self {
            Precision::F32 => "",
            Precision::Int8(_) => "int8 ",
        }
    }
}

/// `(scale, 1 / scale, zero point)` literals of quantization parameters.
pub fn q_consts(p: QParams) -> (Literal, Literal, Literal) {
    (f32_lit(p.scale), f32_lit(p.inv_scale()), Literal::i32_unsuffixed(p.zero_point))
}
