//! The public API of a generated model: constants, by-value and `*_into` functions, traits.
//!
//! Every function is a fixed sequence of layer calls; which part of the scratch each layer
//! reads and writes comes from the core's buffer plan.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use tinyae_core::cost::{layer_cost, LayersCost};
use tinyae_core::ir::{Metric, Model, ModelKind};
use tinyae_core::plan::Place;

use super::literal::{f32_array, f32_lit, usize_lit};
use super::Context;
use crate::Parts;

/// Where a run of layers starts or ends.
enum End {
    /// A buffer the caller passed (an identifier in scope).
    Caller(TokenStream),
    /// The layer's place in the buffer plan.
    Plan,
}

/// The sizes every signature uses.
struct Sizes {
    n: usize,
    l: usize,
    s: usize,
}

fn sizes(model: &Model, ctx: &Context<'_>) -> Sizes {
    Sizes { n: model.input_len(), l: model.latent_len(), s: ctx.plan.scratch_len }
}

/// Where a layer reads or writes.
#[derive(Clone)]
enum Loc {
    /// A caller's buffer (an identifier in scope).
    Caller(TokenStream),
    /// A region of the scratch array.
    Scratch(Place),
}

impl Context<'_> {
    /// Statements running layers `from..=to`, reading `input` and writing `output`, with the
    /// scratch array bound to `s`. Raw input from the caller is scaled into scratch first
    /// when the first layer cannot scale it on the fly (`BufferPlan::scaled_input`).
    fn run(&self, from: usize, to: usize, input: End, output: End) -> TokenStream {
        let s = self.plan.scratch_len;
        let s_lit = usize_lit(s);
        let shapes = self.model.shapes();
        let len = |j: usize| usize_lit(shapes[j].iter().product());
        let mut out = TokenStream::new();
        let mut src = match input {
            End::Caller(x) => match (from, self.plan.scaled_input) {
                (0, Some(place)) => {
                    let view = single_view(place);
                    let n = len(0);
                    out.extend(quote!(rt::scale_into(#x, &SCALING, rt::#view::<#s_lit, #n>(s));));
                    Loc::Scratch(place)
                }
                _ => Loc::Caller(x),
            },
            End::Plan => Loc::Scratch(self.plan.places[from - 1]),
        };
        for j in from..=to {
            let layer = &self.model.layers[j];
            if j < to && tinyae_core::plan::fused_repeat(self.model, j) {
                // Not written: the LSTM after it reads its input (`src`).
                continue;
            }
            let fused = j > 0 && tinyae_core::plan::fused_repeat(self.model, j - 1);
            let (a, b) = (if fused { len(j - 1) } else { len(j) }, len(j + 1));
            let dst = match (&output, j == to) {
                (End::Caller(t), true) => Loc::Caller(t.clone()),
                _ => Loc::Scratch(self.plan.places[j]),
            };
            let f = self.layer_fn(j);
            let state = self.plan.state[j];
            let e = usize_lit(state);
            out.extend(match (&src, &dst) {
                _ if layer.op.is_view() => view_copy(&src, &dst, &s_lit, &a),
                (Loc::Caller(x), Loc::Caller(y)) if state > 0 => {
                    quote!(#f(#x, #y, rt::front::<#s_lit, #e>(s));)
                }
                (Loc::Caller(x), Loc::Caller(y)) => quote!(#f(#x, #y);),
                (Loc::Caller(x), Loc::Scratch(p)) if state > 0 => {
                    let call = if *p == Place::Front {
                        quote!(let (output, state) = rt::front_back::<#s_lit, #b, #e>(s);)
                    } else {
                        quote!(let (state, output) = rt::front_back::<#s_lit, #e, #b>(s);)
                    };
                    quote! {{ #call #f(#x, output, state); }}
                }
                (Loc::Caller(x), Loc::Scratch(p)) => {
                    let view = single_view(*p);
                    quote!(#f(#x, rt::#view::<#s_lit, #b>(s));)
                }
                (Loc::Scratch(p), Loc::Caller(y)) if state > 0 => {
                    let call = if *p == Place::Front {
                        quote!(let (input, state) = rt::front_back::<#s_lit, #a, #e>(s);)
                    } else {
                        quote!(let (state, input) = rt::front_back::<#s_lit, #e, #a>(s);)
                    };
                    quote! {{ #call #f(input, #y, state); }}
                }
                (Loc::Scratch(p), Loc::Caller(y)) => {
                    let view = single_view(*p);
                    quote!(#f(rt::#view::<#s_lit, #a>(s), #y);)
                }
                (Loc::Scratch(p), Loc::Scratch(_)) if state > 0 => {
                    let view = if *p == Place::Front {
                        quote!(front_state_back)
                    } else {
                        quote!(back_state_front)
                    };
                    quote! {{
                        let (input, state, output) = rt::#view::<#s_lit, #a, #e, #b>(s);
                        #f(input, output, state);
                    }}
                }
                (Loc::Scratch(p), Loc::Scratch(_)) => {
                    let view = pair_view(*p);
                    quote! {{
                        let (input, output) = rt::#view::<#s_lit, #a, #b>(s);
                        #f(input, output);
                    }}
                }
            });
            src = dst;
        }
        out
    }

    /// Whether running layers `from..=to` between caller buffers touches scratch.
    fn uses_scratch(&self, from: usize, to: usize, input: &End, output: &End) -> bool {
        let prescaled = from == 0 && self.plan.scaled_input.is_some();
        !(from == to
            && matches!(input, End::Caller(_))
            && matches!(output, End::Caller(_))
            && !prescaled
            && self.plan.state[from] == 0)
    }

    /// `let s = &mut scratch.0;` when the run touches scratch, else a use of `scratch` that
    /// keeps the parameter from being reported unused.
    fn bind_scratch(&self, uses: bool) -> TokenStream {
        if uses {
            quote!(let s = &mut scratch.0;)
        } else {
            quote!(let _ = scratch;)
        }
    }
}

/// A flatten or reshape layer: nothing to do where its output stays in place, a copy where
/// it meets a caller's buffer.
fn view_copy(
    src: &Loc,
    dst: &Loc,
    s: &proc_macro2::Literal,
    n: &proc_macro2::Literal,
) -> TokenStream {
    match (src, dst) {
        (Loc::Scratch(a), Loc::Scratch(b)) if a == b => quote!(),
        (Loc::Caller(x), Loc::Caller(y)) => quote!(rt::copy(#x, #y);),
        (Loc::Caller(x), Loc::Scratch(p)) => {
            let view = single_view(*p);
            quote!(rt::copy(#x, rt::#view::<#s, #n>(s));)
        }
        (Loc::Scratch(p), Loc::Caller(y)) => {
            let view = single_view(*p);
            quote!(rt::copy(rt::#view::<#s, #n>(s), #y);)
        }
        (Loc::Scratch(p), Loc::Scratch(_)) => {
            let view = pair_view(*p);
            quote! {{
                let (input, output) = rt::#view::<#s, #n, #n>(s);
                rt::copy(input, output);
            }}
        }
    }
}

fn single_view(place: Place) -> TokenStream {
    match place {
        Place::Front => quote!(front),
        _ => quote!(back),
    }
}

fn pair_view(input: Place) -> TokenStream {
    match input {
        Place::Front => quote!(front_to_back),
        _ => quote!(back_to_front),
    }
}

/// The inherent `impl` with constants and functions, plus the model-level statics.
pub fn inherent(ctx: &Context<'_>) -> TokenStream {
    let model = ctx.model;
    let Sizes { n, l, s } = sizes(model, ctx);
    let name = ctx.name;
    let parts = ctx.options.parts;
    let (k, last) = (model.latent_layer, model.layers.len() - 1);
    let affine = model.preprocessing.affine(n);
    let n_lit = usize_lit(n);

    let shapes = model.shapes();
    let cost = model
        .layers
        .iter()
        .enumerate()
        .filter(|(j, _)| ctx.emits_layer(*j))
        .map(|(j, l)| {
            let mut c = layer_cost(l, &shapes[j]);
            // Compressed (pruned) and unrolled layers store fewer bytes than the file.
            if let Some(bytes) = super::half::weight_bytes(l, ctx.options.unroll) {
                c.weight_bytes = bytes;
            }
            c
        })
        .fold(LayersCost::default(), |t, c| LayersCost {
            params: t.params + c.params,
            macs: t.macs + c.macs,
            weight_bytes: t.weight_bytes + c.weight_bytes,
        });
    // LSTMs after a fused repeat compute their input terms once, not at every step.
    let cost = LayersCost {
        macs: cost.macs
            - (0..model.layers.len())
                .filter(|j| ctx.emits_layer(*j))
                .map(|j| tinyae_core::cost_ops::fused_savings(model, j..j + 1))
                .sum::<usize>(),
        ..cost
    };
    let (scaling_static, scaling_bytes) = match &affine {
        None => (quote!(), 0),
        Some(a) if is_uniform(&a.offset) && is_uniform(&a.scale) && is_uniform(&a.range) => {
            let (o, sc, r) = (f32_lit(a.offset[0]), f32_lit(a.scale[0]), f32_lit(a.range[0]));
            (
                quote! {
                    #[allow(dead_code)]
                    static SCALING: rt::Scaling<'static, #n_lit> = rt::Scaling::Uniform { offset: #o, scale: #sc, range: #r };
                },
                0,
            )
        }
        Some(a) => {
            let (o, sc, r) = (f32_array(&a.offset), f32_array(&a.scale), f32_array(&a.range));
            (
                quote! {
                    #[allow(dead_code)]
                    static SCALING: rt::Scaling<'static, #n_lit> = rt::Scaling::PerFeature { offset: &#o, scale: &#sc, range: &#r };
                },
                3 * n * 4,
            )
        }
    };
    let (params, macs, weight_bytes) = (cost.params, cost.macs, cost.weight_bytes + scaling_bytes);
    let largest_output = if parts.decoder() { n } else { l };
    // The by-value functions hold their scratch and the array they fill, and return a copy of
    // it (LLVM does not elide that copy when the call is not inlined).
    let buffer_bytes = (s + 2 * largest_output) * 4;
    let scaling_arg = if affine.is_some() { quote!(Some(&SCALING)) } else { quote!(None) };
    let (frame_extra, frame_doc) = if scaled_input_kernel(ctx) {
        (
            quote!(+ ::tinyae::__private::scaled_input_buffer_bytes(#n_lit)),
            " Stack the `*_into` functions need beyond the caller's buffers: [`tinyae::FRAME_ALLOWANCE`] for call frames, plus the buffer the first layer's kernel scales raw inputs into on cores without SIMD.",
        )
    } else {
        (
            quote!(),
            " Stack the `*_into` functions need beyond the caller's buffers: [`tinyae::FRAME_ALLOWANCE`] for call frames.",
        )
    };
    let unscale = if affine.is_some() { quote!(rt::unscale(y, &SCALING);) } else { quote!() };
    let (l_lit, s_lit) = (usize_lit(l), usize_lit(s));
    let (params_lit, macs_lit) = (usize_lit(params), usize_lit(macs));
    let (weight_bytes_lit, buffer_bytes_lit) = (usize_lit(weight_bytes), usize_lit(buffer_bytes));

    let mut fns = TokenStream::new();
    if parts.encoder() {
        let uses = ctx.uses_scratch(0, k, &End::Caller(quote!(x)), &End::Caller(quote!(z)));
        let bind = ctx.bind_scratch(uses);
        let run = ctx.run(0, k, End::Caller(quote!(x)), End::Caller(quote!(z)));
        fns.extend(quote! {
            /// The latent code of `x` (raw input in user units; the scaling is built in).
            #[inline]
            pub fn encode(x: &[f32; #n_lit]) -> [f32; #l_lit] {
                let mut scratch = ::tinyae::Scratch::<#s_lit>::new();
                let mut z = [0.0f32; #l_lit];
                Self::encode_into(x, &mut scratch, &mut z);
                z
            }

            /// [`Self::encode`] into `z`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn encode_into(x: &[f32; #n_lit], scratch: &mut ::tinyae::Scratch<#s_lit>, z: &mut [f32; #l_lit]) {
                #bind
                #run
            }
        });
        if model.kind == ModelKind::Vae {
            fns.extend(sample_latent(ctx));
        }
    }
    if parts.decoder() {
        let uses = ctx.uses_scratch(k + 1, last, &End::Caller(quote!(z)), &End::Caller(quote!(y)));
        let bind = ctx.bind_scratch(uses);
        let run = ctx.run(k + 1, last, End::Caller(quote!(z)), End::Caller(quote!(y)));
        fns.extend(quote! {
            /// The decoded values of latent code `z`, in user units.
            #[inline]
            pub fn decode(z: &[f32; #l_lit]) -> [f32; #n_lit] {
                let mut scratch = ::tinyae::Scratch::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::decode_into(z, &mut scratch, &mut y);
                y
            }

            /// [`Self::decode`] into `y`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn decode_into(z: &[f32; #l_lit], scratch: &mut ::tinyae::Scratch<#s_lit>, y: &mut [f32; #n_lit]) {
                #bind
                #run
                #unscale
            }
        });
    }
    if parts.encoder() && parts.decoder() {
        let run = ctx.run(0, last, End::Caller(quote!(x)), End::Caller(quote!(y)));
        let metric = metric(model);
        fns.extend(quote! {
            /// The reconstruction of `x`, in user units.
            #[inline]
            pub fn reconstruct(x: &[f32; #n_lit]) -> [f32; #n_lit] {
                let mut scratch = ::tinyae::Scratch::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::reconstruct_into(x, &mut scratch, &mut y);
                y
            }

            /// [`Self::reconstruct`] into `y`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn reconstruct_into(x: &[f32; #n_lit], scratch: &mut ::tinyae::Scratch<#s_lit>, y: &mut [f32; #n_lit]) {
                let s = &mut scratch.0;
                #run
                #unscale
            }

            /// The reconstruction error of `x` with the model's metric, in the scaled space it
            /// was trained in (what the threshold is calibrated against).
            #[inline]
            pub fn anomaly_score(x: &[f32; #n_lit]) -> f32 {
                let mut scratch = ::tinyae::Scratch::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::anomaly_score_into(x, &mut scratch, &mut y)
            }

            /// [`Self::anomaly_score`] with caller buffers; `y` receives the scaled-space
            /// reconstruction.
            #[inline]
            pub fn anomaly_score_into(x: &[f32; #n_lit], scratch: &mut ::tinyae::Scratch<#s_lit>, y: &mut [f32; #n_lit]) -> f32 {
                let s = &mut scratch.0;
                #run
                rt::score(#metric, x, #scaling_arg, y)
            }
        });
        if let Some(anomaly) = &model.anomaly {
            let threshold = f32_lit(anomaly.threshold);
            let doc = format!(" Scores above this are anomalies ({}).", calibration_text(model));
            fns.extend(quote! {
                #[doc = #doc]
                pub const THRESHOLD: f32 = #threshold;

                /// `anomaly_score(x) > THRESHOLD`.
                #[inline]
                pub fn is_anomaly(x: &[f32; #n_lit]) -> bool {
                    Self::anomaly_score(x) > Self::THRESHOLD
                }
            });
        }
    }

    quote! {
        #scaling_static

        impl #name {
            /// Values in one input sample.
            pub const INPUT_LEN: usize = #n_lit;
            /// Values in the latent code.
            pub const LATENT_LEN: usize = #l_lit;
            /// Weights plus biases of the generated layers.
            pub const PARAMS: usize = #params_lit;
            /// Multiply-accumulates of one pass through the generated layers.
            pub const MACS: usize = #macs_lit;
            /// Flash taken by constant data: weights, biases and per-feature input scaling.
            pub const WEIGHT_BYTES: usize = #weight_bytes_lit;
            /// Length of the scratch the `*_into` functions take.
            pub const SCRATCH_LEN: usize = #s_lit;
            /// Bytes of arrays the by-value functions keep on the stack: their scratch, the
            /// array they fill and the copy they return.
            pub const BUFFER_BYTES: usize = #buffer_bytes_lit;
            #[doc = #frame_doc]
            pub const FRAME_BYTES: usize = ::tinyae::FRAME_ALLOWANCE #frame_extra;
            /// Stack the by-value functions need: `BUFFER_BYTES` plus `FRAME_BYTES`.
            pub const STACK_BYTES: usize = #buffer_bytes_lit + #name::FRAME_BYTES;

            /// Zeroed scratch for the `*_into` functions.
            pub const fn new_scratch() -> ::tinyae::Scratch<#s_lit> {
                ::tinyae::Scratch::new()
            }

            #fns
        }
    }
}

/// `sample_latent` and `sample_latent_into` for a VAE.
/// Whether the first layer is a dense kernel call that scales raw inputs: on cores without
/// SIMD that kernel scales them a chunk at a time into a buffer on its stack
/// (`tinyae::__private::scaled_input_chunk`), which `FRAME_BYTES` must count.
fn scaled_input_kernel(ctx: &Context<'_>) -> bool {
    let model = ctx.model;
    let kernel = |d: &tinyae_core::ir::Dense| {
        super::dense::uses_kernel(d, ctx.options.unroll.full_for(d.in_features * d.out_features))
    };
    let first = match model.layers.first().map(|l| &l.op) {
        Some(tinyae_core::ir::Op::Dense(d)) => kernel(d),
        Some(tinyae_core::ir::Op::GaussianHead(h)) => kernel(&h.mu) || kernel(&h.log_var),
        _ => false,
    };
    // `first_layer_scales`: the layer reads the whole raw input (not a per-step dense).
    first
        && ctx.emits_layer(0)
        && model.preprocessing.affine(model.input_len()).is_some()
        && tinyae_core::plan::first_layer_scales(model)
}

fn sample_latent(ctx: &Context<'_>) -> TokenStream {
    let Sizes { n, l, s } = sizes(ctx.model, ctx);
    let (n_lit, l_lit, s_lit) = (usize_lit(n), usize_lit(l), usize_lit(s));
    let k = ctx.model.latent_layer;
    let mu = ctx.layer_fn(k);
    let log_var = quote::format_ident!("layer_{}_log_var", k);
    let place = ctx.plan.places[k];
    let heads = if k == 0 {
        let view = single_view(place);
        quote! {
            let log_var = rt::#view::<#s_lit, #l_lit>(s);
            #log_var(x, log_var);
            #mu(x, z);
            rt::reparameterize_into(z, log_var, eps);
        }
    } else {
        let before = ctx.run(0, k - 1, End::Caller(quote!(x)), End::Plan);
        let view = pair_view(ctx.plan.places[k - 1]);
        let i_n_lit = usize_lit(ctx.model.layers[k].op.in_features());
        quote! {
            #before
            let (h, log_var) = rt::#view::<#s_lit, #i_n_lit, #l_lit>(s);
            #log_var(h, log_var);
            #mu(h, z);
            rt::reparameterize_into(z, log_var, eps);
        }
    };
    quote! {
        /// A latent sample `mu + exp(0.5 * log_var) * eps` for `x`, with caller noise `eps`
        /// (standard normal values, e.g. from a hardware RNG and a Box–Muller transform).
        #[inline]
        pub fn sample_latent(x: &[f32; #n_lit], eps: &[f32; #l_lit]) -> [f32; #l_lit] {
            let mut scratch = ::tinyae::Scratch::<#s_lit>::new();
            let mut z = [0.0f32; #l_lit];
            Self::sample_latent_into(x, eps, &mut scratch, &mut z);
            z
        }

        /// [`Self::sample_latent`] with caller buffers.
        #[inline]
        pub fn sample_latent_into(x: &[f32; #n_lit], eps: &[f32; #l_lit], scratch: &mut ::tinyae::Scratch<#s_lit>, z: &mut [f32; #l_lit]) {
            let s = &mut scratch.0;
            #heads
        }
    }
}

/// Implementations of the runtime's traits for the emitted parts.
pub fn trait_impls(ctx: &Context<'_>) -> TokenStream {
    let Sizes { n, l, s } = sizes(ctx.model, ctx);
    let s_lit = usize_lit(s);
    let scratch = TraitScratch {
        ty: quote!(::tinyae::Scratch<#s_lit>),
        new: quote!(::tinyae::Scratch::new()),
    };
    impls_for(ctx.model, ctx.name, ctx.options.parts, n, l, &scratch)
}

/// The scratch type of a model's trait impls and the expression that makes a zeroed one.
pub struct TraitScratch {
    /// `Self::Scratch`.
    pub ty: TokenStream,
    /// The body of `new_scratch()`.
    pub new: TokenStream,
}

/// The runtime's traits for the emitted parts of `name` (`N = n`, `L = l`), each method
/// forwarding to the inherent one: shared by the f32 and int8 APIs, which differ only in
/// their scratch.
pub fn impls_for(
    model: &Model,
    name: &Ident,
    parts: Parts,
    n: usize,
    l: usize,
    scratch: &TraitScratch,
) -> TokenStream {
    let (n_lit, l_lit) = (usize_lit(n), usize_lit(l));
    let (scratch_ty, new_scratch) = (&scratch.ty, &scratch.new);
    let mut out = quote! {
        impl ::tinyae::ModelInfo for #name {
            const PARAMS: usize = #name::PARAMS;
            const MACS: usize = #name::MACS;
            const WEIGHT_BYTES: usize = #name::WEIGHT_BYTES;
            const SCRATCH_LEN: usize = #name::SCRATCH_LEN;
            const BUFFER_BYTES: usize = #name::BUFFER_BYTES;
            const FRAME_BYTES: usize = #name::FRAME_BYTES;
            const STACK_BYTES: usize = #name::STACK_BYTES;
            type Scratch = #scratch_ty;
            fn new_scratch() -> Self::Scratch {
                #new_scratch
            }
        }
    };
    if parts.encoder() {
        out.extend(quote! {
            impl ::tinyae::Encoder<#n_lit, #l_lit> for #name {
                fn encode(x: &[f32; #n_lit]) -> [f32; #l_lit] { #name::encode(x) }
                fn encode_into(x: &[f32; #n_lit], scratch: &mut Self::Scratch, z: &mut [f32; #l_lit]) {
                    #name::encode_into(x, scratch, z)
                }
            }
        });
    }
    if parts.decoder() {
        out.extend(quote! {
            impl ::tinyae::Decoder<#l_lit, #n_lit> for #name {
                fn decode(z: &[f32; #l_lit]) -> [f32; #n_lit] { #name::decode(z) }
                fn decode_into(z: &[f32; #l_lit], scratch: &mut Self::Scratch, y: &mut [f32; #n_lit]) {
                    #name::decode_into(z, scratch, y)
                }
            }
        });
    }
    if parts.encoder() && parts.decoder() {
        out.extend(quote! {
            impl ::tinyae::Autoencoder<#n_lit, #l_lit> for #name {
                fn reconstruct(x: &[f32; #n_lit]) -> [f32; #n_lit] { #name::reconstruct(x) }
                fn reconstruct_into(x: &[f32; #n_lit], scratch: &mut Self::Scratch, y: &mut [f32; #n_lit]) {
                    #name::reconstruct_into(x, scratch, y)
                }
                fn anomaly_score(x: &[f32; #n_lit]) -> f32 { #name::anomaly_score(x) }
                fn anomaly_score_into(x: &[f32; #n_lit], scratch: &mut Self::Scratch, y: &mut [f32; #n_lit]) -> f32 {
                    #name::anomaly_score_into(x, scratch, y)
                }
            }
        });
        if model.anomaly.is_some() {
            out.extend(quote! {
                impl ::tinyae::AnomalyDetector<#n_lit, #l_lit> for #name {
                    const THRESHOLD: f32 = #name::THRESHOLD;
                }
            });
        }
    }
    out
}

fn metric(model: &Model) -> TokenStream {
    match model.anomaly.as_ref().map_or(Metric::Mse, |a| a.metric) {
        Metric::Mse => quote!(rt::Metric::Mse),
        Metric::Mae => quote!(rt::Metric::Mae),
    }
}

fn calibration_text(model: &Model) -> String {
    use tinyae_core::ir::Calibration;
    let Some(a) = &model.anomaly else { return String::new() };
    let metric = a.metric.name();
    match &a.calibration {
        Calibration::Percentile { percentile, samples, split } => format!(
            "{metric}; {percentile}th percentile of {} {} errors",
            samples.map_or("the".to_owned(), |s| s.to_string()),
            split.as_deref().unwrap_or("calibration")
        ),
        Calibration::MeanStd { k, .. } => format!("{metric}; mean + {k} standard deviations"),
        Calibration::Manual => format!("{metric}; set by hand"),
    }
}

/// Whether every value has the same bits (one scaling constant serves all features).
pub fn is_uniform(values: &[f32]) -> bool {
    values.iter().all(|v| v.to_bits() == values[0].to_bits())
}
