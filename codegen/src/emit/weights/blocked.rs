//! Float dense layers in the runtime's blocked f32 kernel (`rt::dense`): weights in blocks of
//! outputs, each transposed, in `static` arrays.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{Affine, Dense};
use tinyae_core::Activation;

use tinyae_arith::layout::{BLOCK, SIMD_GROUP, SIMD_PREDICATE};

use crate::emit::bytes::{self, LeBytes};

/// The `cfg` predicate of the targets with the SIMD kernels, which read the weights in the
/// grouped order (the runtime picks its kernels by the same `tinyae_arith` definition).
fn simd_cfg() -> TokenStream {
    SIMD_PREDICATE.parse().unwrap_or_default()
}

/// A call of the runtime's const-generic kernel over blocked, transposed `static` weights
/// (with `fma`, in the expansion's `Mac` form: the layer's type names it).
pub fn call(d: &Dense, activation: Activation, scaling: Option<&Affine>, fma: bool) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let block = BLOCK;
    let (tiles, rest) = (o_n / block, o_n % block);
    let (blocks, tail) = bytes::blocked(i_n, o_n, block, |out, o, i| out.f32(d.w(o, i)));
    // SIMD targets read each full group of `SIMD_GROUP` blocks as one `[input][32 outputs]`
    // run (the runtime's `simd.rs`): the same values, reordered within the group; the blocks
    // after the last full group as on other targets.
    let simd_blocks = || {
        let mut out = LeBytes::default();
        let width = block * SIMD_GROUP;
        for g in 0..tiles / SIMD_GROUP {
            (0..i_n).for_each(|i| (0..width).for_each(|c| out.f32(d.w(g * width + c, i))));
        }
        for t in tiles - tiles % SIMD_GROUP..tiles {
            (0..i_n).for_each(|i| (t * block..(t + 1) * block).for_each(|o| out.f32(d.w(o, i))));
        }
        out.expr()
    };
    let (bias_static, bias_arg, scaling_arg) = super::f32_bias_and_scaling(d, scaling);
    let act = crate::emit::act::value(activation, o_n);
    let doc = format!(
        " Blocks of {block} outputs, each transposed: `tiles[t][i][k]` multiplies input `i` into output `t * {block} + k`; `tail` holds the last {rest}."
    );
    // Only one of the two orders is compiled in the user's crate.
    let simd = simd_cfg();
    let weights = if tiles >= SIMD_GROUP {
        let simd_blocks = simd_blocks();
        quote! {
            #[cfg(#simd)]
            #[doc = #doc]
            static W: rt::Blocked<#i_n, #tiles, #rest> = rt::Blocked {
                tiles: #simd_blocks,
                tail: #tail,
            };
            #[cfg(not(#simd))]
            #[doc = #doc]
            static W: rt::Blocked<#i_n, #tiles, #rest> = rt::Blocked {
                tiles: #blocks,
                tail: #tail,
            };
        }
    } else {
        quote! {
            #[doc = #doc]
            static W: rt::Blocked<#i_n, #tiles, #rest> = rt::Blocked {
                tiles: #blocks,
                tail: #tail,
            };
        }
    };
    let mac = if fma { quote!(, Mac) } else { quote!() };
    quote! {
        #weights
        #bias_static
        static L: rt::Dense<'static, #i_n, #tiles, #rest, #o_n #mac> =
            rt::Dense::new(&W, #bias_arg, #scaling_arg);
        rt::dense(&L, x, y, #act);
    }
}
