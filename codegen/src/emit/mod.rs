//! IR → Rust code: one function per layer, then the public API wired through the buffer plan.

mod api;
mod dense;
mod doc;
mod literal;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Visibility;
use tinyae_core::ir::{Model, Op};
use tinyae_core::plan::{buffer_plan, BufferPlan};

use crate::options::Options;

/// What one expansion needs besides the model.
#[derive(Debug)]
pub struct Target<'a> {
    /// Visibility of the generated type.
    pub vis: &'a Visibility,
    /// Name of the generated type.
    pub name: &'a Ident,
    /// Options from the invocation.
    pub options: Options,
    /// Absolute path of the model file, tracked so cargo rebuilds when it changes.
    pub tracked_file: Option<&'a str>,
}

/// Emits the type, its layer functions, its API and its trait impls.
pub fn model(model: &Model, target: &Target<'_>) -> TokenStream {
    let plan = buffer_plan(model);
    let ctx = Context { model, plan: &plan, options: target.options, name: target.name };
    let (name, vis) = (target.name, target.vis);
    let docs = doc::summary(model, target.options, &plan);
    let layers = ctx.layer_functions();
    let api = api::inherent(&ctx);
    let traits = api::trait_impls(&ctx);
    let track = target.tracked_file.map(|path| {
        quote!(
            const _: &[u8] = include_bytes!(#path);
        )
    });
    quote! {
        #(#[doc = #docs])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #vis struct #name;

        #[allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]
        const _: () = {
            // Cargo rebuilds this crate when the model file changes.
            #track
            use ::tinyae::__private as rt;
            #layers
            #api
            #traits
        };
    }
}

/// Shared state of one expansion.
struct Context<'a> {
    model: &'a Model,
    plan: &'a BufferPlan,
    options: Options,
    name: &'a Ident,
}

impl Context<'_> {
    fn layer_fn(&self, j: usize) -> Ident {
        format_ident!("layer_{}", j)
    }

    fn emits_layer(&self, j: usize) -> bool {
        let in_encoder = j <= self.model.latent_layer;
        if in_encoder {
            self.options.parts.encoder()
        } else {
            self.options.parts.decoder()
        }
    }

    /// `fn layer_j(x: &[f32; IN], y: &mut [f32; OUT])` for every emitted layer; a Gaussian
    /// head also gets `layer_j_log_var`.
    fn layer_functions(&self) -> TokenStream {
        let affine = self.model.preprocessing.affine(self.model.input_len());
        let mut out = TokenStream::new();
        for (j, layer) in self.model.layers.iter().enumerate() {
            if !self.emits_layer(j) {
                continue;
            }
            let scaling = if j == 0 { affine.as_ref() } else { None };
            let unrolled = |macs: usize| self.options.unroll.full_for(macs);
            let (i_n, o_n) = (layer.op.in_features(), layer.op.out_features());
            let (i_n_lit, o_n_lit) = (literal::usize_lit(i_n), literal::usize_lit(o_n));
            let name = self.layer_fn(j);
            let body = match &layer.op {
                Op::Dense(d) => dense::body(d, layer.activation, scaling, unrolled(i_n * o_n)),
                Op::GaussianHead(h) => {
                    let log_var_name = format_ident!("layer_{}_log_var", j);
                    let log_var =
                        dense::body(&h.log_var, layer.activation, scaling, unrolled(i_n * o_n));
                    out.extend(quote! {
                        #[inline]
                        fn #log_var_name(x: &[f32; #i_n_lit], y: &mut [f32; #o_n_lit]) { #log_var }
                    });
                    dense::body(&h.mu, layer.activation, scaling, unrolled(i_n * o_n))
                }
                // `support::check` rejects these before anything is emitted.
                _ => continue,
            };
            let doc = format!(
                " Layer `{}`: {} {i_n} → {o_n}, {}.",
                layer.name,
                layer.op.name(),
                layer.activation.describe()
            );
            out.extend(quote! {
                #[doc = #doc]
                #[inline]
                fn #name(x: &[f32; #i_n_lit], y: &mut [f32; #o_n_lit]) { #body }
            });
        }
        out
    }
}
