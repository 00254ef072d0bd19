//! The `autoencoder!` macro. Everything but the entry point lives in `tinyae-codegen`, a
//! normal crate, so it can be unit-tested; use the macro through the `tinyae` crate.

use proc_macro::TokenStream;
use syn::parse_macro_input;
use tinyae_codegen::MacroInput;

/// Generates allocation-free, panic-free inference code for a tinyae model file.
///
/// ```ignore
/// tinyae::autoencoder!(pub SensorAe = "models/sensor.safetensors");
/// tinyae::autoencoder!(pub EcgEncoder = "models/ecg5000.safetensors", parts = encoder, unroll = loops);
/// ```
///
/// The path is relative to the calling crate's `Cargo.toml`; the crate is rebuilt when the
/// file changes. Options: `unroll = auto | full | loops` (default `auto`) and
/// `parts = all | encoder | decoder` (default `all`).
#[proc_macro]
pub fn autoencoder(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as MacroInput);
    tinyae_codegen::expand(&input, &|key| std::env::var(key).ok()).into()
}
