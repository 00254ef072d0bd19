//! int8 dense layers (docs/FORMAT.md "int8 layers"): integer code computing exactly what
//! `tinyae_core::quant` defines, over the constants the requantization plan derives.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::ir::{Dense, Quantization};
use tinyae_core::quant::{self, Finish, Plan};
use tinyae_core::Activation;

use crate::emit::bytes;
use crate::emit::literal::usize_lit;

/// Outputs per block of `rt::dense_i8` (`rt::BlockedI8`).
use tinyae_arith::layout::BLOCK_I8 as BLOCK;

/// The biases with the input zero point's share folded in: `bias[o] - zp · Σ_i w[o][i]`
/// (exact: validation bounds the sums below 2^31).
fn folded_bias(d: &Dense, q: &Quantization) -> Vec<i32> {
    let zp = i64::from(q.input.zero_point);
    (0..d.out_features)
        .map(|o| {
            let sum: i64 = (0..d.in_features).map(|i| d.w(o, i) as i64).sum();
            let b = i64::from(q.bias.get(o).copied().unwrap_or(0));
            (b - zp * sum) as i32
        })
        .collect()
}

/// `static RQ`, `static BIAS` (folded), `static LUT` when needed, and the finish expression.
fn constants(d: &Dense, q: &Quantization, plan: &Plan) -> (TokenStream, TokenStream) {
    let o = usize_lit(d.out_features);
    let rq = plan.requant.iter().map(|r| {
        let (m, s) = (Literal::i32_unsuffixed(r.multiplier), Literal::u8_unsuffixed(r.shift as u8));
        quote!(rt::Rq { m: #m, s: #s })
    });
    let bias = folded_bias(d, q).into_iter().map(Literal::i32_unsuffixed);
    let (lut, finish) = match &plan.finish {
        Finish::Linear => (quote!(), quote!(rt::Finish::Linear)),
        Finish::Relu => {
            let zp = Literal::i8_unsuffixed(q.output.zero_point as i8);
            (quote!(), quote!(rt::Finish::Relu(#zp)))
        }
        Finish::Table(t) => {
            let values = t.iter().map(|v| Literal::i8_unsuffixed(*v));
            (quote!(static LUT: [i8; 256] = [#(#values),*];), quote!(rt::Finish::Table(&LUT)))
        }
    };
    (
        quote! {
            static RQ: [rt::Rq; #o] = [#(#rq),*];
            static BIAS: [i32; #o] = [#(#bias),*];
            #lut
        },
        finish,
    )
}

/// The body of `fn layer_j(x: &[i8; IN], y: &mut [i8; OUT])` for one quantized layer: its
/// constants, then straight-line code, the compressed form or the blocked kernel.
pub fn body(d: &Dense, q: &Quantization, activation: Activation, unrolled: bool) -> TokenStream {
    let Some(plan) = quant::plan(d, q, activation) else { return quote!() };
    let (statics, finish) = constants(d, q, &plan);
    let zp = Literal::i32_unsuffixed(plan.zero_point);
    // The arguments every dense kernel takes after `w, x, y`: its `rt::OutI8` and its `rt::Finish`.
    let out_finish = quote!(rt::OutI8 { bias: &BIAS, rq: &RQ, zero_point: #zp }, #finish);
    let body = if unrolled {
        straight_line(d, &finish, &zp)
    } else if let Some(p) = tinyae_core::block_sparse::pattern(d) {
        let w = super::block_sparse::int8_weights(d, &p);
        quote! {
            #w
            rt::dense_block_sparse_i8(&W, x, y, #out_finish);
        }
    } else if tinyae_core::sparse::compressed(d) {
        let w = super::sparse::int8_weights(d);
        quote! {
            #w
            rt::dense_sparse_i8(&W, x, y, #out_finish);
        }
    } else {
        blocked(d, &out_finish)
    };
    quote! {
        #statics
        #body
    }
}

/// Straight-line integer code: no statement for a zero weight.
fn straight_line(d: &Dense, finish: &TokenStream, zp: &Literal) -> TokenStream {
    let used: Vec<usize> =
        (0..d.in_features).filter(|&i| (0..d.out_features).any(|o| d.w(o, i) != 0.0)).collect();
    let bindings = used.iter().map(|&i| {
        let name = format_ident!("x{}", i);
        quote!(let #name = i32::from(x[#i]);)
    });
    let outputs = (0..d.out_features).map(|o| {
        let acc = format_ident!("a{}", o);
        let terms = used.iter().filter(|&&i| d.w(o, i) != 0.0).map(|&i| {
            let (x, w) = (format_ident!("x{}", i), Literal::i32_unsuffixed(d.w(o, i) as i32));
            quote!(#acc = #acc.wrapping_add(#x.wrapping_mul(#w));)
        });
        quote! {
            #[allow(unused_mut)]
            let mut #acc = BIAS[#o];
            #(#terms)*
            y[#o] = rt::finish_one_wide(#acc, RQ[#o], #zp, #finish);
        }
    });
    quote! {
        #(#bindings)*
        #(#outputs)*
    }
}

/// A call of `rt::dense_i8` over int8 weights blocked by 32 outputs, input pairs
/// interleaved (`rt::BlockedI8`).
fn blocked(d: &Dense, out_finish: &TokenStream) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let pairs = i_n.div_ceil(2);
    let (tiles, rest) = (o_n / BLOCK, o_n % BLOCK);
    let w = |o: usize, i: usize| if i < i_n { d.w(o, i) as i8 } else { 0 };
    let (blocks, tail) = bytes::blocked(pairs, o_n, BLOCK, |out, o, p| {
        out.i8(w(o, 2 * p));
        out.i8(w(o, 2 * p + 1));
    });
    let (p_lit, t_lit, r_lit) = (usize_lit(pairs), usize_lit(tiles), usize_lit(rest));
    // Arm DSP cores and 32-bit RISC-V cores read their own orders (`int8_dsp.rs`,
    // `int8_rv32.rs`); one of the three is compiled.
    let (dsp, dsp_call) = (super::int8_dsp::dsp_cfg(), super::int8_dsp::call(d, out_finish));
    let (rv32, rv32_call) = (super::int8_rv32::rv32_cfg(), super::int8_rv32::call(d, out_finish));
    quote! {
        #[cfg(#dsp)]
        {
            #dsp_call
        }
        #[cfg(#rv32)]
        {
            #rv32_call
        }
        #[cfg(not(any(#dsp, #rv32)))]
        {
            static W: rt::BlockedI8<#p_lit, #t_lit, #r_lit> = rt::BlockedI8 {
                tiles: #blocks,
                tail: #tail,
            };
            rt::dense_i8(&W, x, y, #out_finish);
        }
    }
}
