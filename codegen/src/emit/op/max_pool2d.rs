//! `max_pool2d`: a call of the runtime's const-generic kernel.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::MaxPool2d;

use super::{EmitOp, LayerCtx, StageCtx};
use crate::emit::literal::usize_lit;

impl EmitOp for MaxPool2d {
    /// `fn(x, y)` max pooling a `[C, H, W]` input.
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let [c, h, w] = super::conv2d::image(ctx.input);
        let Some([oh, ow]) = self.output_size([h, w]) else { return quote!() };
        let [kh, kw] = self.kernel_size;
        let [sh, sw] = self.stride;
        let sizes = [c, h, w, oh, ow, kh, kw, sh, sw, c * h * w, c * oh * ow].map(usize_lit);
        quote!(rt::max_pool2d::<#(#sizes),*>(x, y);)
    }

    /// `rt::pool_rows`: a pooling not fused into a convolution.
    fn stage(&self, ctx: &LayerCtx<'_>, stage: &StageCtx<'_>) -> TokenStream {
        let [c, h, w] = super::conv2d::image(ctx.input);
        let Some([_, ow]) = self.output_size([h, w]) else { return quote!() };
        let [kh, kw] = self.kernel_size;
        let [sh, sw] = self.stride;
        let sizes = [c, h, w, ow, kh, kw, sh, sw, stage.depth, stage.ring].map(usize_lit);
        quote!(rt::pool_rows::<_, #(#sizes),*>(src, ring))
    }
}
