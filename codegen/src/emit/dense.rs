//! Dense layers: straight-line code with immediates, or a kernel call over `static` weights.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::ir::{Affine, Dense};
use tinyae_core::Activation;

use super::literal::{f32_array, f32_lit, f32_matrix};

/// The body of a function `fn(x: &[f32; IN], y: &mut [f32; OUT])` computing
/// `y = activation(b + W x')`, where `x'` is `x` scaled by `scaling` when given.
pub fn body(
    d: &Dense,
    activation: Activation,
    scaling: Option<&Affine>,
    unrolled: bool,
) -> TokenStream {
    if unrolled {
        straight_line(d, activation, scaling)
    } else {
        kernel_call(d, activation, scaling)
    }
}

/// One statement per output: `y[o] = act(b[o] + w[o][0] * x0 + w[o][1] * x1 + ...)`, summed
/// left to right in input order like the reference interpreter.
fn straight_line(d: &Dense, activation: Activation, scaling: Option<&Affine>) -> TokenStream {
    let inputs: Vec<Ident> = (0..d.in_features).map(|i| format_ident!("x{}", i)).collect();
    let bindings = inputs.iter().enumerate().map(|(i, name)| match scaling {
        Some(a) => {
            let (offset, scale) = (f32_lit(a.offset[i]), f32_lit(a.scale[i]));
            quote!(let #name = (x[#i] - #offset) * #scale;)
        }
        None => quote!(let #name = x[#i];),
    });
    let outputs = (0..d.out_features).map(|o| {
        let bias = f32_lit(d.b(o));
        let terms = inputs.iter().enumerate().map(|(i, name)| {
            let w = f32_lit(d.w(o, i));
            quote!(+ #w * #name)
        });
        let sum = quote!(#bias #(#terms)*);
        let value = apply(activation, sum);
        quote!(y[#o] = #value;)
    });
    quote! {
        #(#bindings)*
        #(#outputs)*
    }
}

/// A call of the runtime's const-generic kernel over transposed `static` weights.
fn kernel_call(d: &Dense, activation: Activation, scaling: Option<&Affine>) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let transposed: Vec<f32> =
        (0..i_n).flat_map(|i| (0..o_n).map(move |o| (i, o))).map(|(i, o)| d.w(o, i)).collect();
    let weights = f32_matrix(&transposed, o_n);
    let (bias_static, bias_arg) = match &d.bias {
        Some(b) => {
            let values = f32_array(&b.values);
            (quote!(static B: [f32; #o_n] = #values;), quote!(Some(&B)))
        }
        None => (quote!(), quote!(None)),
    };
    let call = match scaling {
        // `SCALING` is the model's input scaling, shared with the score and the unscaling.
        Some(_) => quote!(rt::dense_scaled(&W, #bias_arg, x, &SCALING, y);),
        None => quote!(rt::dense(&W, #bias_arg, x, y);),
    };
    let activate = match activation {
        Activation::Linear => quote!(),
        other => {
            let value = apply(other, quote!(v));
            quote!(rt::map(y, |v| #value);)
        }
    };
    quote! {
        /// Transposed: `W[i][o]` multiplies input `i` into output `o`.
        static W: [[f32; #o_n]; #i_n] = #weights;
        #bias_static
        #call
        #activate
    }
}

/// `activation(value)` as an expression over the runtime's functions.
pub fn apply(activation: Activation, value: TokenStream) -> TokenStream {
    match activation {
        Activation::Linear => value,
        Activation::Relu => quote!(rt::relu(#value)),
        Activation::LeakyRelu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::leaky_relu(#value, #alpha))
        }
        Activation::Sigmoid => quote!(rt::sigmoid(#value)),
        Activation::HardSigmoid { slope, offset } => {
            let (slope, offset) = (f32_lit(slope), f32_lit(offset));
            quote!(rt::hard_sigmoid(#value, #slope, #offset))
        }
        Activation::Tanh => quote!(rt::tanh(#value)),
        Activation::Elu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::elu(#value, #alpha))
        }
        Activation::Softplus { beta, threshold } => {
            let (beta, threshold) = (f32_lit(beta), f32_lit(threshold));
            quote!(rt::softplus(#value, #beta, #threshold))
        }
    }
}
