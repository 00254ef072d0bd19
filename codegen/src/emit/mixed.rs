//! Mixed precision: a model whose encoder is int8 and whose decoder is float, or the reverse
//! (docs/FORMAT.md "Mixed precision"). Each half is emitted by the one-precision emitter
//! (`Parts::Encoder`, `Parts::Decoder`) as a private type; the public type runs them one after
//! the other, the latent code passing between them as f32 in its [`SplitScratch`] — which is
//! where the reference interpreter (`tinyae_core::quant::run_from`) dequantizes or quantizes
//! it, so the halves' own edges give the same bits.
//!
//! [`SplitScratch`]: https://docs.rs/tinyae/latest/tinyae/struct.SplitScratch.html

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Visibility;
use tinyae_core::emission::{Options, Parts};
use tinyae_core::ir::{Metric, Model, ModelKind};
use tinyae_core::plan::Values;

use super::api::Stretch;
use super::literal::{f32_lit, usize_lit};
use super::{expand, traits, Context, Target};

/// Whether `model` is emitted as two halves of different precisions: the whole model is asked
/// for and one half is int8, the other float.
pub fn is_split(model: &Model, parts: Parts) -> bool {
    parts == Parts::All && halves(model).is_some_and(|(e, d)| e != d)
}

/// The values of the encoder and the decoder, when each half has one precision.
pub fn halves(model: &Model) -> Option<(Values, Values)> {
    Values::halves(model)
}

/// The public type over the two halves.
pub fn model(model: &Model, target: &Target<'_>) -> TokenStream {
    let (enc, dec) = (format_ident!("EncoderHalf"), format_ident!("DecoderHalf"));
    let inner: Visibility = syn::parse_quote!(pub(super));
    let half = |name, parts| Target {
        vis: &inner,
        name,
        options: Options { parts, ..target.options },
        tracked_file: None,
    };
    let encoder = expand(model, &half(&enc, Parts::Encoder), |_| TokenStream::new());
    let decoder = expand(model, &half(&dec, Parts::Decoder), score_latent);
    let (name, vis) = (target.name, target.vis);
    let (n, l) = (model.input_len(), model.latent_len());
    let (e, d) = halves(model).unwrap_or((Values::F32, Values::F32));
    let l_lit = usize_lit(l);
    let half_scratch = |parts| {
        let plan = tinyae_core::emission::emitted(model, Options { parts, ..target.options }).plan;
        let ty = super::precision::Precision::of(model, parts).scratch();
        let len = usize_lit(plan.scratch_len);
        quote!(#ty<#len>)
    };
    let (enc_scratch, dec_scratch) = (half_scratch(Parts::Encoder), half_scratch(Parts::Decoder));
    let scratch = quote!(::tinyae::SplitScratch<#enc_scratch, #dec_scratch, #l_lit>);
    let docs = docs(model, e, d);
    let consts = consts(model, e, d, &scratch);
    let fns = functions(model, e, d, &scratch);
    let info = traits::Model { name, n, l, anomaly: model.anomaly.is_some() };
    let traits = traits::impls_with(&info, Parts::All, scratch, quote!(#name::new_scratch()));
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
            #[allow(dead_code, unreachable_pub)]
            mod halves {
                #encoder
                #decoder
            }
            use halves::{DecoderHalf, EncoderHalf};

            impl #name {
                #consts
                #fns
            }
            #traits
        };
    }
}

/// The decoder half's `score_latent_into`: decode `z` in the scaled space into `y`, then the
/// anomaly score of raw `x` against it (what `anomaly_score_into` of a one-precision model does
/// after its encoder).
fn score_latent(ctx: &Context<'_>) -> TokenStream {
    let (k, last) = (ctx.model.latent_layer, ctx.model.layers.len() - 1);
    let body =
        ctx.run_into(&Stretch { from: k + 1, to: last, x: quote!(z), y: quote!(y), raw: false });
    let metric = match ctx.model.anomaly.as_ref().map_or(Metric::Mse, |a| a.metric) {
        Metric::Mse => quote!(rt::Metric::Mse),
        Metric::Mae => quote!(rt::Metric::Mae),
    };
    let (name, scratch, scaling) = (ctx.name, ctx.scratch_ty(), ctx.scaling_arg());
    let (n_lit, l_lit) = (usize_lit(ctx.n), usize_lit(ctx.l));
    quote! {
        impl #name {
            /// The anomaly score of raw `x` given its latent code `z`; `y` receives the
            /// scaled-space reconstruction.
            #[inline]
            pub fn score_latent_into(x: &[f32; #n_lit], z: &[f32; #l_lit], scratch: &mut #scratch, y: &mut [f32; #n_lit]) -> f32 {
                #body
                rt::score(#metric, x, #scaling, y)
            }
        }
    }
}

fn word(v: Values) -> &'static str {
    match v {
        Values::F32 => "float",
        Values::Int8 => "int8",
    }
}

fn docs(model: &Model, e: Values, d: Values) -> Vec<String> {
    vec![
        format!(
            " Generated by `tinyae::autoencoder!`: {} values in, a {}-value latent code, {} encoder and {} decoder ({} layers).",
            model.input_len(),
            model.latent_len(),
            word(e),
            word(d),
            model.layers.len()
        ),
        String::new(),
        " The latent code passes between the halves as f32: the int8 half quantizes or dequantizes it with its own parameters, exactly as the reference interpreter does.".to_owned(),
    ]
}

/// The constants: sizes add up over the halves; the scratch is the halves' plus the latent code.
fn consts(model: &Model, e: Values, d: Values, scratch: &TokenStream) -> TokenStream {
    let (n_lit, l_lit) = (usize_lit(model.input_len()), usize_lit(model.latent_len()));
    let mut out = quote! {
        /// Values in one input sample.
        pub const INPUT_LEN: usize = #n_lit;
        /// Values in the latent code.
        pub const LATENT_LEN: usize = #l_lit;
        /// Weights plus biases of the generated layers.
        pub const PARAMS: usize = EncoderHalf::PARAMS + DecoderHalf::PARAMS;
        /// Multiply-accumulates of one pass through the generated layers.
        pub const MACS: usize = EncoderHalf::MACS + DecoderHalf::MACS;
        /// Flash taken by constant data of both halves: weights, biases and input scaling.
        pub const WEIGHT_BYTES: usize = EncoderHalf::WEIGHT_BYTES + DecoderHalf::WEIGHT_BYTES;
        /// Values in the scratch the `*_into` functions take: the encoder's, the latent code's
        /// and the decoder's (int8 values in the int8 half).
        pub const SCRATCH_LEN: usize = EncoderHalf::SCRATCH_LEN + #l_lit + DecoderHalf::SCRATCH_LEN;
        /// Bytes of arrays the by-value functions keep on the stack: their scratch, the array
        /// they fill and the copy they return.
        pub const BUFFER_BYTES: usize = ::core::mem::size_of::<#scratch>() + 2 * 4 * #n_lit;
        /// Stack the `*_into` functions need beyond the caller's buffers: the larger of the
        /// halves' (each runs after the other).
        pub const FRAME_BYTES: usize = if EncoderHalf::FRAME_BYTES > DecoderHalf::FRAME_BYTES {
            EncoderHalf::FRAME_BYTES
        } else {
            DecoderHalf::FRAME_BYTES
        };
        /// Stack the by-value functions need: `BUFFER_BYTES` plus `FRAME_BYTES`.
        pub const STACK_BYTES: usize = Self::BUFFER_BYTES + Self::FRAME_BYTES;

        /// Zeroed scratch for the `*_into` functions.
        pub const fn new_scratch() -> #scratch {
            ::tinyae::SplitScratch::new(EncoderHalf::new_scratch(), DecoderHalf::new_scratch())
        }
    };
    if e == Values::Int8 {
        out.extend(quote! {
            /// Quantization of the scaled input `encode_q` takes: `x' ≈ INPUT_SCALE · (q - INPUT_ZERO_POINT)`.
            pub const INPUT_SCALE: f32 = EncoderHalf::INPUT_SCALE;
            /// See [`Self::INPUT_SCALE`].
            pub const INPUT_ZERO_POINT: i32 = EncoderHalf::INPUT_ZERO_POINT;
            /// Quantization of the latent code of `encode_q`.
            pub const LATENT_SCALE: f32 = EncoderHalf::LATENT_SCALE;
            /// See [`Self::LATENT_SCALE`].
            pub const LATENT_ZERO_POINT: i32 = EncoderHalf::LATENT_ZERO_POINT;
        });
    }
    if d == Values::Int8 {
        out.extend(quote! {
            /// Quantization of the int8 output of `decode_q` (scaled space).
            pub const OUTPUT_SCALE: f32 = DecoderHalf::OUTPUT_SCALE;
            /// See [`Self::OUTPUT_SCALE`].
            pub const OUTPUT_ZERO_POINT: i32 = DecoderHalf::OUTPUT_ZERO_POINT;
        });
    }
    if let Some(anomaly) = &model.anomaly {
        let threshold = f32_lit(anomaly.threshold);
        out.extend(quote! {
            /// Scores above this are anomalies (calibrated on this model).
            pub const THRESHOLD: f32 = #threshold;
        });
    }
    out
}

/// The public functions, each running the halves in turn.
fn functions(model: &Model, e: Values, d: Values, scratch: &TokenStream) -> TokenStream {
    let (n, l) = (usize_lit(model.input_len()), usize_lit(model.latent_len()));
    let mut out = quote! {
        /// The latent code of `x` (raw input in user units), f32.
        #[inline]
        pub fn encode(x: &[f32; #n]) -> [f32; #l] { EncoderHalf::encode(x) }
        /// [`Self::encode`] into `z`, keeping intermediate values in `scratch`.
        #[inline]
        pub fn encode_into(x: &[f32; #n], scratch: &mut #scratch, z: &mut [f32; #l]) {
            EncoderHalf::encode_into(x, &mut scratch.encoder, z)
        }
        /// The decoded values of latent code `z`, in user units.
        #[inline]
        pub fn decode(z: &[f32; #l]) -> [f32; #n] { DecoderHalf::decode(z) }
        /// [`Self::decode`] into `y`, keeping intermediate values in `scratch`.
        #[inline]
        pub fn decode_into(z: &[f32; #l], scratch: &mut #scratch, y: &mut [f32; #n]) {
            DecoderHalf::decode_into(z, &mut scratch.decoder, y)
        }
        /// The reconstruction of `x`, in user units.
        #[inline]
        pub fn reconstruct(x: &[f32; #n]) -> [f32; #n] {
            let mut scratch = Self::new_scratch();
            let mut y = [0.0f32; #n];
            Self::reconstruct_into(x, &mut scratch, &mut y);
            y
        }
        /// [`Self::reconstruct`] into `y`: the encoder half writes the latent code into
        /// `scratch.latent`, the decoder half reads it.
        #[inline]
        pub fn reconstruct_into(x: &[f32; #n], scratch: &mut #scratch, y: &mut [f32; #n]) {
            EncoderHalf::encode_into(x, &mut scratch.encoder, &mut scratch.latent);
            DecoderHalf::decode_into(&scratch.latent, &mut scratch.decoder, y)
        }
        /// The reconstruction error of `x` with the model's metric, in the scaled space it
        /// was trained in (what the threshold is calibrated against).
        #[inline]
        pub fn anomaly_score(x: &[f32; #n]) -> f32 {
            let mut scratch = Self::new_scratch();
            let mut y = [0.0f32; #n];
            Self::anomaly_score_into(x, &mut scratch, &mut y)
        }
        /// [`Self::anomaly_score`] with caller buffers; `y` receives the scaled-space
        /// reconstruction.
        #[inline]
        pub fn anomaly_score_into(x: &[f32; #n], scratch: &mut #scratch, y: &mut [f32; #n]) -> f32 {
            EncoderHalf::encode_into(x, &mut scratch.encoder, &mut scratch.latent);
            DecoderHalf::score_latent_into(x, &scratch.latent, &mut scratch.decoder, y)
        }
    };
    if model.anomaly.is_some() {
        out.extend(quote! {
            /// `anomaly_score(x) > THRESHOLD`.
            #[inline]
            pub fn is_anomaly(x: &[f32; #n]) -> bool {
                Self::anomaly_score(x) > Self::THRESHOLD
            }
        });
    }
    if e == Values::Int8 {
        out.extend(quote! {
            /// The int8 latent code of int8 input `x` (quantized as [`Self::quantize_input`] does).
            #[inline]
            pub fn encode_q(x: &[i8; #n], scratch: &mut #scratch, z: &mut [i8; #l]) {
                EncoderHalf::encode_q(x, &mut scratch.encoder, z)
            }
            /// Raw input in user units → the int8 input of `encode_q`.
            #[inline]
            pub fn quantize_input(x: &[f32; #n], q: &mut [i8; #n]) {
                EncoderHalf::quantize_input(x, q)
            }
        });
    }
    if d == Values::Int8 {
        out.extend(quote! {
            /// The int8 output for int8 latent code `z`.
            #[inline]
            pub fn decode_q(z: &[i8; #l], scratch: &mut #scratch, y: &mut [i8; #n]) {
                DecoderHalf::decode_q(z, &mut scratch.decoder, y)
            }
            /// The int8 output of `decode_q` → values in user units.
            #[inline]
            pub fn dequantize_output(q: &[i8; #n], y: &mut [f32; #n]) {
                DecoderHalf::dequantize_output(q, y)
            }
        });
    }
    if model.kind == ModelKind::Vae {
        out.extend(quote! {
            /// A latent sample `mu + exp(0.5 * log_var) * eps` for `x`, with caller noise `eps`.
            #[inline]
            pub fn sample_latent(x: &[f32; #n], eps: &[f32; #l]) -> [f32; #l] {
                EncoderHalf::sample_latent(x, eps)
            }
            /// [`Self::sample_latent`] with caller buffers.
            #[inline]
            pub fn sample_latent_into(x: &[f32; #n], eps: &[f32; #l], scratch: &mut #scratch, z: &mut [f32; #l]) {
                EncoderHalf::sample_latent_into(x, eps, &mut scratch.encoder, z)
            }
        });
    }
    out
}
