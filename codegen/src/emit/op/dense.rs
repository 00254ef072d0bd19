//! `dense`: the layer in the form its weights call for (`super::super::weights`), over the whole
//! sample, or applied at every step through a row function.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use tinyae_core::ir::Dense;
use tinyae_core::plan::Values;

use super::{EmitOp, LayerCtx};
use crate::emit::literal::usize_lit;
use crate::emit::weights;

impl EmitOp for Dense {
    fn body(&self, ctx: &LayerCtx<'_>, items: &mut TokenStream) -> TokenStream {
        let activation = ctx.layer.activation;
        let unrolled = ctx.options.unrolls(self);
        if let (Values::Int8, Some(q)) = (ctx.values, &self.quant) {
            return weights::int8::body(self, q, activation, unrolled);
        }
        if self.in_features == ctx.input_len() {
            return weights::body(self, activation, ctx.scaling, unrolled, ctx.fma);
        }
        // Applied at every step: one function for a row, called per row.
        let row = format_ident!("layer_{}_row", ctx.j);
        let (ri, ro) = (self.in_features, self.out_features);
        let row_body = weights::body(self, activation, None, unrolled, ctx.fma);
        let (ri_lit, ro_lit) = (usize_lit(ri), usize_lit(ro));
        items.extend(quote! {
            #[inline]
            fn #row(x: &[f32; #ri_lit], y: &mut [f32; #ro_lit]) { #row_body }
        });
        let sizes = [ri, ro, ctx.input_len(), ctx.output_len()].map(usize_lit);
        quote!(rt::rows::<#(#sizes),*>(x, y, #row);)
    }
}
