//! The public API of a generated model, for every precision: constants, by-value and `*_into`
//! functions, and (int8 models) `*_q` functions on int8 data.
//!
//! Every function is a fixed sequence of layer calls (`run.rs`); what a function does at its
//! edges (scale, quantize, dequantize) is the precision's (`precision.rs`); every size and cost
//! comes from the core's one cost model (`tinyae_core::emission`).

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::{Metric, ModelKind};

use super::literal::{f32_array, f32_lit, usize_lit};
use super::precision::{q_consts, Int8Edges, Precision};
use super::run::{Input, Output};
use super::Context;

/// One stretch of layers a public `*_into` function runs between the caller's buffers.
pub(super) struct Stretch {
    pub(super) from: usize,
    pub(super) to: usize,
    /// The input buffer's name.
    pub(super) x: TokenStream,
    /// The output buffer's name.
    pub(super) y: TokenStream,
    /// Whether the input is the model's raw input (scaled before the first layer), not a
    /// latent code.
    pub(super) raw: bool,
}

impl Context<'_> {
    /// The statements of a `*_into` function running `stretch` on f32 buffers, the scratch
    /// parameter named `scratch`.
    pub(super) fn run_into(&self, st: &Stretch) -> TokenStream {
        let (x, y) = (&st.x, &st.y);
        let edges = match (self.precision, &self.plan.rows) {
            // A streamed model (only f32 models stream).
            (_, Some(rows)) => return self.run_rows(rows, st),
            (Precision::F32, None) => {
                let input = if st.raw { Input::Raw(x.clone()) } else { Input::Caller(x.clone()) };
                let output = Output::Caller(y.clone());
                let bind = self.bind_scratch(self.uses_scratch(st.from, st.to, &input, &output));
                let run = self.run(st.from, st.to, input, output);
                return quote!(#bind #run);
            }
            (Precision::Int8(edges), None) => edges,
        };
        // int8: quantize into the scratch, run there, dequantize out of it.
        let len = |j: usize| self.shapes[j].iter().product::<usize>();
        let (into, scaling) = if st.raw {
            (edges.input, self.scaling_arg())
        } else {
            (edges.decoder_input, quote!(None))
        };
        let (_, inv, zp) = q_consts(into);
        let out = if st.to == self.model.latent_layer { edges.latent } else { edges.output };
        let (out_scale, _, out_zp) = q_consts(out);
        let input_at = self.at(self.input_place(st.from), len(st.from));
        let output_at = self.at(self.plan.places[st.to], len(st.to + 1));
        let run = self.run(st.from, st.to, Input::Plan, Output::Plan);
        quote! {
            let s = &mut scratch.0;
            rt::quantize_into(#x, #scaling, #inv, #zp, #input_at);
            #run
            rt::dequantize_into(#output_at, #out_scale, #out_zp, #y);
        }
    }

    /// `Some(&SCALING)` or `None`.
    pub(super) fn scaling_arg(&self) -> TokenStream {
        if self.affine.is_some() {
            quote!(Some(&SCALING))
        } else {
            quote!(None)
        }
    }

    /// `rt::unscale(y, &SCALING);` when the model scales its input.
    fn unscale(&self) -> TokenStream {
        if self.affine.is_some() {
            quote!(rt::unscale(y, &SCALING);)
        } else {
            quote!()
        }
    }

    /// The scratch type.
    pub(super) fn scratch_ty(&self) -> TokenStream {
        let (ty, s) = (self.precision.scratch(), usize_lit(self.plan.scratch_len));
        quote!(#ty<#s>)
    }

    /// A by-value function calling its `*_into` twin with fresh scratch: `encode(x) -> z`,
    /// `decode(z) -> y`, `reconstruct(x) -> y`.
    fn by_value(&self, doc: &str, name: &str, input: usize, output: usize) -> TokenStream {
        let (f, into) = (quote::format_ident!("{name}"), quote::format_ident!("{name}_into"));
        let (new, s) = (self.precision.scratch(), usize_lit(self.plan.scratch_len));
        let (i, o) = (usize_lit(input), usize_lit(output));
        let (x, y) = buffer_names(name);
        quote! {
            #[doc = #doc]
            #[inline]
            pub fn #f(#x: &[f32; #i]) -> [f32; #o] {
                let mut scratch = #new::<#s>::new();
                let mut #y = [0.0f32; #o];
                Self::#into(#x, &mut scratch, &mut #y);
                #y
            }
        }
    }

    /// `encode` and `encode_into` (int8: `encode_q`, `quantize_input`).
    fn encode_fns(&self) -> TokenStream {
        let (n, l, k) = (self.n, self.l, self.model.latent_layer);
        let (n_lit, l_lit, scratch) = (usize_lit(n), usize_lit(l), self.scratch_ty());
        let doc = match self.precision {
            Precision::F32 => " The latent code of `x` (raw input in user units; the scaling is built in).",
            Precision::Int8(_) => " The latent code of `x` (raw input in user units; scaling and quantization are built in).",
        };
        let by_value = self.by_value(doc, "encode", n, l);
        let body =
            self.run_into(&Stretch { from: 0, to: k, x: quote!(x), y: quote!(z), raw: true });
        let q = self.int8_fns("encode", 0, k, (n, l));
        quote! {
            #by_value

            /// [`Self::encode`] into `z`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn encode_into(x: &[f32; #n_lit], scratch: &mut #scratch, z: &mut [f32; #l_lit]) {
                #body
            }
            #q
        }
    }

    /// `decode` and `decode_into` (int8: `decode_q`, `dequantize_output`).
    fn decode_fns(&self) -> TokenStream {
        let (n, l, k) = (self.n, self.l, self.model.latent_layer);
        let last = self.model.layers.len() - 1;
        let (n_lit, l_lit, scratch) = (usize_lit(n), usize_lit(l), self.scratch_ty());
        let by_value =
            self.by_value(" The decoded values of latent code `z`, in user units.", "decode", l, n);
        let body = self.run_into(&Stretch {
            from: k + 1,
            to: last,
            x: quote!(z),
            y: quote!(y),
            raw: false,
        });
        let unscale = self.unscale();
        let q = self.int8_fns("decode", k + 1, last, (l, n));
        quote! {
            #by_value

            /// [`Self::decode`] into `y`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn decode_into(z: &[f32; #l_lit], scratch: &mut #scratch, y: &mut [f32; #n_lit]) {
                #body
                #unscale
            }
            #q
        }
    }

    /// `reconstruct`, `anomaly_score`, their `*_into` twins, and `THRESHOLD`/`is_anomaly` when
    /// the file has a threshold (int8: `reconstruct_q`).
    fn reconstruct_fns(&self) -> TokenStream {
        let n = self.n;
        let last = self.model.layers.len() - 1;
        let (n_lit, s_lit, scratch) =
            (usize_lit(n), usize_lit(self.plan.scratch_len), self.scratch_ty());
        let new = self.precision.scratch();
        let by_value =
            self.by_value(" The reconstruction of `x`, in user units.", "reconstruct", n, n);
        let stretch = Stretch { from: 0, to: last, x: quote!(x), y: quote!(y), raw: true };
        let body = self.run_into(&stretch);
        let (unscale, scaling_arg) = (self.unscale(), self.scaling_arg());
        let metric = match self.model.anomaly.as_ref().map_or(Metric::Mse, |a| a.metric) {
            Metric::Mse => quote!(rt::Metric::Mse),
            Metric::Mae => quote!(rt::Metric::Mae),
        };
        let q = self.int8_fns("reconstruct", 0, last, (n, n));
        let mut out = quote! {
            #by_value

            /// [`Self::reconstruct`] into `y`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn reconstruct_into(x: &[f32; #n_lit], scratch: &mut #scratch, y: &mut [f32; #n_lit]) {
                #body
                #unscale
            }
            #q

            /// The reconstruction error of `x` with the model's metric, in the scaled space it
            /// was trained in (what the threshold is calibrated against).
            #[inline]
            pub fn anomaly_score(x: &[f32; #n_lit]) -> f32 {
                let mut scratch = #new::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::anomaly_score_into(x, &mut scratch, &mut y)
            }

            /// [`Self::anomaly_score`] with caller buffers; `y` receives the scaled-space
            /// reconstruction.
            #[inline]
            pub fn anomaly_score_into(x: &[f32; #n_lit], scratch: &mut #scratch, y: &mut [f32; #n_lit]) -> f32 {
                #body
                rt::score(#metric, x, #scaling_arg, y)
            }
        };
        if let Some(anomaly) = &self.model.anomaly {
            let threshold = f32_lit(anomaly.threshold);
            let doc = format!(" Scores above this are anomalies ({}).", calibration_text(self));
            out.extend(quote! {
                #[doc = #doc]
                pub const THRESHOLD: f32 = #threshold;

                /// `anomaly_score(x) > THRESHOLD`.
                #[inline]
                pub fn is_anomaly(x: &[f32; #n_lit]) -> bool {
                    Self::anomaly_score(x) > Self::THRESHOLD
                }
            });
        }
        out
    }

    /// The `*_q` function of `family` over int8 buffers (`n` in, `m` out), and its edge helper
    /// (`quantize_input` for the encoder, `dequantize_output` for the decoder); nothing for f32.
    fn int8_fns(
        &self,
        family: &str,
        from: usize,
        to: usize,
        (n, m): (usize, usize),
    ) -> TokenStream {
        let Precision::Int8(edges) = self.precision else { return quote!() };
        let scratch = self.scratch_ty();
        let (x, y) = buffer_names(family);
        let input = Input::Caller(x.clone());
        let output = Output::Caller(y.clone());
        let bind = self.bind_scratch(self.uses_scratch(from, to, &input, &output));
        let run = self.run(from, to, input, output);
        let (n_lit, m_lit) = (usize_lit(n), usize_lit(m));
        let f = quote::format_ident!("{family}_q");
        let doc = match family {
            "encode" => " The int8 latent code of int8 input `x` (quantized as [`Self::quantize_input`] does).",
            "decode" => " The int8 output for int8 latent code `z`.",
            _ => " The int8 reconstruction of int8 input `x`: integer arithmetic only.",
        };
        // `quantize_input` takes the input, `dequantize_output` gives the output.
        let edge = if family == "decode" { m } else { n };
        let helper = edge_helper(family, edges, edge, &self.scaling_arg(), &self.unscale());
        quote! {
            #[doc = #doc]
            #[inline]
            pub fn #f(#x: &[i8; #n_lit], scratch: &mut #scratch, #y: &mut [i8; #m_lit]) {
                #bind
                #run
            }
            #helper
        }
    }

    /// `sample_latent` and `sample_latent_into` for a VAE.
    fn sample_latent(&self) -> TokenStream {
        let (n_lit, l_lit, s_lit) =
            (usize_lit(self.n), usize_lit(self.l), usize_lit(self.plan.scratch_len));
        let k = self.model.latent_layer;
        let mu = self.layer_fn(k);
        let log_var = quote::format_ident!("layer_{}_log_var", k);
        let place = self.plan.places[k];
        let heads = if k == 0 {
            let view = self.single_view(place);
            quote! {
                let log_var = rt::#view::<#s_lit, #l_lit>(s);
                #log_var(x, log_var);
                #mu(x, z);
                rt::reparameterize_into(z, log_var, eps);
            }
        } else {
            let before = self.run(0, k - 1, Input::Raw(quote!(x)), Output::Plan);
            let view = self.pair_view(self.plan.places[k - 1]);
            let i_n_lit = usize_lit(self.model.layers[k].op.in_features());
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

    /// `static SCALING` when the model scales its input (one value for all features, or a
    /// table per feature, which [`tinyae_core::emission`] counts in `WEIGHT_BYTES`).
    fn scaling_static(&self) -> TokenStream {
        let n_lit = usize_lit(self.n);
        match &self.affine {
            None => quote!(),
            Some(a) if a.is_uniform() => {
                let (o, sc, r) = (f32_lit(a.offset[0]), f32_lit(a.scale[0]), f32_lit(a.range[0]));
                quote! {
                    #[allow(dead_code)]
                    static SCALING: rt::Scaling<'static, #n_lit> = rt::Scaling::Uniform { offset: #o, scale: #sc, range: #r };
                }
            }
            Some(a) => {
                let (o, sc, r) = (f32_array(&a.offset), f32_array(&a.scale), f32_array(&a.range));
                quote! {
                    #[allow(dead_code)]
                    static SCALING: rt::Scaling<'static, #n_lit> = rt::Scaling::PerFeature { offset: &#o, scale: &#sc, range: &#r };
                }
            }
        }
    }

    /// `INPUT_SCALE`, `LATENT_SCALE`, ... of an int8 model's emitted parts.
    fn int8_consts(&self) -> TokenStream {
        let Precision::Int8(edges) = self.precision else { return quote!() };
        let parts = self.options.parts;
        let mut out = TokenStream::new();
        if parts.encoder() {
            let (in_scale, _, in_zp) = q_consts(edges.input);
            let (lat_scale, _, lat_zp) = q_consts(edges.latent);
            out.extend(quote! {
                /// Quantization of the scaled input the `*_q` functions take: `x' ≈ INPUT_SCALE · (q - INPUT_ZERO_POINT)`.
                pub const INPUT_SCALE: f32 = #in_scale;
                /// See [`Self::INPUT_SCALE`].
                pub const INPUT_ZERO_POINT: i32 = #in_zp;
                /// Quantization of the latent code of `encode_q` and `decode_q`.
                pub const LATENT_SCALE: f32 = #lat_scale;
                /// See [`Self::LATENT_SCALE`].
                pub const LATENT_ZERO_POINT: i32 = #lat_zp;
            });
        }
        if parts.decoder() {
            let (out_scale, _, out_zp) = q_consts(edges.output);
            out.extend(quote! {
                /// Quantization of the int8 output of the `*_q` functions (scaled space).
                pub const OUTPUT_SCALE: f32 = #out_scale;
                /// See [`Self::OUTPUT_SCALE`].
                pub const OUTPUT_ZERO_POINT: i32 = #out_zp;
            });
        }
        out
    }
}

/// The names of a function family's input and output buffers.
fn buffer_names(family: &str) -> (TokenStream, TokenStream) {
    match family {
        "encode" => (quote!(x), quote!(z)),
        "decode" => (quote!(z), quote!(y)),
        _ => (quote!(x), quote!(y)),
    }
}

/// `quantize_input` (encoder) or `dequantize_output` (decoder) of an int8 model.
fn edge_helper(
    family: &str,
    edges: Int8Edges,
    n: usize,
    scaling_arg: &TokenStream,
    unscale: &TokenStream,
) -> TokenStream {
    let n_lit = usize_lit(n);
    match family {
        "encode" => {
            let (_, inv, zp) = q_consts(edges.input);
            quote! {
                /// Raw input in user units → the int8 input of the `*_q` functions.
                #[inline]
                pub fn quantize_input(x: &[f32; #n_lit], q: &mut [i8; #n_lit]) {
                    rt::quantize_into(x, #scaling_arg, #inv, #zp, q);
                }
            }
        }
        "decode" => {
            let (scale, _, zp) = q_consts(edges.output);
            let n_lit = usize_lit(n);
            quote! {
                /// The int8 output of the `*_q` functions → values in user units.
                #[inline]
                pub fn dequantize_output(q: &[i8; #n_lit], y: &mut [f32; #n_lit]) {
                    rt::dequantize_into(q, #scale, #zp, y);
                    #unscale
                }
            }
        }
        _ => quote!(),
    }
}

/// The inherent `impl` with constants and functions, plus the model-level statics.
pub fn inherent(ctx: &Context<'_>) -> TokenStream {
    let e = ctx.emitted;
    let name = ctx.name;
    let parts = ctx.options.parts;
    let (n_lit, l_lit, s_lit) = (usize_lit(ctx.n), usize_lit(ctx.l), usize_lit(e.scratch_len()));
    let (params_lit, macs_lit) = (usize_lit(e.params), usize_lit(e.macs));
    let fma_flag = ctx.mac.flag();
    let (weight_bytes_lit, buffer_bytes_lit) =
        (usize_lit(e.weight_bytes), usize_lit(e.buffer_bytes()));
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
    let mut fns = TokenStream::new();
    if parts.encoder() {
        fns.extend(ctx.encode_fns());
        if ctx.model.kind == ModelKind::Vae {
            fns.extend(ctx.sample_latent());
        }
    }
    if parts.decoder() {
        fns.extend(ctx.decode_fns());
    }
    if parts.encoder() && parts.decoder() {
        fns.extend(ctx.reconstruct_fns());
    }
    let scaling_static = ctx.scaling_static();
    let (scratch, new) = (ctx.scratch_ty(), ctx.precision.scratch());
    let consts = ctx.int8_consts();
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
            /// Whether this build's float dense layers fuse each multiply-add (one rounding):
            /// the macro's `fma` option, resolved for the target. Compare with the reference
            /// interpreter's `Mac::Fused` when true.
            pub const FMA: bool = #fma_flag;
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
            #consts

            /// Zeroed scratch for the `*_into` functions.
            pub const fn new_scratch() -> #scratch {
                #new::new()
            }

            #fns
        }
    }
}

/// Whether the first layer is a dense kernel call that scales raw inputs: on cores without
/// SIMD that kernel scales them a chunk at a time into a buffer on its stack
/// (`tinyae::__private::scaled_input_chunk`), which `FRAME_BYTES` must count.
fn scaled_input_kernel(ctx: &Context<'_>) -> bool {
    let model = ctx.model;
    let kernel =
        |d: &tinyae_core::ir::Dense| super::weights::uses_kernel(d, ctx.options.unrolls(d));
    let first = model.layers.first().is_some_and(|l| l.op.dense_parts().iter().any(|d| kernel(d)));
    // `first_layer_scales`: the layer reads the whole raw input (not a per-step dense).
    first
        && matches!(ctx.precision, Precision::F32)
        && ctx.options.parts.encoder()
        && ctx.affine.is_some()
        && tinyae_core::plan::first_layer_scales(model)
}

fn calibration_text(ctx: &Context<'_>) -> String {
    use tinyae_core::ir::Calibration;
    let Some(a) = &ctx.model.anomaly else { return String::new() };
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
