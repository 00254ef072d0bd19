//! `conv2d`: `static` weights in the kernel's layout and a call of the runtime's const-generic
//! kernel with every size a literal. The helpers are shared with `conv_transpose2d`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use tinyae_core::ir::{Conv2d, Tensor};
use tinyae_core::Activation;

use super::{EmitOp, LayerCtx, StageCtx};
use crate::emit::bytes;
use crate::emit::literal::{f32_array, usize_lit};

/// Kernels whose output planes are at least this long apply the activation in the branch-free
/// form the runtime vectorizes (the same threshold as dense layers).
const WIDE: usize = 8;

/// `[[[[w; KW]; KH]; C]; O]` from a weight function `w(o, c, ky, kx)`.
pub(super) fn weights(
    o_n: usize,
    c_n: usize,
    [kh, kw]: [usize; 2],
    w: impl Fn(usize, usize, usize, usize) -> f32,
) -> TokenStream {
    let taps = (0..o_n).flat_map(|o| {
        (0..c_n).flat_map(move |c| (0..kh).flat_map(move |ky| (0..kw).map(move |kx| (o, c, ky, kx))))
    });
    bytes::f32s(taps.map(|(o, c, ky, kx)| w(o, c, ky, kx)))
}

/// `static B: [f32; O]` and the kernel's bias argument.
pub(super) fn bias(values: Option<&[f32]>, o_n: usize) -> (TokenStream, TokenStream) {
    match values {
        Some(b) => {
            let values = f32_array(b);
            let o = usize_lit(o_n);
            (quote!(static B: [f32; #o] = #values;), quote!(Some(&B)))
        }
        None => (quote!(), quote!(None)),
    }
}

/// The activation as a value (`rt::act::*`), applied to a whole output plane; the branch-free
/// forms when the plane is at least `WIDE` long.
pub(super) fn act(activation: Activation, plane: usize) -> TokenStream {
    crate::emit::act::value(activation, if plane >= WIDE { usize::MAX } else { 0 })
}

/// The code around a convolution's kernel call, shared by both convolutions' whole-map body
/// and row stage: `doc` and the weights `[out][in][ky][kx]` (`w(o, c, ky, kx)`) as `static W`,
/// the bias's static, then `call(bias_arg, act)`, the activation's form chosen by the length of
/// the output planes.
pub(super) fn conv_code(
    ctx: &LayerCtx<'_>,
    [o_n, c_n]: [usize; 2],
    kernel_size: [usize; 2],
    bias_values: Option<&Tensor>,
    doc: TokenStream,
    w: impl Fn(usize, usize, usize, usize) -> f32,
    call: impl FnOnce(TokenStream, TokenStream) -> TokenStream,
) -> TokenStream {
    let weights = weights(o_n, c_n, kernel_size, w);
    let (bias_static, bias_arg) = bias(bias_values.map(|b| &b.values[..]), o_n);
    let [_, oh, ow] = image(ctx.output);
    let call = call(bias_arg, act(ctx.layer.activation, oh * ow));
    let [kh, kw] = kernel_size;
    let (ch, kh, kw, o) = (usize_lit(c_n), usize_lit(kh), usize_lit(kw), usize_lit(o_n));
    quote! {
        #doc
        static W: [[[[f32; #kw]; #kh]; #ch]; #o] = #weights;
        #bias_static
        #call
    }
}

/// Unsuffixed literals.
pub(super) fn lits(values: &[usize]) -> Vec<Literal> {
    values.iter().map(|v| usize_lit(*v)).collect()
}

/// `[c, h, w]` of a feature map's shape.
pub(super) fn image(shape: &[usize]) -> [usize; 3] {
    tinyae_core::op::common::chw(shape)
}

/// The doc comment of a `conv2d`'s weights.
fn weights_doc() -> TokenStream {
    quote!(
        /// `[out][in][ky][kx]`, as PyTorch's `nn.Conv2d` stores it.
    )
}

impl EmitOp for Conv2d {
    /// `fn(x: &[f32; C·H·W], y: &mut [f32; O·OH·OW])` on a `[C, H, W]` input.
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let [ch, h, w] = image(ctx.input);
        let Some(([top, left, _, _], [oh, ow])) = self.geometry([h, w]) else { return quote!() };
        let ([kh, kw], [sh, sw], o_n) = (self.kernel_size, self.stride, self.out_channels);
        let sizes =
            lits(&[ch, h, w, o_n, oh, ow, kh, kw, sh, sw, top, left, ch * h * w, o_n * oh * ow]);
        let call = |bias, act| quote! { rt::conv2d::<#(#sizes),*>(&W, #bias, x, y, #act); };
        let w = |o, ci, ky, kx| self.w(o, ci, ky, kx);
        conv_code(ctx, [o_n, ch], self.kernel_size, self.bias.as_ref(), weights_doc(), w, call)
    }

    /// `rt::conv_rows`, or `rt::conv_pool_rows` with the pooling after it fused in.
    fn stage(&self, ctx: &LayerCtx<'_>, stage: &StageCtx<'_>) -> TokenStream {
        let [ch, h, w] = image(ctx.input);
        let Some(([top, left, _, _], [_, ow])) = self.geometry([h, w]) else { return quote!() };
        let ([kh, kw], [sh, sw], o_n) = (self.kernel_size, self.stride, self.out_channels);
        let sizes = lits(&[ch, h, w, o_n, ow, kh, kw, sh, sw, top, left, stage.depth, stage.ring]);
        let call = |bias, act| match stage.pool {
            Some((pool, pooled)) => {
                let ([pkh, pkw], [psh, psw]) = (pool.kernel_size, pool.stride);
                let pool_sizes = lits(&[pkh, pkw, psh, psw, image(pooled)[2], stage.tmp]);
                quote!(rt::conv_pool_rows::<_, _, #(#sizes,)* #(#pool_sizes),*>(src, &W, #bias, #act, ring, tmp))
            }
            None => quote!(rt::conv_rows::<_, _, #(#sizes),*>(src, &W, #bias, #act, ring)),
        };
        let w = |o, ci, ky, kx| self.w(o, ci, ky, kx);
        conv_code(ctx, [o_n, ch], self.kernel_size, self.bias.as_ref(), weights_doc(), w, call)
    }
}
