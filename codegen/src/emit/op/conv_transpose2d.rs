//! `conv_transpose2d`: weights stored `[out][in][ky][kx]` (PyTorch's `[in][out][ky][kx]` with
//! the first two axes swapped, so each output plane's weights are contiguous) and a call of the
//! runtime's const-generic kernel.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::ConvTranspose2d;

use super::conv2d::{conv_code, image, lits};
use super::{EmitOp, LayerCtx, StageCtx};

/// The doc comment of a `conv_transpose2d`'s weights.
fn weights_doc() -> TokenStream {
    quote!(
        /// `[out][in][ky][kx]`: PyTorch's `nn.ConvTranspose2d` weight with its first two axes
        /// swapped.
    )
}

impl EmitOp for ConvTranspose2d {
    /// `fn(x: &[f32; C·H·W], y: &mut [f32; O·OH·OW])` on a `[C, H, W]` input.
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let [ch, h, w] = image(ctx.input);
        let Some([oh, ow]) = self.output_size([h, w]) else { return quote!() };
        let ([kh, kw], [sh, sw], [ph, pw]) = (self.kernel_size, self.stride, self.padding);
        let o_n = self.out_channels;
        let sizes =
            lits(&[ch, h, w, o_n, oh, ow, kh, kw, sh, sw, ph, pw, ch * h * w, o_n * oh * ow]);
        let call = |bias, act| quote!(rt::conv_transpose2d::<#(#sizes),*>(&W, #bias, x, y, #act););
        let w = |o, ci, ky, kx| self.w(ci, o, ky, kx);
        conv_code(ctx, [o_n, ch], self.kernel_size, self.bias.as_ref(), weights_doc(), w, call)
    }

    /// `rt::conv_transpose_rows`.
    fn stage(&self, ctx: &LayerCtx<'_>, stage: &StageCtx<'_>) -> TokenStream {
        let [ch, h, w] = image(ctx.input);
        let Some([_, ow]) = self.output_size([h, w]) else { return quote!() };
        let ([kh, kw], [sh, sw], [ph, pw]) = (self.kernel_size, self.stride, self.padding);
        let o_n = self.out_channels;
        let sizes = lits(&[ch, h, w, o_n, ow, kh, kw, sh, sw, ph, pw, stage.depth, stage.ring]);
        let call = |bias, act| {
            quote!(rt::conv_transpose_rows::<_, _, #(#sizes),*>(src, &W, #bias, #act, ring))
        };
        let w = |o, ci, ky, kx| self.w(ci, o, ky, kx);
        conv_code(ctx, [o_n, ch], self.kernel_size, self.bias.as_ref(), weights_doc(), w, call)
    }
}
