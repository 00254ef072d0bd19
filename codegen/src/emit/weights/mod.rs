//! Dense layers in the form their weights call for: straight-line code with immediates, the
//! blocked f32 kernel, the half-precision kernel, the compressed form of pruned layers, or
//! integer code for int8 layers.

pub mod block_sparse;
pub mod blocked;
pub mod half;
pub mod int8;
pub mod int8_dsp;
pub mod int8_rv32;
pub mod sparse;
pub mod unrolled;

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{Affine, Dense};
use tinyae_core::Activation;

/// The body of a function `fn(x: &[f32; IN], y: &mut [f32; OUT])` computing
/// `y = activation(b + W x')` for a float layer, where `x'` is `x` scaled by `scaling` when
/// given (the model's `SCALING`). With `fma`, unrolled and blocked layers add each product in
/// the expansion's `Mac` form (`super::fma`; the other forms have none).
pub fn body(
    d: &Dense,
    activation: Activation,
    scaling: Option<&Affine>,
    unrolled: bool,
    fma: bool,
) -> TokenStream {
    if unrolled {
        unrolled::body(d, activation, scaling, fma)
    } else if !half::handles(d) {
        blocked::call(d, activation, scaling, fma)
    } else if let Some(p) = tinyae_core::block_sparse::pattern(d) {
        block_sparse::float_call(d, &p, activation, scaling)
    } else if tinyae_core::sparse::compressed(d) {
        sparse::float_call(d, activation, scaling.map(|_| quote!(SCALING)))
    } else {
        half::call(d, activation, scaling.map(|_| quote!(SCALING)))
    }
}

/// Whether [`body`] emits a call of the runtime's f32 kernel (`rt::dense`) for the layer: the
/// RAM constants count that kernel's input buffer.
pub fn uses_kernel(d: &Dense, unrolled: bool) -> bool {
    !unrolled && !half::handles(d)
}

/// An f32 layer's `static B` (empty without a bias) and the kernel's bias argument, and its
/// scaling argument: `SCALING`, the model's input scaling (shared with the score and the
/// unscaling), when `scaling` is given.
fn f32_bias_and_scaling(
    d: &Dense,
    scaling: Option<&Affine>,
) -> (TokenStream, TokenStream, TokenStream) {
    let o_n = d.out_features;
    let (bias_static, bias_arg) = match &d.bias {
        Some(b) => {
            let values = crate::emit::literal::f32_array(&b.values);
            (quote!(static B: [f32; #o_n] = #values;), quote!(Some(&B)))
        }
        None => (quote!(), quote!(None)),
    };
    let scaling_arg = match scaling {
        Some(_) => quote!(Some(&SCALING)),
        None => quote!(None),
    };
    (bias_static, bias_arg, scaling_arg)
}
