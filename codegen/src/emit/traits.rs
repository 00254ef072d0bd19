//! The runtime's traits for the emitted parts of a model, each method forwarding to the
//! inherent one: code generic over models (`ModelInfo`, `Encoder`, `Decoder`, `Autoencoder`,
//! `AnomalyDetector`) works with every precision; only the scratch type differs.

use proc_macro2::TokenStream;
use quote::quote;

use super::literal::usize_lit;
use super::Context;

/// The trait impls of the emitted parts.
pub fn impls(ctx: &Context<'_>) -> TokenStream {
    let s_lit = usize_lit(ctx.plan.scratch_len);
    let scratch = ctx.precision.scratch();
    let model = Model { name: ctx.name, n: ctx.n, l: ctx.l, anomaly: ctx.model.anomaly.is_some() };
    impls_with(&model, ctx.options.parts, quote!(#scratch<#s_lit>), quote!(#scratch::new()))
}

/// What the trait impls say about the generated type.
pub struct Model<'a> {
    /// The generated type.
    pub name: &'a proc_macro2::Ident,
    /// Values in one input sample.
    pub n: usize,
    /// Values in the latent code.
    pub l: usize,
    /// Whether it has a threshold.
    pub anomaly: bool,
}

/// The trait impls of `parts` of `model`, whose scratch type is `scratch`, built by `new`.
pub fn impls_with(
    model: &Model<'_>,
    parts: tinyae_core::emission::Parts,
    scratch: TokenStream,
    new: TokenStream,
) -> TokenStream {
    let name = model.name;
    let (n_lit, l_lit) = (usize_lit(model.n), usize_lit(model.l));
    let mut out = quote! {
        impl ::tinyae::ModelInfo for #name {
            const PARAMS: usize = #name::PARAMS;
            const MACS: usize = #name::MACS;
            const WEIGHT_BYTES: usize = #name::WEIGHT_BYTES;
            const SCRATCH_LEN: usize = #name::SCRATCH_LEN;
            const BUFFER_BYTES: usize = #name::BUFFER_BYTES;
            const FRAME_BYTES: usize = #name::FRAME_BYTES;
            const STACK_BYTES: usize = #name::STACK_BYTES;
            type Scratch = #scratch;
            fn new_scratch() -> Self::Scratch {
                #new
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
        if model.anomaly {
            out.extend(quote! {
                impl ::tinyae::AnomalyDetector<#n_lit, #l_lit> for #name {
                    const THRESHOLD: f32 = #name::THRESHOLD;
                }
            });
        }
    }
    out
}
