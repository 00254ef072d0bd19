//! Activations in generated code: as the values the runtime's kernels take (`rt::act::*`),
//! or as expressions over its scalar functions for straight-line code.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::Activation;

use super::literal::f32_lit;

/// The activation as the value the runtime's dense kernels take (`rt::act::*`, whose `apply`
/// is `#[inline(always)]`): never a closure, which LLVM may leave out of line (a call per
/// output, no vectorization). Layers of `outputs` >= [`BRANCHLESS_MIN_OUTPUTS`] use the
/// branch-free forms on SIMD targets.
pub fn value(activation: Activation, outputs: usize) -> TokenStream {
    let wide = outputs >= BRANCHLESS_MIN_OUTPUTS;
    match activation {
        Activation::Linear => quote!(rt::act::Linear),
        Activation::Relu => quote!(rt::act::Relu),
        Activation::Sigmoid => {
            quote!(rt::act::Sigmoid { wide: #wide })
        }
        Activation::LeakyRelu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::act::LeakyRelu { alpha: #alpha })
        }
        Activation::HardSigmoid { slope, offset } => {
            let (slope, offset) = (f32_lit(slope), f32_lit(offset));
            quote!(rt::act::HardSigmoid { slope: #slope, offset: #offset })
        }
        Activation::Tanh => {
            quote!(rt::act::Tanh { wide: #wide })
        }
        Activation::Elu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::act::Elu { alpha: #alpha, wide: #wide })
        }
        Activation::Softplus { beta, threshold } => {
            let (beta, threshold) = (f32_lit(beta), f32_lit(threshold));
            quote!(rt::act::Softplus { beta: #beta, threshold: #threshold, wide: #wide })
        }
    }
}

/// Kernel calls with at least this many outputs use the runtime's `branchless` sigmoid, tanh,
/// ELU and softplus: they compute every range's formula, which pays once a vector's worth of
/// outputs is evaluated at once, but costs more than `libm`'s well-predicted branches for one
/// or two values (the 3-2-3 sensor model: 50 vs 78 ns). Measured in docs/UNROLL.md.
const BRANCHLESS_MIN_OUTPUTS: usize = 8;

/// `activation(value)` as an expression over the runtime's functions; `wide` picks the
/// branch-free forms for vectorized loops.
pub fn apply(activation: Activation, value: TokenStream, wide: bool) -> TokenStream {
    match activation {
        Activation::Linear => value,
        Activation::Relu => quote!(rt::relu(#value)),
        Activation::LeakyRelu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::leaky_relu(#value, #alpha))
        }
        // The `branchless` functions equal the `rt::` activations bit for bit
        // and have no branches, so a block of them vectorizes.
        Activation::Sigmoid if wide => quote!(rt::branchless::sigmoid(#value)),
        Activation::Sigmoid => quote!(rt::sigmoid(#value)),
        Activation::HardSigmoid { slope, offset } => {
            let (slope, offset) = (f32_lit(slope), f32_lit(offset));
            quote!(rt::hard_sigmoid(#value, #slope, #offset))
        }
        Activation::Tanh if wide => quote!(rt::branchless::tanh(#value)),
        Activation::Tanh => quote!(rt::tanh(#value)),
        Activation::Elu { alpha } => {
            let alpha = f32_lit(alpha);
            if wide {
                quote!(rt::branchless::elu(#value, #alpha))
            } else {
                quote!(rt::elu(#value, #alpha))
            }
        }
        Activation::Softplus { beta, threshold } => {
            let (beta, threshold) = (f32_lit(beta), f32_lit(threshold));
            if wide {
                quote!(rt::branchless::softplus(#value, #beta, #threshold))
            } else {
                quote!(rt::softplus(#value, #beta, #threshold))
            }
        }
    }
}
