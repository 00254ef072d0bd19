//! Float dense layers the f32 kernels do not cover: weights stored as f16/bf16 (computed in
//! f32 after an exact widening), and layers with zero weights, whose terms are skipped
//! (docs/FORMAT.md): unrolled code emits no multiply for them, loops use the compressed form
//! (`sparse.rs`). `dense.rs` hands these layers here.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::ir::{Affine, Dense, Layer, Storage, Tensor};
use tinyae_core::Activation;

use super::literal::{f32_lit, usize_lit};
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
        straight_line(d, activation, scaling)
    } else if tinyae_core::sparse::compressed(d) {
        super::sparse::float_call(d, activation, scaling.map(|_| scaling_static))
    } else {
        blocked_call(d, activation, scaling.map(|_| scaling_static))
    }
}

/// `|v: f32| activation(v)` over the runtime's scalar activations (the `libm` forms).
pub fn act_closure(activation: Activation) -> TokenStream {
    let v = quote!(v);
    let value = match activation {
        Activation::Linear => v,
        Activation::Relu => quote!(rt::relu(v)),
        Activation::LeakyRelu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::leaky_relu(v, #alpha))
        }
        Activation::Sigmoid => quote!(rt::sigmoid(v)),
        Activation::HardSigmoid { slope, offset } => {
            let (slope, offset) = (f32_lit(slope), f32_lit(offset));
            quote!(rt::hard_sigmoid(v, #slope, #offset))
        }
        Activation::Tanh => quote!(rt::tanh(v)),
        Activation::Elu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::elu(v, #alpha))
        }
        Activation::Softplus { beta, threshold } => {
            let (beta, threshold) = (f32_lit(beta), f32_lit(threshold));
            quote!(rt::softplus(v, #beta, #threshold))
        }
    };
    quote!(|v: f32| #value)
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

/// Straight-line code in axpy order (as `dense.rs` emits for f32), with widened weights as
/// immediates and no statement for a zero weight.
fn straight_line(d: &Dense, activation: Activation, scaling: Option<&Affine>) -> TokenStream {
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
        quote!(let mut #acc = #bias;)
    });
    let terms = used.iter().flat_map(|&i| {
        let name = input(i);
        accs.iter().enumerate().filter(move |(o, _)| d.w(*o, i) != 0.0).map(move |(o, acc)| {
            let w = f32_lit(d.w(o, i));
            quote!(#acc += #w * #name;)
        })
    });
    let act = act_closure(activation);
    let outputs = accs.iter().enumerate().map(|(o, acc)| quote!(y[#o] = act(#acc);));
    quote! {
        let act = #act;
        #(#bindings)*
        #[allow(unused_mut)]
        {
            #(#starts)*
            #(#terms)*
            #(#outputs)*
        }
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
