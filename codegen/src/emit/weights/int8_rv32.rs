//! int8 dense layers for 32-bit RISC-V cores: the weights in the order of
//! `tinyae_arith::rv32` (blocks of 16, 8, 4 and 1 outputs, each input by input), read by the
//! runtime's `lb`/`mul`/`add` kernel (`rt::dense_i8_rv32`). Emitted next to the portable
//! blocked form under `tinyae_arith::rv32::RV32_PREDICATE`, so only one is compiled.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_arith::rv32::{order, RV32_PREDICATE};
use tinyae_core::ir::Dense;

use crate::emit::bytes::LeBytes;
use crate::emit::literal::usize_lit;

/// The `cfg` predicate of the targets that take the RISC-V order.
pub fn rv32_cfg() -> TokenStream {
    RV32_PREDICATE.parse().unwrap_or_default()
}

/// `static W: rt::Rv32I8<..>` and the call of `rt::dense_i8_rv32` (its `rt::OutI8` of `BIAS`
/// and `RQ`, the layer's other statics, and its finish).
pub fn call(d: &Dense, out_finish: &TokenStream) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let mut bytes = LeBytes::default();
    order(|o, i| d.w(o, i) as i8, i_n, o_n).for_each(|v| bytes.i8(v));
    let (w_expr, b_lit) = (bytes.expr(), usize_lit(i_n * o_n));
    quote! {
        static W: rt::Rv32I8<#b_lit> = rt::Rv32I8 { w: #w_expr };
        rt::dense_i8_rv32(&W, x, y, #out_finish);
    }
}
