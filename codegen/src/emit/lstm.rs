//! LSTM layers: weights regrouped per hidden unit with the four gates side by side, biases
//! folded, and a call of the runtime kernel. The layer function also takes the scratch region
//! the buffer plan reserves for its state.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::Lstm;

use super::literal::{f32_array, usize_lit};

/// `[[[w; 4]; K]; H]` where `w(r, k)` is the weight of gate row `r` for input `k`.
fn grouped(hidden: usize, inputs: usize, w: impl Fn(usize, usize) -> f32) -> TokenStream {
    let units = (0..hidden).map(|u| {
        let ks = (0..inputs).map(|k| {
            let gates: Vec<f32> = (0..4).map(|g| w(g * hidden + u, k)).collect();
            f32_array(&gates)
        });
        quote!([#(#ks),*])
    });
    quote!([#(#units),*])
}

/// The body of `fn(x: &[f32; T·I], y: &mut [f32; T·H or H], state: &mut [f32; E])` for an
/// LSTM over `steps` steps.
pub fn body(l: &Lstm, steps: usize) -> TokenStream {
    body_of(l, steps, false)
}

/// The body of `fn(x: &[f32; I], y, state)` for an LSTM after a repeat layer: the input vector
/// is the same at every step, so its terms are computed once (`tinyae_core::plan::fused_repeat`).
pub fn body_repeated(l: &Lstm, steps: usize) -> TokenStream {
    body_of(l, steps, true)
}

fn body_of(l: &Lstm, steps: usize, repeated: bool) -> TokenStream {
    let (i_n, h_n) = (l.input_size, l.hidden_size);
    let w_x = grouped(h_n, i_n, |r, k| l.w_ih(r, k));
    let w_h = grouped(h_n, h_n, |r, k| l.w_hh(r, k));
    let (i_lit, h_lit) = (usize_lit(i_n), usize_lit(h_n));
    let (bias_static, bias_arg) = if l.bias_ih.is_some() || l.bias_hh.is_some() {
        // `bias_ih + bias_hh` in f32, the reference interpreter's sum.
        let units = (0..h_n).map(|u| {
            let gates: Vec<f32> = (0..4).map(|g| l.b(g * h_n + u)).collect();
            f32_array(&gates)
        });
        (quote!(static B: [[f32; 4]; #h_lit] = [#(#units),*];), quote!(Some(&B)))
    } else {
        (quote!(), quote!(None))
    };
    let ni = usize_lit(steps * i_n);
    let call = if repeated {
        let t = usize_lit(steps);
        let no = usize_lit(steps * h_n);
        let e = usize_lit(l.state_len() + 4 * h_n);
        if l.return_sequences {
            quote!(rt::lstm_repeated_sequence::<#i_lit, #h_lit, #no, #e>(&WX, &WH, #bias_arg, x, y, state);)
        } else {
            quote!(rt::lstm_repeated_last::<#i_lit, #h_lit, #t, #e>(&WX, &WH, #bias_arg, x, y, state);)
        }
    } else if l.return_sequences {
        let no = usize_lit(steps * h_n);
        quote!(rt::lstm_sequence::<#i_lit, #h_lit, #ni, #no>(&WX, &WH, #bias_arg, x, y, state);)
    } else {
        let e = usize_lit(l.state_len());
        quote!(rt::lstm_last::<#i_lit, #h_lit, #ni, #e>(&WX, &WH, #bias_arg, x, y, state);)
    };
    quote! {
        /// Input weights per unit and input, gates i, f, g, o side by side.
        static WX: [[[f32; 4]; #i_lit]; #h_lit] = #w_x;
        /// Recurrent weights per unit and previous hidden unit, gates side by side.
        static WH: [[[f32; 4]; #h_lit]; #h_lit] = #w_h;
        #bias_static
        #call
    }
}
