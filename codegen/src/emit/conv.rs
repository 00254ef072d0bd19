//! Convolution and transposed-convolution layers: `static` weights in the kernels' layout and a
//! call of the runtime's const-generic kernel with every size a literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use tinyae_core::ir::{Conv2d, ConvTranspose2d};
use tinyae_core::Activation;

use super::literal::{f32_array, usize_lit};

/// Kernels whose output planes are at least this long apply the activation in the branch-free
/// form the runtime vectorizes (the same threshold as dense layers).
const WIDE: usize = 8;

/// `[[[[w; KW]; KH]; C]; O]` from a weight function `w(o, c, ky, kx)`.
fn weights(
    o_n: usize,
    c_n: usize,
    [kh, kw]: [usize; 2],
    w: impl Fn(usize, usize, usize, usize) -> f32,
) -> TokenStream {
    let planes = (0..o_n).map(|o| {
        let channels = (0..c_n).map(|c| {
            let rows = (0..kh).map(|ky| {
                let row: Vec<f32> = (0..kw).map(|kx| w(o, c, ky, kx)).collect();
                f32_array(&row)
            });
            quote!([#(#rows),*])
        });
        quote!([#(#channels),*])
    });
    quote!([#(#planes),*])
}

fn bias(values: Option<Vec<f32>>, o_n: usize) -> (TokenStream, TokenStream) {
    match values {
        Some(b) => {
            let values = f32_array(&b);
            let o = usize_lit(o_n);
            (quote!(static B: [f32; #o] = #values;), quote!(Some(&B)))
        }
        None => (quote!(), quote!(None)),
    }
}

/// The activation as a value (`rt::act::*`), applied to a whole output plane; the branch-free
/// forms when the plane is at least `WIDE` long.
fn act(activation: Activation, plane: usize) -> TokenStream {
    super::dense::act_value(activation, if plane >= WIDE { usize::MAX } else { 0 })
}

fn lits(values: &[usize]) -> Vec<Literal> {
    values.iter().map(|v| usize_lit(*v)).collect()
}

/// The body of `fn(x: &[f32; C·H·W], y: &mut [f32; O·OH·OW])` for a convolution on a
/// `[C, H, W]` input (a valid model's shapes).
pub fn conv2d(c: &Conv2d, activation: Activation, [ch, h, w]: [usize; 3]) -> TokenStream {
    let Some(([top, left, _, _], [oh, ow])) = c.geometry([h, w]) else { return quote!() };
    let [kh, kw] = c.kernel_size;
    let [sh, sw] = c.stride;
    let o_n = c.out_channels;
    let weights = weights(o_n, ch, c.kernel_size, |o, ci, ky, kx| c.w(o, ci, ky, kx));
    let (bias_static, bias_arg) = bias(c.bias.as_ref().map(|b| b.values.clone()), o_n);
    let sizes =
        lits(&[ch, h, w, o_n, oh, ow, kh, kw, sh, sw, top, left, ch * h * w, o_n * oh * ow]);
    let (ch, kh, kw, o) = (usize_lit(ch), usize_lit(kh), usize_lit(kw), usize_lit(o_n));
    let act = act(activation, oh * ow);
    quote! {
        /// `[out][in][ky][kx]`, as PyTorch's `nn.Conv2d` stores it.
        static W: [[[[f32; #kw]; #kh]; #ch]; #o] = #weights;
        #bias_static
        rt::conv2d::<#(#sizes),*>(&W, #bias_arg, x, y, #act);
    }
}

/// The body of `fn(x, y)` for a transposed convolution on a `[C, H, W]` input. The weights
/// are stored `[out][in][ky][kx]`: PyTorch's `[in][out][ky][kx]` with the first two axes
/// swapped, so each output plane's weights are contiguous.
pub fn conv_transpose2d(
    c: &ConvTranspose2d,
    activation: Activation,
    [ch, h, w]: [usize; 3],
) -> TokenStream {
    let Some([oh, ow]) = c.output_size([h, w]) else { return quote!() };
    let [kh, kw] = c.kernel_size;
    let [sh, sw] = c.stride;
    let [ph, pw] = c.padding;
    let o_n = c.out_channels;
    let weights = weights(o_n, ch, c.kernel_size, |o, ci, ky, kx| c.w(ci, o, ky, kx));
    let (bias_static, bias_arg) = bias(c.bias.as_ref().map(|b| b.values.clone()), o_n);
    let sizes = lits(&[ch, h, w, o_n, oh, ow, kh, kw, sh, sw, ph, pw, ch * h * w, o_n * oh * ow]);
    let (ch, kh, kw, o) = (usize_lit(ch), usize_lit(kh), usize_lit(kw), usize_lit(o_n));
    let act = act(activation, oh * ow);
    quote! {
        /// `[out][in][ky][kx]`: PyTorch's `nn.ConvTranspose2d` weight with its first two axes
        /// swapped.
        static W: [[[[f32; #kw]; #kh]; #ch]; #o] = #weights;
        #bias_static
        rt::conv_transpose2d::<#(#sizes),*>(&W, #bias_arg, x, y, #act);
    }
}
