//! `lstm`: weights regrouped per hidden unit with the four gates side by side, biases folded,
//! and a call of the runtime kernel. The layer function also takes the scratch region the
//! buffer plan reserves for its state.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{Lstm, OpSpec};

use super::{EmitOp, LayerCtx};
use crate::emit::bytes;
use crate::emit::literal::{f32_array, usize_lit};

/// `[[[w; 4]; K]; H]` where `w(r, k)` is the weight of gate row `r` for input `k`.
fn grouped(hidden: usize, inputs: usize, w: impl Fn(usize, usize) -> f32) -> TokenStream {
    let cells = (0..hidden).flat_map(|u| (0..inputs).flat_map(move |k| (0..4).map(move |g| (u, k, g))));
    bytes::f32s(cells.map(|(u, k, g)| w(g * hidden + u, k)))
}

impl EmitOp for Lstm {
    /// `fn(x: &[f32; T·I], y: &mut [f32; T·H or H], state: &mut [f32; E])` over `T` steps; after
    /// a fused repeat `x` is the repeated vector `&[f32; I]`, whose input terms are computed
    /// once (`tinyae_core::plan::fused_repeat`).
    fn body(&self, ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        let steps = ctx.input.first().copied().unwrap_or(0);
        let (i_n, h_n) = (self.input_size, self.hidden_size);
        let w_x = grouped(h_n, i_n, |r, k| self.w_ih(r, k));
        let w_h = grouped(h_n, h_n, |r, k| self.w_hh(r, k));
        let (i_lit, h_lit) = (usize_lit(i_n), usize_lit(h_n));
        let (bias_static, bias_arg) = if self.bias_ih.is_some() || self.bias_hh.is_some() {
            // `bias_ih + bias_hh` in f32, the reference interpreter's sum.
            let units = (0..h_n).map(|u| {
                let gates: Vec<f32> = (0..4).map(|g| self.b(g * h_n + u)).collect();
                f32_array(&gates)
            });
            (quote!(static B: [[f32; 4]; #h_lit] = [#(#units),*];), quote!(Some(&B)))
        } else {
            (quote!(), quote!(None))
        };
        let ni = usize_lit(steps * i_n);
        let call = if ctx.fused {
            let t = usize_lit(steps);
            let no = usize_lit(steps * h_n);
            let e = usize_lit(self.state_len() + 4 * h_n);
            if self.return_sequences {
                quote!(rt::lstm_repeated_sequence::<#i_lit, #h_lit, #no, #e>(&WX, &WH, #bias_arg, x, y, state);)
            } else {
                quote!(rt::lstm_repeated_last::<#i_lit, #h_lit, #t, #e>(&WX, &WH, #bias_arg, x, y, state);)
            }
        } else if self.return_sequences {
            let no = usize_lit(steps * h_n);
            quote!(rt::lstm_sequence::<#i_lit, #h_lit, #ni, #no>(&WX, &WH, #bias_arg, x, y, state);)
        } else {
            let e = usize_lit(self.state_len());
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
}
