//! The compressed form of layers with many zero weights (`rt::Csr`): per output, the count
//! of its non-zero weights; then the values and their input indices, row after row, indices
//! increasing, so each output adds its terms in the reference interpreter's order.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::Dense;
use tinyae_core::Activation;

use super::half::{bias_static, stored_type};
use crate::emit::bytes::LeBytes;
use crate::emit::literal::usize_lit;

/// `static W: rt::Csr<..> = ...;` for any value type, with its index type; `value` appends a
/// weight's stored bytes.
fn csr(d: &Dense, value_type: TokenStream, value: &dyn Fn(&mut LeBytes, f32)) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let narrow = tinyae_core::sparse::index_bytes(d) == 1;
    let (mut counts, mut values, mut index) =
        (LeBytes::default(), LeBytes::default(), LeBytes::default());
    let mut nnz = 0;
    for o in 0..o_n {
        let mut n = 0u16;
        for i in 0..i_n {
            let w = d.w(o, i);
            if w != 0.0 {
                n += 1;
                value(&mut values, w);
                // Compressed layers have at most `MAX_SPARSE_INPUTS` inputs: `i` fits.
                if narrow {
                    index.u8(i as u8);
                } else {
                    index.u16(i as u16);
                }
            }
        }
        nnz += usize::from(n);
        counts.u16(n);
    }
    let index_type = if narrow { quote!(u8) } else { quote!(u16) };
    let (o_lit, nnz) = (usize_lit(o_n), usize_lit(nnz));
    let (counts, values, index) = (counts.expr(), values.expr(), index.expr());
    quote! {
        static W: rt::Csr<#value_type, #index_type, #o_lit, #nnz> = rt::Csr {
            counts: #counts,
            values: #values,
            index: #index,
        };
    }
}

/// A float layer in compressed form: `rt::dense_sparse`, scaling raw inputs on the fly when
/// `scaling` names the model's scaling (the first layer).
pub fn float_call(d: &Dense, activation: Activation, scaling: Option<TokenStream>) -> TokenStream {
    let storage = d.weight.storage;
    let (ty, marker) = stored_type(storage);
    let w = csr(d, ty, &|out, v| out.stored(storage, v));
    let (bias_static, bias_arg, bias_marker) = bias_static(d);
    // One output at a time: the scalar (`libm`) forms, as for unrolled code.
    let act = crate::emit::act::value(activation, 0);
    let scaling = match scaling {
        Some(s) => quote!(Some(&#s)),
        None => quote!(None),
    };
    quote! {
        #w
        #bias_static
        rt::dense_sparse(&W, #marker, #bias_arg, #bias_marker, x, #scaling, y, #act);
    }
}

/// The int8 weights of a layer in compressed form, for `rt::dense_sparse_i8`.
pub fn int8_weights(d: &Dense) -> TokenStream {
    csr(d, quote!(i8), &|out, v| out.i8(v as i8))
}
