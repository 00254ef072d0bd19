//! `upsample2d`: a call of the runtime's const-generic kernel.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::Upsample2d;

use super::{EmitOp, LayerCtx, StageCtx};
use crate::emit::literal::usize_lit;

impl EmitOp for Upsample2d {
    /// `fn(x, y)` upsampling a `[C, H, W]` input.
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let [c, h, w] = super::conv2d::image(ctx.input);
        let [fh, fw] = self.scale_factor;
        let sizes = [c, h, w, fh, fw, c * h * w, c * h * fh * w * fw].map(usize_lit);
        quote!(rt::upsample2d::<#(#sizes),*>(x, y);)
    }

    /// `rt::upsample_rows`.
    fn stage(&self, ctx: &LayerCtx<'_>, stage: &StageCtx<'_>) -> TokenStream {
        let [c, h, w] = super::conv2d::image(ctx.input);
        let [fh, fw] = self.scale_factor;
        let sizes = [c, h, w, fh, fw, stage.ring].map(usize_lit);
        quote!(rt::upsample_rows::<_, #(#sizes),*>(src, ring))
    }
}
