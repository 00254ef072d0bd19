//! Straight-line float dense layers: every weight an immediate.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::ir::{Affine, Dense};
use tinyae_core::Activation;

use crate::emit::act::apply;
use crate::emit::literal::f32_lit;

/// Straight-line code with every weight an immediate, in axpy order: one accumulator per
/// output (`a0`, `a1`, ...), starting at the bias, then for each input in turn every output
/// gains `w * x_i`. Each output still sums its terms in input order, like the reference
/// interpreter, but consecutive statements are independent, so they pipeline (a statement per
/// output summing all inputs would be one chain of dependent adds). A zero weight (pruned)
/// gets no statement, and an input with only zero weights is never read; f16/bf16 weights
/// appear widened (`half.rs` sends its unrolled layers here). With `fma` each statement is the
/// expansion's `Mac` form instead (`rt::Mac::mac`: separate or fused, by target for `auto`).
pub fn body(d: &Dense, activation: Activation, scaling: Option<&Affine>, fma: bool) -> TokenStream {
    let used: Vec<usize> =
        (0..d.in_features).filter(|&i| (0..d.out_features).any(|o| d.w(o, i) != 0.0)).collect();
    let input = |i: usize| format_ident!("x{}", i);
    let accs: Vec<Ident> = (0..d.out_features).map(|o| format_ident!("a{}", o)).collect();
    let bindings = used.iter().map(|&i| {
        let name = input(i);
        match scaling {
            Some(a) => {
                let (offset, scale) = (f32_lit(a.offset[i]), f32_lit(a.scale[i]));
                quote!(let #name = (x[#i] - #offset) * #scale;)
            }
            None => quote!(let #name = x[#i];),
        }
    });
    let starts = accs.iter().enumerate().map(|(o, acc)| {
        let bias = f32_lit(d.b(o));
        if (0..d.in_features).any(|i| d.w(o, i) != 0.0) {
            quote!(let mut #acc = #bias;)
        } else {
            quote!(let #acc = #bias;)
        }
    });
    let terms = used.iter().flat_map(|&i| {
        let name = input(i);
        accs.iter().enumerate().filter(move |(o, _)| d.w(*o, i) != 0.0).map(move |(o, acc)| {
            let w = f32_lit(d.w(o, i));
            if fma {
                quote!(#acc = rt::Mac::mac(Mac::default(), #acc, #name, #w);)
            } else {
                quote!(#acc += #w * #name;)
            }
        })
    });
    let outputs = accs.iter().enumerate().map(|(o, acc)| {
        // One scalar statement per output: libm's branches beat computing every range.
        let value = apply(activation, quote!(#acc), false);
        quote!(y[#o] = #value;)
    });
    quote! {
        #(#bindings)*
        #(#starts)*
        #(#terms)*
        #(#outputs)*
    }
}
