//! `gaussian_head`: the mean head is the layer function (what `encode` returns); the
//! log-variance head is a second function `layer_j_log_var`, called by `sample_latent`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use tinyae_core::ir::GaussianHead;

use super::{EmitOp, LayerCtx};
use crate::emit::literal::usize_lit;
use crate::emit::weights;

impl EmitOp for GaussianHead {
    fn body(&self, ctx: &LayerCtx<'_>, items: &mut TokenStream) -> TokenStream {
        let activation = ctx.layer.activation;
        let log_var_name = format_ident!("layer_{}_log_var", ctx.j);
        let (i_n, o_n) = (usize_lit(ctx.input_len()), usize_lit(ctx.output_len()));
        let unrolled = ctx.options.unrolls(&self.log_var);
        let log_var = weights::body(&self.log_var, activation, ctx.scaling, unrolled, ctx.fma);
        items.extend(quote! {
            #[inline]
            fn #log_var_name(x: &[f32; #i_n], y: &mut [f32; #o_n]) { #log_var }
        });
        let unrolled = ctx.options.unrolls(&self.mu);
        weights::body(&self.mu, activation, ctx.scaling, unrolled, ctx.fma)
    }
}
