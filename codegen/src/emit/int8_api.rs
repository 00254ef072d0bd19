//! The public API of an int8 model: the f32 functions every model has (raw input quantized
//! after its scaling, output dequantized before its unscaling) plus `*_q` functions for
//! callers that already hold int8 data, over an int8 scratch (`::tinyae::ScratchI8`).
//!
//! Layer outputs alternate between the front and the back of the scratch; a run's input is
//! the caller's buffer or the quantized input at the front, its output the caller's buffer
//! or wherever the last layer left it.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::ir::{Metric, Model, QParams};
use tinyae_core::quant;

use super::api::{impls_for, is_uniform, TraitScratch};
use super::literal::{f32_array, f32_lit, usize_lit};
use super::Target;

/// Where int8 values live.
#[derive(Clone)]
enum Loc {
    Caller(TokenStream),
    Front,
    Back,
}

struct Ctx {
    s: usize,
    lens: Vec<usize>,
}

impl Ctx {
    /// Statements running layers `from..=to` from `input`; the output goes to `output` (a
    /// caller's buffer) or stays in scratch. Returns the statements and where the output is.
    fn run(
        &self,
        from: usize,
        to: usize,
        input: Loc,
        output: Option<TokenStream>,
    ) -> (TokenStream, Loc) {
        let s = usize_lit(self.s);
        let mut out = TokenStream::new();
        let mut src = input;
        for j in from..=to {
            let f = format_ident!("layer_{}", j);
            let (a, b) = (usize_lit(self.lens[j]), usize_lit(self.lens[j + 1]));
            let dst = match (&output, j == to, &src) {
                (Some(t), true, _) => Loc::Caller(t.clone()),
                (_, _, Loc::Front) => Loc::Back,
                _ => Loc::Front,
            };
            out.extend(match (&src, &dst) {
                (Loc::Caller(x), Loc::Caller(y)) => quote!(#f(#x, #y);),
                (Loc::Caller(x), Loc::Front) => quote!(#f(#x, rt::q_front::<#s, #b>(s));),
                (Loc::Caller(x), _) => quote!(#f(#x, rt::q_back::<#s, #b>(s));),
                (Loc::Front, Loc::Caller(y)) => quote!(#f(rt::q_front::<#s, #a>(s), #y);),
                (_, Loc::Caller(y)) => quote!(#f(rt::q_back::<#s, #a>(s), #y);),
                (Loc::Front, _) => quote! {{
                    let (input, output) = rt::q_front_to_back::<#s, #a, #b>(s);
                    #f(input, output);
                }},
                _ => quote! {{
                    let (input, output) = rt::q_back_to_front::<#s, #a, #b>(s);
                    #f(input, output);
                }},
            });
            src = dst;
        }
        (out, src)
    }

    /// The int8 values at `loc` (`n` of them) as an expression.
    fn at(&self, loc: &Loc, n: usize) -> TokenStream {
        let (s, n) = (usize_lit(self.s), usize_lit(n));
        match loc {
            Loc::Caller(t) => t.clone(),
            Loc::Front => quote!(rt::q_front::<#s, #n>(s)),
            Loc::Back => quote!(rt::q_back::<#s, #n>(s)),
        }
    }
}

fn params_of(model: &Model, j: usize) -> (QParams, QParams) {
    match quant::of(&model.layers[j]) {
        Some((_, q)) => (q.input, q.output),
        None => (QParams { scale: 1.0, zero_point: 0 }, QParams { scale: 1.0, zero_point: 0 }),
    }
}

fn q_consts(p: QParams) -> (Literal, Literal, Literal) {
    (f32_lit(p.scale), f32_lit(p.inv_scale()), Literal::i32_unsuffixed(p.zero_point))
}

/// The layer functions, the inherent API and the trait impls of an int8 model.
pub fn model(model: &Model, target: &Target<'_>) -> TokenStream {
    let (name, options) = (target.name, target.options);
    let parts = options.parts;
    let (k, last) = (model.latent_layer, model.layers.len() - 1);
    let emitted = |j: usize| if j <= k { parts.encoder() } else { parts.decoder() };
    let n = model.input_len();
    let shapes = model.shapes();
    let lens: Vec<usize> = shapes.iter().map(|s| s.iter().product()).collect();
    let l = lens[k + 1];
    let s = (0..model.layers.len())
        .filter(|&j| emitted(j))
        .map(|j| lens[j] + lens[j + 1])
        .max()
        .unwrap_or(1);
    let ctx = Ctx { s, lens: lens.clone() };

    let mut layers = TokenStream::new();
    let (mut params, mut macs, mut bytes) = (0usize, 0usize, 0usize);
    for (j, layer) in model.layers.iter().enumerate().filter(|(j, _)| emitted(*j)) {
        let Some((d, q)) = quant::of(layer) else { continue };
        let layer_macs = d.in_features * d.out_features;
        let unrolled = options.unroll.full_for(layer_macs);
        layers.extend(super::int8::layer_fn(j, layer, unrolled));
        params += layer_macs + d.bias.as_ref().map_or(0, |_| d.out_features);
        macs += layer_macs;
        bytes += super::int8::layer_bytes(d, q, layer.activation, unrolled);
    }

    let affine = model.preprocessing.affine(n);
    let n_lit = usize_lit(n);
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
                12 * n,
            )
        }
    };
    let scaling_arg = if affine.is_some() { quote!(Some(&SCALING)) } else { quote!(None) };
    let unscale = if affine.is_some() { quote!(rt::unscale(y, &SCALING);) } else { quote!() };
    let (l_lit, s_lit) = (usize_lit(l), usize_lit(s));
    let scratch_ty = quote!(::tinyae::ScratchI8<#s_lit>);
    let largest = if parts.decoder() { n } else { l };
    let buffer_bytes = s + 2 * largest * 4;
    let (params_lit, macs_lit, bytes_lit, buffer_lit) = (
        usize_lit(params),
        usize_lit(macs),
        usize_lit(bytes + scaling_bytes),
        usize_lit(buffer_bytes),
    );

    let (in0, _) = params_of(model, 0);
    let (_, lat) = params_of(model, k);
    let (dec_in, _) = params_of(model, (k + 1).min(last));
    let (_, out) = params_of(model, last);
    let (in_scale, in_inv, in_zp) = q_consts(in0);
    let (lat_scale, _, lat_zp) = q_consts(lat);
    let (_, dec_inv, dec_zp) = q_consts(dec_in);
    let (out_scale, _, out_zp) = q_consts(out);

    let mut fns = TokenStream::new();
    let mut consts = TokenStream::new();
    if parts.encoder() {
        let (run, at) = ctx.run(0, k, Loc::Front, None);
        let code = ctx.at(&at, l);
        let (run_q, _) = ctx.run(0, k, Loc::Caller(quote!(x)), Some(quote!(z)));
        let bind_q = bind(k == 0);
        consts.extend(quote! {
            /// Quantization of the scaled input the `*_q` functions take: `x' ≈ INPUT_SCALE · (q - INPUT_ZERO_POINT)`.
            pub const INPUT_SCALE: f32 = #in_scale;
            /// See [`Self::INPUT_SCALE`].
            pub const INPUT_ZERO_POINT: i32 = #in_zp;
            /// Quantization of the latent code of `encode_q` and `decode_q`.
            pub const LATENT_SCALE: f32 = #lat_scale;
            /// See [`Self::LATENT_SCALE`].
            pub const LATENT_ZERO_POINT: i32 = #lat_zp;
        });
        fns.extend(quote! {
            /// The latent code of `x` (raw input in user units; scaling and quantization are built in).
            #[inline]
            pub fn encode(x: &[f32; #n_lit]) -> [f32; #l_lit] {
                let mut scratch = ::tinyae::ScratchI8::<#s_lit>::new();
                let mut z = [0.0f32; #l_lit];
                Self::encode_into(x, &mut scratch, &mut z);
                z
            }

            /// [`Self::encode`] into `z`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn encode_into(x: &[f32; #n_lit], scratch: &mut #scratch_ty, z: &mut [f32; #l_lit]) {
                let s = &mut scratch.0;
                rt::quantize_into(x, #scaling_arg, #in_inv, #in_zp, rt::q_front::<#s_lit, #n_lit>(s));
                #run
                rt::dequantize_into(#code, #lat_scale, #lat_zp, z);
            }

            /// The int8 latent code of int8 input `x` (quantized as [`Self::quantize_input`] does).
            #[inline]
            pub fn encode_q(x: &[i8; #n_lit], scratch: &mut #scratch_ty, z: &mut [i8; #l_lit]) {
                #bind_q
                #run_q
            }

            /// Raw input in user units → the int8 input of the `*_q` functions.
            #[inline]
            pub fn quantize_input(x: &[f32; #n_lit], q: &mut [i8; #n_lit]) {
                rt::quantize_into(x, #scaling_arg, #in_inv, #in_zp, q);
            }
        });
    }
    if parts.decoder() {
        let (run, at) = ctx.run(k + 1, last, Loc::Front, None);
        let y_q = ctx.at(&at, n);
        let (run_q, _) = ctx.run(k + 1, last, Loc::Caller(quote!(z)), Some(quote!(y)));
        let bind_q = bind(k + 1 == last);
        consts.extend(quote! {
            /// Quantization of the int8 output of the `*_q` functions (scaled space).
            pub const OUTPUT_SCALE: f32 = #out_scale;
            /// See [`Self::OUTPUT_SCALE`].
            pub const OUTPUT_ZERO_POINT: i32 = #out_zp;
        });
        fns.extend(quote! {
            /// The decoded values of latent code `z`, in user units.
            #[inline]
            pub fn decode(z: &[f32; #l_lit]) -> [f32; #n_lit] {
                let mut scratch = ::tinyae::ScratchI8::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::decode_into(z, &mut scratch, &mut y);
                y
            }

            /// [`Self::decode`] into `y`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn decode_into(z: &[f32; #l_lit], scratch: &mut #scratch_ty, y: &mut [f32; #n_lit]) {
                let s = &mut scratch.0;
                rt::quantize_into(z, None, #dec_inv, #dec_zp, rt::q_front::<#s_lit, #l_lit>(s));
                #run
                rt::dequantize_into(#y_q, #out_scale, #out_zp, y);
                #unscale
            }

            /// The int8 output for int8 latent code `z`.
            #[inline]
            pub fn decode_q(z: &[i8; #l_lit], scratch: &mut #scratch_ty, y: &mut [i8; #n_lit]) {
                #bind_q
                #run_q
            }

            /// The int8 output of the `*_q` functions → values in user units.
            #[inline]
            pub fn dequantize_output(q: &[i8; #n_lit], y: &mut [f32; #n_lit]) {
                rt::dequantize_into(q, #out_scale, #out_zp, y);
                #unscale
            }
        });
    }
    if parts.encoder() && parts.decoder() {
        let (run, at) = ctx.run(0, last, Loc::Front, None);
        let y_q = ctx.at(&at, n);
        let (run_q, _) = ctx.run(0, last, Loc::Caller(quote!(x)), Some(quote!(y)));
        let bind_q = bind(last == 0);
        let metric = match model.anomaly.as_ref().map_or(Metric::Mse, |a| a.metric) {
            Metric::Mse => quote!(rt::Metric::Mse),
            Metric::Mae => quote!(rt::Metric::Mae),
        };
        fns.extend(quote! {
            /// The reconstruction of `x`, in user units.
            #[inline]
            pub fn reconstruct(x: &[f32; #n_lit]) -> [f32; #n_lit] {
                let mut scratch = ::tinyae::ScratchI8::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::reconstruct_into(x, &mut scratch, &mut y);
                y
            }

            /// [`Self::reconstruct`] into `y`, keeping intermediate values in `scratch`.
            #[inline]
            pub fn reconstruct_into(x: &[f32; #n_lit], scratch: &mut #scratch_ty, y: &mut [f32; #n_lit]) {
                let s = &mut scratch.0;
                rt::quantize_into(x, #scaling_arg, #in_inv, #in_zp, rt::q_front::<#s_lit, #n_lit>(s));
                #run
                rt::dequantize_into(#y_q, #out_scale, #out_zp, y);
                #unscale
            }

            /// The int8 reconstruction of int8 input `x`: integer arithmetic only.
            #[inline]
            pub fn reconstruct_q(x: &[i8; #n_lit], scratch: &mut #scratch_ty, y: &mut [i8; #n_lit]) {
                #bind_q
                #run_q
            }

            /// The reconstruction error of `x` with the model's metric, in the scaled space.
            #[inline]
            pub fn anomaly_score(x: &[f32; #n_lit]) -> f32 {
                let mut scratch = ::tinyae::ScratchI8::<#s_lit>::new();
                let mut y = [0.0f32; #n_lit];
                Self::anomaly_score_into(x, &mut scratch, &mut y)
            }

            /// [`Self::anomaly_score`] with caller buffers; `y` receives the scaled-space
            /// reconstruction.
            #[inline]
            pub fn anomaly_score_into(x: &[f32; #n_lit], scratch: &mut #scratch_ty, y: &mut [f32; #n_lit]) -> f32 {
                let s = &mut scratch.0;
                rt::quantize_into(x, #scaling_arg, #in_inv, #in_zp, rt::q_front::<#s_lit, #n_lit>(s));
                #run
                rt::dequantize_into(#y_q, #out_scale, #out_zp, y);
                rt::score(#metric, x, #scaling_arg, y)
            }
        });
        if let Some(anomaly) = &model.anomaly {
            let threshold = f32_lit(anomaly.threshold);
            fns.extend(quote! {
                /// Scores above this are anomalies.
                pub const THRESHOLD: f32 = #threshold;

                /// `anomaly_score(x) > THRESHOLD`.
                #[inline]
                pub fn is_anomaly(x: &[f32; #n_lit]) -> bool {
                    Self::anomaly_score(x) > Self::THRESHOLD
                }
            });
        }
    }

    let scratch = TraitScratch { ty: scratch_ty.clone(), new: quote!(::tinyae::ScratchI8::new()) };
    let traits = impls_for(model, target.name, target.options.parts, n, l, &scratch);
    quote! {
        #scaling_static
        #layers

        impl #name {
            /// Values in one input sample.
            pub const INPUT_LEN: usize = #n_lit;
            /// Values in the latent code.
            pub const LATENT_LEN: usize = #l_lit;
            /// Weights plus biases of the generated layers.
            pub const PARAMS: usize = #params_lit;
            /// Multiply-accumulates of one pass through the generated layers (zeros included).
            pub const MACS: usize = #macs_lit;
            /// Flash taken by constant data: int8 weights (compressed where pruned), i32 biases,
            /// requantization constants, activation tables and per-feature input scaling.
            pub const WEIGHT_BYTES: usize = #bytes_lit;
            /// Bytes of int8 scratch the `*_into` and `*_q` functions take.
            pub const SCRATCH_LEN: usize = #s_lit;
            /// Bytes of arrays the by-value functions keep on the stack: their int8 scratch,
            /// the f32 array they fill and the copy they return.
            pub const BUFFER_BYTES: usize = #buffer_lit;
            /// Stack the `*_into` and `*_q` functions need beyond the caller's buffers:
            /// [`tinyae::FRAME_ALLOWANCE`] for call frames.
            pub const FRAME_BYTES: usize = ::tinyae::FRAME_ALLOWANCE;
            /// Stack the by-value functions need: `BUFFER_BYTES` plus `FRAME_BYTES`.
            pub const STACK_BYTES: usize = #buffer_lit + ::tinyae::FRAME_ALLOWANCE;
            #consts

            /// Zeroed int8 scratch for the `*_into` and `*_q` functions.
            pub const fn new_scratch() -> #scratch_ty {
                ::tinyae::ScratchI8::new()
            }

            #fns
        }

        #traits
    }
}

/// `let s = &mut scratch.0;`, or a use of `scratch` when a single layer runs between caller
/// buffers.
fn bind(single: bool) -> TokenStream {
    if single {
        quote!(let _ = scratch;)
    } else {
        quote!(let s = &mut scratch.0;)
    }
}
