//! IR → Rust code: one function per layer, then the public API wired through the buffer plan.

mod api;
mod conv;
mod dense;
mod doc;
mod half;
mod int8;
mod int8_api;
mod literal;
mod lstm;
mod pool;
mod reshape;
mod sparse;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Visibility;
use tinyae_core::ir::{Model, Op};
use tinyae_core::plan::{buffer_plan, fused_repeat, BufferPlan};

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
    let (layers, api, traits) = if tinyae_core::quant::all_quantized(&model.layers) {
        // int8 models: integer layers and their own API (`int8_api.rs`).
        (int8_api::model(model, target), quote!(), quote!())
    } else {
        (ctx.layer_functions(), api::inherent(&ctx), api::trait_impls(&ctx))
    };
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

    /// `fn layer_j(x: &[f32; IN], y: &mut [f32; OUT])` for every emitted layer (an LSTM also
    /// takes `state: &mut [f32; E]`); a Gaussian head also gets `layer_j_log_var`. Flatten and
    /// reshape layers move nothing and get no function.
    fn layer_functions(&self) -> TokenStream {
        let affine = self.model.preprocessing.affine(self.model.input_len());
        let shapes = self.model.shapes();
        let scales = tinyae_core::plan::first_layer_scales(self.model);
        let mut out = TokenStream::new();
        for (j, layer) in self.model.layers.iter().enumerate() {
            if !self.emits_layer(j) || layer.op.is_view() || fused_repeat(self.model, j) {
                continue;
            }
            // An LSTM after a fused repeat reads the repeat's input vector.
            let fused = j > 0 && fused_repeat(self.model, j - 1);
            let scaling = if j == 0 && scales { affine.as_ref() } else { None };
            let unrolled = |macs: usize| self.options.unroll.full_for(macs);
            let (input, output) = (&shapes[j], &shapes[j + 1]);
            let read = if fused { &shapes[j - 1] } else { input };
            let (i_n, o_n) = (read.iter().product::<usize>(), output.iter().product::<usize>());
            let (i_n_lit, o_n_lit) = (literal::usize_lit(i_n), literal::usize_lit(o_n));
            let name = self.layer_fn(j);
            let image = || match input.as_slice() {
                &[c, h, w] => [c, h, w],
                _ => [0; 3],
            };
            let mut state = None;
            let body = match &layer.op {
                Op::Dense(d) if d.in_features == i_n => {
                    dense::body(d, layer.activation, scaling, unrolled(i_n * o_n))
                }
                Op::Dense(d) => {
                    // Applied at every step: one function for a row, called per row.
                    let row = format_ident!("layer_{}_row", j);
                    let (ri, ro) = (d.in_features, d.out_features);
                    let row_body = dense::body(d, layer.activation, None, unrolled(ri * ro));
                    let (ri_lit, ro_lit) = (literal::usize_lit(ri), literal::usize_lit(ro));
                    out.extend(quote! {
                        #[inline]
                        fn #row(x: &[f32; #ri_lit], y: &mut [f32; #ro_lit]) { #row_body }
                    });
                    reshape::rows(&row, ri, ro, i_n / ri)
                }
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
                Op::Conv2d(c) => conv::conv2d(c, layer.activation, image()),
                Op::ConvTranspose2d(c) => conv::conv_transpose2d(c, layer.activation, image()),
                Op::MaxPool2d(p) => pool::max_pool2d(p, image()),
                Op::Upsample2d(u) => pool::upsample2d(u, image()),
                Op::Repeat(r) => reshape::repeat(i_n, r.times),
                Op::Lstm(l) => {
                    state = Some(literal::usize_lit(self.plan.state[j]));
                    let steps = input.first().copied().unwrap_or(0);
                    if fused {
                        lstm::body_repeated(l, steps)
                    } else {
                        lstm::body(l, steps)
                    }
                }
                Op::Flatten | Op::Reshape(_) => continue,
            };
            let doc = if layer.op.dense_parts().is_empty() || input.len() > 1 {
                format!(
                    " Layer `{}`: {} {input:?} → {output:?}, {}.",
                    layer.name,
                    layer.op.name(),
                    layer.activation.describe()
                )
            } else {
                format!(
                    " Layer `{}`: {} {i_n} → {o_n}, {}.",
                    layer.name,
                    layer.op.name(),
                    layer.activation.describe()
                )
            };
            let state = state.map(|e| quote!(, state: &mut [f32; #e]));
            out.extend(quote! {
                #[doc = #doc]
                #[inline]
                fn #name(x: &[f32; #i_n_lit], y: &mut [f32; #o_n_lit] #state) { #body }
            });
        }
        out
    }
}
