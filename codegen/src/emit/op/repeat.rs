//! `repeat`: a call of the runtime's copy kernel (not emitted at all before an LSTM that reads
//! its input: `tinyae_core::plan::fused_repeat`).

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::Repeat;

use super::{EmitOp, LayerCtx};
use crate::emit::literal::usize_lit;

impl EmitOp for Repeat {
    /// `fn(x: &[f32; F], y: &mut [f32; T·F])`.
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let features = ctx.input_len();
        let (f, n) = (usize_lit(features), usize_lit(features * self.times));
        quote!(rt::repeat::<#f, #n>(x, y);)
    }
}
