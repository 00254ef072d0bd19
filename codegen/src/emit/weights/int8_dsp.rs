//! int8 dense layers for Arm DSP cores: the weights in the order of `tinyae_arith::dsp` (four
//! outputs by four inputs per 16 bytes), read by the runtime's `smlad` kernel
//! (`rt::dense_i8_dsp`). Emitted next to the portable blocked form under
//! `tinyae_arith::dsp::DSP_PREDICATE`, so only one of the two is compiled in the user's crate.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_arith::dsp::{words, CHUNK, DSP_PREDICATE, GROUP};
use tinyae_core::ir::Dense;

use crate::emit::bytes::LeBytes;
use crate::emit::literal::usize_lit;

/// The `cfg` predicate of the targets that take the DSP order.
pub fn dsp_cfg() -> TokenStream {
    DSP_PREDICATE.parse().unwrap_or_default()
}

/// `static W: rt::DspI8<..>` and the call of `rt::dense_i8_dsp` (its `rt::OutI8` of `BIAS`
/// and `RQ`, the layer's other statics, and its finish).
pub fn call(d: &Dense, out_finish: &TokenStream) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let (chunks, groups) = (i_n.div_ceil(CHUNK), o_n.div_ceil(GROUP));
    let w = |o: usize, i: usize| if o < o_n && i < i_n { d.w(o, i) as i8 } else { 0 };
    let mut bytes = LeBytes::default();
    for g in 0..groups {
        (0..chunks).for_each(|c| words(w, g, c).into_iter().for_each(|v| bytes.u32(v)));
    }
    let groups_expr = bytes.expr();
    let (c_lit, g_lit) = (usize_lit(chunks), usize_lit(groups));
    quote! {
        static W: rt::DspI8<#c_lit, #g_lit> = rt::DspI8 { groups: #groups_expr };
        rt::dense_i8_dsp(&W, x, y, #out_finish);
    }
}
