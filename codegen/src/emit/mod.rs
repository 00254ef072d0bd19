//! IR → Rust code: one function per layer (each layer kind's emitter in `op/`), then the public
//! API wired through the core's buffer plan, the same emitter for every precision.

mod act;
mod api;
mod bytes;
mod doc;
pub mod fma;
mod literal;
mod mixed;
mod op;
mod precision;
mod rows;
mod run;
mod stream;
mod traits;
mod weights;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Visibility;
use tinyae_core::emission::{emitted, Emitted, Options};
use tinyae_core::ir::{Affine, Model};
use tinyae_core::plan::{fused_repeat, BufferPlan, Values};

use precision::Precision;

/// The values of a model's encoder and decoder when each half has one precision
/// (`emit/mixed.rs`).
pub fn mixed_halves(model: &Model) -> Option<(Values, Values)> {
    mixed::halves(model)
}

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
    if mixed::is_split(model, target.options.parts) {
        return mixed::model(model, target);
    }
    expand(model, target, |_| TokenStream::new())
}

/// [`model`] for one precision; `extra` adds items beside the API, where the layer functions
/// are in scope.
fn expand(
    model: &Model,
    target: &Target<'_>,
    extra: impl Fn(&Context<'_>) -> TokenStream,
) -> TokenStream {
    let emitted = emitted(model, target.options);
    let n = model.input_len();
    let ctx = Context {
        model,
        emitted: &emitted,
        plan: &emitted.plan,
        options: target.options,
        name: target.name,
        precision: Precision::of(model, target.options.parts),
        mac: fma::Form::of(model, target.options),
        shapes: model.shapes(),
        affine: model.preprocessing.affine(n),
        n,
        l: model.latent_len(),
    };
    let docs = doc::summary(model, &emitted, target.options);
    let layers = ctx.layer_functions();
    let api = api::inherent(&ctx);
    let traits = traits::impls(&ctx);
    let stream = stream::items(&ctx);
    let extra = extra(&ctx);
    let mac = ctx.mac.items();
    let body = quote! {
        use ::tinyae::__private as rt;
        #mac
        #layers
        #api
        #stream
        #traits
        #extra
    };
    wrap(&docs, target, body)
}

/// The generated type with its documentation, and `body` in an anonymous `const` block that
/// also makes cargo track the model file.
fn wrap(docs: &[String], target: &Target<'_>, body: TokenStream) -> TokenStream {
    let (name, vis) = (target.name, target.vis);
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
            #body
        };
    }
}

/// Shared state of one expansion.
struct Context<'a> {
    model: &'a Model,
    emitted: &'a Emitted,
    plan: &'a BufferPlan,
    options: Options,
    name: &'a Ident,
    precision: Precision,
    /// The multiply-accumulate of float dense layers (the `fma` option).
    mac: fma::Form,
    /// The input shape (index 0) and every layer's output shape.
    shapes: Vec<Vec<usize>>,
    /// The model's input scaling, if any.
    affine: Option<Affine>,
    /// Values in one input sample.
    n: usize,
    /// Values in the latent code.
    l: usize,
}

impl Context<'_> {
    fn layer_fn(&self, j: usize) -> Ident {
        format_ident!("layer_{}", j)
    }

    /// `fn layer_j(x: &[T; IN], y: &mut [T; OUT])` for every emitted layer (an LSTM also takes
    /// `state: &mut [f32; E]`), after the helper functions its emitter asks for. Flatten and
    /// reshape layers move nothing and get no function; nor does a repeat an LSTM reads.
    fn layer_functions(&self) -> TokenStream {
        if let Some(rows) = &self.plan.rows {
            return self.stage_functions(rows);
        }
        let scales = tinyae_core::plan::first_layer_scales(self.model);
        let values = Values::of_parts(self.model, self.options.parts);
        let ty = self.precision.element();
        let mut out = TokenStream::new();
        for (j, layer) in self.model.layers.iter().enumerate() {
            let emitted = self.options.parts.emits(j, self.model.latent_layer);
            if !emitted || layer.op.is_view() || fused_repeat(self.model, j) {
                continue;
            }
            // An LSTM after a fused repeat reads the repeat's input vector.
            let fused = j > 0 && fused_repeat(self.model, j - 1);
            let (input, output) = (&self.shapes[j], &self.shapes[j + 1]);
            let read = if fused { &self.shapes[j - 1] } else { input };
            let ctx = op::LayerCtx {
                j,
                layer,
                input,
                output,
                scaling: if j == 0 && scales { self.affine.as_ref() } else { None },
                options: self.options,
                fused,
                values,
                fma: self.mac.typed(),
            };
            let body = op::emitter(&layer.op).body(&ctx, &mut out);
            let (i_n, o_n) = (read.iter().product::<usize>(), output.iter().product::<usize>());
            let whole = layer.op.dense_parts().first().is_some_and(|_| input.len() == 1);
            let sizes = if whole {
                format!("{i_n} → {o_n}")
            } else {
                format!("{input:?} → {output:?}")
            };
            let doc = format!(
                " Layer `{}`: {}{} {sizes}, {}.",
                layer.name,
                self.precision.prefix(),
                layer.op.name(),
                layer.activation.describe()
            );
            let state = self.plan.state[j];
            let state = (state > 0).then(|| {
                let e = literal::usize_lit(state);
                quote!(, state: &mut [f32; #e])
            });
            let name = self.layer_fn(j);
            let (i_n, o_n) = (literal::usize_lit(i_n), literal::usize_lit(o_n));
            out.extend(quote! {
                #[doc = #doc]
                #[inline]
                fn #name(x: &[#ty; #i_n], y: &mut [#ty; #o_n] #state) { #body }
            });
        }
        out
    }
}
