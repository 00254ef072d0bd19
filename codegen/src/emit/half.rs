//! Float dense layers the f32 kernels do not cover: weights stored as f16/bf16 (computed in
//! f32 after an exact widening), and layers with zero weights, whose terms are skipped
//! (docs/FORMAT.md): unrolled code emits no multiply for them, loops use the compressed form
//! (`sparse.rs`). `dense.rs` hands these layers here.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{Affine, Dense, Layer, Storage, Tensor};
use tinyae_core::Activation;

use super::literal::usize_lit;
use crate::options::Unroll;

/// Outputs per block of the half-precision kernel (`rt::BLOCK_W`).
const BLOCK: usize = 32;

/// Whether this module emits the layer: any weight or bias not stored as F32, or any zero
/// weight.
pub fn handles(d: &Dense) -> bool {
    let stored_f32 = |t: &Tensor| t.storage == Storage::F32;
    !stored_f32(&d.weight)
        || d.bias.as_ref().is_some_and(|b| !stored_f32(b))
        || d.weight.values.contains(&0.0)
}

/// Bytes of constant data a float layer's weights and biases take in the generated code, for
/// the layers [`handles`] accepts (`None` for the others: the file's bytes).
pub fn weight_bytes(layer: &Layer, unroll: Unroll) -> Option<usize> {
    let parts = layer.op.dense_parts();
    if parts.is_empty() || !parts.iter().any(|d| handles(d)) {
        return None;
    }
    let bytes = parts.iter().map(|d| {
        let unrolled = unroll.full_for(d.in_features * d.out_features);
        let bias = d.bias.as_ref().map_or(0, |b| b.numel() * b.storage.bytes());
        tinyae_core::sparse::weight_bytes(d, unrolled) + bias
    });
    Some(bytes.sum())
}

/// The body of `fn(x: &[f32; IN], y: &mut [f32; OUT])` for a layer [`handles`] accepts.
pub fn body(
    d: &Dense,
    activation: Activation,
    scaling: Option<&Affine>,
    unrolled: bool,
    scaling_static: TokenStream,
) -> TokenStream {
    if unrolled {
        super::dense::straight_line(d, activation, scaling)
    } else if tinyae_core::sparse::compressed(d) {
        super::sparse::float_call(d, activation, scaling.map(|_| scaling_static))
    } else {
        blocked_call(d, activation, scaling.map(|_| scaling_static))
    }
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
fn blocked_call(d: &Dense, activation: Activation, scaling: Option<TokenStream>) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let (tiles, rest) = (o_n / BLOCK, o_n % BLOCK);
    let storage = d.weight.storage;
    let (ty, marker) = stored_type(storage);
    let columns = |from: usize, n: usize| {
        let rows = (0..i_n).map(|i| {
            let row = (from..from + n).map(|o| stored_literal(storage, d.w(o, i)));
            quote!([#(#row),*])
        });
        quote!([#(#rows),*])
    };
    let blocks = (0..tiles).map(|t| columns(t * BLOCK, BLOCK));
    let tail = columns(tiles * BLOCK, rest);
    let (bias_static, bias_arg, bias_marker) = bias_static(d);
    let scaling = match scaling {
        Some(s) => quote!(Some(&#s)),
        None => quote!(None),
    };
    let act = super::dense::act_value(activation, o_n);
    let (i_lit, t_lit, r_lit) = (usize_lit(i_n), usize_lit(tiles), usize_lit(rest));
    quote! {
        static W: rt::BlockedW<#ty, #i_lit, #t_lit, #r_lit> = rt::BlockedW {
            tiles: [#(#blocks),*],
            tail: #tail,
        };
        #bias_static
        rt::dense_w(&W, #marker, #bias_arg, #bias_marker, x, #scaling, y, #act);
    }
}
