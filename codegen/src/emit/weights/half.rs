//! Float dense layers the f32 kernels do not cover: weights stored as f16/bf16 (computed in
//! f32 after an exact widening), and layers with zero weights, whose terms are skipped
//! (docs/FORMAT.md): unrolled code emits no multiply for them, loops use the compressed form
//! (`sparse.rs`) or, for f16/bf16 without zeros, the half-precision blocked kernel here.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{Dense, Storage, Tensor};
use tinyae_core::Activation;

use crate::emit::bytes;
use crate::emit::literal::usize_lit;

/// Outputs per block of the half-precision kernel (`rt::BlockedW`).
use tinyae_arith::layout::BLOCK_W as BLOCK;

/// Whether this module emits the layer: any weight or bias not stored as F32, or any zero
/// weight.
pub fn handles(d: &Dense) -> bool {
    let stored_f32 = |t: &Tensor| t.storage == Storage::F32;
    !stored_f32(&d.weight)
        || d.bias.as_ref().is_some_and(|b| !stored_f32(b))
        || d.weight.values.contains(&0.0)
}

/// The stored form of one value: an f32 literal, or the u16 bits of an f16/bf16.
pub fn stored_literal(storage: Storage, v: f32) -> TokenStream {
    match storage {
        Storage::F16 => {
            let bits = proc_macro2::Literal::u16_unsuffixed(half::f16::from_f32(v).to_bits());
            quote!(#bits)
        }
        Storage::Bf16 => {
            let bits = proc_macro2::Literal::u16_unsuffixed(half::bf16::from_f32(v).to_bits());
            quote!(#bits)
        }
        _ => {
            let lit = proc_macro2::Literal::f32_unsuffixed(v);
            quote!(#lit)
        }
    }
}

/// The element type and widening marker of a storage: `(f32, rt::F32)`, `(u16, rt::F16)`, ...
pub fn stored_type(storage: Storage) -> (TokenStream, TokenStream) {
    match storage {
        Storage::F16 => (quote!(u16), quote!(rt::F16)),
        Storage::Bf16 => (quote!(u16), quote!(rt::Bf16)),
        _ => (quote!(f32), quote!(rt::F32)),
    }
}

/// `static B: [T; O] = [...];` and the `(Some(&B), marker)` arguments, or `(None, rt::F32)`.
pub fn bias_static(d: &Dense) -> (TokenStream, TokenStream, TokenStream) {
    match &d.bias {
        Some(b) => {
            let (ty, marker) = stored_type(b.storage);
            let o = usize_lit(d.out_features);
            let values = b.values.iter().map(|v| stored_literal(b.storage, *v));
            (quote!(static B: [#ty; #o] = [#(#values),*];), quote!(Some(&B)), marker)
        }
        None => (quote!(), quote!(None), quote!(rt::F32)),
    }
}

/// A call of `rt::dense_w` over blocked, transposed f16/bf16 (or f32) weights.
pub fn call(d: &Dense, activation: Activation, scaling: Option<TokenStream>) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let (tiles, rest) = (o_n / BLOCK, o_n % BLOCK);
    let storage = d.weight.storage;
    let (ty, marker) = stored_type(storage);
    let (blocks, tail) =
        bytes::blocked(i_n, o_n, BLOCK, |out, o, i| out.stored(storage, d.w(o, i)));
    let (bias_static, bias_arg, bias_marker) = bias_static(d);
    let scaling = match scaling {
        Some(s) => quote!(Some(&#s)),
        None => quote!(None),
    };
    let act = crate::emit::act::value(activation, o_n);
    let (i_lit, t_lit, r_lit) = (usize_lit(i_n), usize_lit(tiles), usize_lit(rest));
    quote! {
        static W: rt::BlockedW<#ty, #i_lit, #t_lit, #r_lit> = rt::BlockedW {
            tiles: #blocks,
            tail: #tail,
        };
        #bias_static
        rt::dense_w(&W, #marker, #bias_arg, #bias_marker, x, #scaling, y, #act);
    }
}
