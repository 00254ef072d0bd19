//! Max pooling and nearest-neighbour upsampling: calls of the runtime's const-generic kernels.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{MaxPool2d, Upsample2d};

use super::literal::usize_lit;

/// The body of `fn(x, y)` for max pooling a `[C, H, W]` input.
pub fn max_pool2d(p: &MaxPool2d, [c, h, w]: [usize; 3]) -> TokenStream {
    let Some([oh, ow]) = p.output_size([h, w]) else { return quote!() };
    let [kh, kw] = p.kernel_size;
    let [sh, sw] = p.stride;
    let sizes = [c, h, w, oh, ow, kh, kw, sh, sw, c * h * w, c * oh * ow].map(usize_lit);
    quote!(rt::max_pool2d::<#(#sizes),*>(x, y);)
}

/// The body of `fn(x, y)` for upsampling a `[C, H, W]` input.
pub fn upsample2d(u: &Upsample2d, [c, h, w]: [usize; 3]) -> TokenStream {
    let [fh, fw] = u.scale_factor;
    let sizes = [c, h, w, fh, fw, c * h * w, c * h * fh * w * fw].map(usize_lit);
    quote!(rt::upsample2d::<#(#sizes),*>(x, y);)
}
