//! Layers that move values: repeat, and a dense layer applied at every step of a sequence.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::literal::usize_lit;

/// The body of `fn(x: &[f32; F], y: &mut [f32; T·F])` for a repeat layer.
pub fn repeat(features: usize, times: usize) -> TokenStream {
    let (f, n) = (usize_lit(features), usize_lit(features * times));
    quote!(rt::repeat::<#f, #n>(x, y);)
}

/// The body of `fn(x: &[f32; rows·I], y: &mut [f32; rows·O])` calling `row_fn` (the dense
/// layer on one row) for every row.
pub fn rows(row_fn: &Ident, i_n: usize, o_n: usize, rows: usize) -> TokenStream {
    let sizes = [i_n, o_n, rows * i_n, rows * o_n].map(usize_lit);
    quote!(rt::rows::<#(#sizes),*>(x, y, #row_fn);)
}
