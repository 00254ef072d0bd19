//! `conv_transpose2d`: weights stored `[out][in][ky][kx]` (PyTorch's `[in][out][ky][kx]` with
//! the first two axes swapped, so each output plane's weights are contiguous) and a call of the
//! runtime's const-generic kernel.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::ConvTranspose2d;

use super::conv2d::{act, bias, image, lits, weights};
use super::{EmitOp, LayerCtx, StageCtx};
use crate::emit::literal::usize_lit;

impl EmitOp for ConvTranspose2d {
    /// `fn(x: &[f32; C·H·W], y: &mut [f32; O·OH·OW])` on a `[C, H, W]` input.
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let [ch, h, w] = image(ctx.input);
        let Some([oh, ow]) = self.output_size([h, w]) else { return quote!() };
        let [kh, kw] = self.kernel_size;
        let [sh, sw] = self.stride;
        let [ph, pw] = self.padding;
        let o_n = self.out_channels;
        let weights = weights(o_n, ch, self.kernel_size, |o, ci, ky, kx| self.w(ci, o, ky, kx));
        let (bias_static, bias_arg) = bias(self.bias.as_ref().map(|b| &b.values[..]), o_n);
        let sizes =
            lits(&[ch, h, w, o_n, oh, ow, kh, kw, sh, sw, ph, pw, ch * h * w, o_n * oh * ow]);
        let (ch, kh, kw, o) = (usize_lit(ch), usize_lit(kh), usize_lit(kw), usize_lit(o_n));
        let act = act(ctx.layer.activation, oh * ow);
        quote! {
            /// `[out][in][ky][kx]`: PyTorch's `nn.ConvTranspose2d` weight with its first two axes
            /// swapped.
            static W: [[[[f32; #kw]; #kh]; #ch]; #o] = #weights;
            #bias_static
            rt::conv_transpose2d::<#(#sizes),*>(&W, #bias_arg, x, y, #act);
        }
    }

    /// `rt::conv_transpose_rows`.
    fn stage(&self, ctx: &LayerCtx<'_>, stage: &StageCtx<'_>) -> TokenStream {
        let [ch, h, w] = image(ctx.input);
        let Some([oh, ow]) = self.output_size([h, w]) else { return quote!() };
        let [kh, kw] = self.kernel_size;
        let [sh, sw] = self.stride;
        let [ph, pw] = self.padding;
        let o_n = self.out_channels;
        let weights = weights(o_n, ch, self.kernel_size, |o, ci, ky, kx| self.w(ci, o, ky, kx));
        let (bias_static, bias_arg) = bias(self.bias.as_ref().map(|b| &b.values[..]), o_n);
        let sizes = lits(&[ch, h, w, o_n, ow, kh, kw, sh, sw, ph, pw, stage.depth, stage.ring]);
        let (ch, kh, kw, o) = (usize_lit(ch), usize_lit(kh), usize_lit(kw), usize_lit(o_n));
        let act = act(ctx.layer.activation, oh * ow);
        quote! {
            /// `[out][in][ky][kx]`: PyTorch's `nn.ConvTranspose2d` weight with its first two axes
            /// swapped.
            static W: [[[[f32; #kw]; #kh]; #ch]; #o] = #weights;
            #bias_static
            rt::conv_transpose_rows::<_, _, #(#sizes),*>(src, &W, #bias_arg, #act, ring)
        }
    }
}
