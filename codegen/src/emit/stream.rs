//! The streaming API of window models: a model whose data recipe (`tinyae.data`) cuts a series
//! into windows of `WINDOW` readings of `READING_LEN` values gets `stream(stride)` (a
//! `tinyae::stream::Window`), `stream_score_into` (one reading in, the score of the window it
//! completes out) and `STREAM_BYTES`, the stream's RAM.
//!
//! A streamed window is the same `[f32; INPUT_LEN]` a batch caller passes, scored by the same
//! `anomaly_score_into`, so streaming is bit-exact with batch scoring by construction.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::format::data::DataFormatName;

use super::literal::usize_lit;
use super::Context;

/// The streaming items, or nothing for models that are not window models (or emit only one
/// half).
pub fn items(ctx: &Context<'_>) -> TokenStream {
    let Some(recipe) = ctx.model.data.as_ref().filter(|r| r.format == DataFormatName::Series)
    else {
        return quote!();
    };
    let (Some(window), features) = (recipe.window, recipe.features()) else { return quote!() };
    let parts = ctx.options.parts;
    if window * features != ctx.n || !(parts.encoder() && parts.decoder()) {
        return quote!();
    }
    let name = ctx.name;
    let (ty, s) = (ctx.precision.scratch(), usize_lit(ctx.plan.scratch_len));
    let scratch = quote!(#ty<#s>);
    let (n, f, w) = (usize_lit(ctx.n), usize_lit(features), usize_lit(window));
    let stream = quote!(::tinyae::stream::Window<#n, #f>);
    let columns = if recipe.columns.is_empty() {
        "one value".to_owned()
    } else {
        recipe.columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    };
    let period = recipe.sample_period_s.map_or(String::new(), |p| {
        format!(", one every {p} s ({} s per window)", p * window as f64)
    });
    let window_doc = format!(" Readings per window (the data recipe's `window`){period}.");
    let reading_doc = format!(" Values per reading: {columns}, in this order.");
    quote! {
        impl #name {
            #[doc = #window_doc]
            pub const WINDOW: usize = #w;
            #[doc = #reading_doc]
            pub const READING_LEN: usize = #f;
            /// RAM of a stream ([`Self::stream`]): the ring of the last readings (each stored
            /// twice, so a window is one contiguous array), three counters and the stride.
            pub const STREAM_BYTES: usize = ::core::mem::size_of::<#stream>();

            /// A stream that completes a window every `stride` readings once `WINDOW` have
            /// arrived (1: a score for every reading).
            pub const fn stream(stride: usize) -> #stream {
                ::tinyae::stream::Window::new(stride)
            }

            /// Adds one reading (raw, in user units) to `stream`; when it completes a window,
            /// returns that window's anomaly score, the same bits as [`Self::anomaly_score_into`]
            /// on the window. `y` receives its scaled-space reconstruction.
            #[inline]
            pub fn stream_score_into(
                stream: &mut #stream,
                reading: &[f32; #f],
                scratch: &mut #scratch,
                y: &mut [f32; #n],
            ) -> Option<f32> {
                match stream.push(reading) {
                    Some(x) => Some(#name::anomaly_score_into(x, scratch, y)),
                    None => None,
                }
            }
        }
    }
}
