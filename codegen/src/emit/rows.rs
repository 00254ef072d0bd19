//! A streamed model's code (`tinyae_core::rows`): one stage function per row stage, and the
//! `*_into` functions chaining them over rings cut from the scratch, stage after stage in the
//! row plan's order, the caller's input as the first producer and the caller's output filled
//! row by row.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use tinyae_core::ir::Op;
use tinyae_core::op::common::chw;
use tinyae_core::rows::{RowPlan, Stage};

use super::api::Stretch;
use super::literal::usize_lit;
use super::op::{self, StageCtx};
use super::Context;

impl Context<'_> {
    /// `fn layer_j_rows(src, ring[, tmp]) -> impl rt::Rows` for every emitted stage.
    pub(super) fn stage_functions(&self, rows: &RowPlan) -> TokenStream {
        let k = self.model.latent_layer;
        let mut out = TokenStream::new();
        for stage in rows.stages.iter().filter(|s| self.options.parts.emits(s.layer, k)) {
            out.extend(self.stage_function(stage));
        }
        out
    }

    fn stage_function(&self, stage: &Stage) -> TokenStream {
        let j = stage.layer;
        let layer = &self.model.layers[j];
        let ctx = op::LayerCtx {
            j,
            layer,
            input: &self.shapes[j],
            output: &self.shapes[j + 1],
            scaling: None,
            options: self.options,
            fused: false,
            values: self.emitted.values,
            fma: self.mac.typed(),
        };
        let pool = stage.pool.and_then(|p| match &self.model.layers[p].op {
            Op::MaxPool2d(pool) => Some((pool, &self.shapes[p + 1][..])),
            _ => None,
        });
        let sctx = StageCtx { depth: stage.depth, ring: stage.ring, pool, tmp: stage.tmp };
        let body = op::emitter(&layer.op).stage(&ctx, &sctx);
        let name = format_ident!("layer_{}_rows", j);
        let r = usize_lit(stage.ring);
        let tmp = (stage.tmp > 0).then(|| {
            let t = usize_lit(stage.tmp);
            quote!(, tmp: &'a mut [f32; #t])
        });
        let fused = pool.map_or(String::new(), |_| {
            format!(" with `{}` fused in", self.model.layers[stage.last()].name)
        });
        let doc = format!(
            " Layer `{}`: {}{fused}, row by row from a ring of {} input rows, {}.",
            layer.name,
            layer.op.name(),
            stage.depth,
            layer.activation.describe()
        );
        quote! {
            #[doc = #doc]
            #[inline]
            fn #name<'a, P: rt::Rows + 'a>(src: P, ring: &'a mut [f32; #r] #tmp) -> impl rt::Rows + 'a {
                #body
            }
        }
    }

    /// The statements of a streamed `*_into` function running `st` (the scratch parameter
    /// named `scratch`).
    pub(super) fn run_rows(&self, rows: &RowPlan, st: &Stretch) -> TokenStream {
        let (x, y) = (&st.x, &st.y);
        let [c, h, w] = chw(&self.shapes[st.from]);
        let n = usize_lit(c * h * w);
        let scaling = if st.raw { self.scaling_arg() } else { quote!(None) };
        let (c, h, w) = (usize_lit(c), usize_lit(h), usize_lit(w));
        let mut out = quote! {
            let rest: &mut [f32] = &mut scratch.0;
            let src = rt::input_rows::<#c, #h, #w, #n>(#x, #scaling);
        };
        for stage in rows.stretch(st.from, st.to) {
            let f = format_ident!("layer_{}_rows", stage.layer);
            let r = usize_lit(stage.ring);
            out.extend(quote!(let (ring, rest) = rt::take::<#r>(rest);));
            out.extend(if stage.tmp > 0 {
                let t = usize_lit(stage.tmp);
                quote! {
                    let (tmp, rest) = rt::take::<#t>(rest);
                    let src = #f(src, ring, tmp);
                }
            } else {
                quote!(let src = #f(src, ring);)
            });
        }
        let [_, oh, ow] = chw(&self.shapes[st.to + 1]);
        let (oh, ow, s) = (usize_lit(oh), usize_lit(ow), usize_lit(oh * ow));
        let m = usize_lit(self.shapes[st.to + 1].iter().product());
        out.extend(quote! {
            let _ = rest;
            rt::rows_into::<_, #oh, #ow, #s, #m>(src, #y);
        });
        out
    }
}
