//! Code generation behind `tinyae::autoencoder!`, in a normal crate so every stage is
//! unit-tested. The macro crate is a thin shim over [`expand`].
//!
//! The pipeline reads top to bottom: input → resolve the path → read the file → IR and
//! validation (`tinyae-core`) → what this generator supports → emit.

pub mod emit;
pub mod input;
pub mod options;
pub mod resolve;
mod support;

use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;
use tinyae_core::Model;

pub use input::MacroInput;
pub use options::{Options, Parts, Unroll};

/// Expands one invocation; `env` looks up environment variables (injected for tests).
///
/// On error, returns the errors together with a stub of the named type, so the caller's
/// code does not drown in follow-on errors.
pub fn expand(input: &MacroInput, env: &dyn Fn(&str) -> Option<String>) -> TokenStream {
    match try_expand(input, env) {
        Ok(tokens) => tokens,
        Err(error) => {
            let stub = fallback(input);
            let error = error.into_compile_error();
            quote!(#error #stub)
        }
    }
}

fn try_expand(
    input: &MacroInput,
    env: &dyn Fn(&str) -> Option<String>,
) -> syn::Result<TokenStream> {
    let path = resolve::resolve(&input.path, env)?;
    let bytes = std::fs::read(&path).map_err(|e| read_error(&input.path, &path, &e))?;
    let model = tinyae_core::load(&bytes).map_err(|errors| file_errors(&input.path, errors))?;
    support::check(&model).map_err(|errors| file_errors(&input.path, errors))?;
    let tracked = path.to_str().map(str::to_owned);
    let target = emit::Target {
        vis: &input.vis,
        name: &input.name,
        options: input.options,
        tracked_file: tracked.as_deref(),
    };
    Ok(emit::model(&model, &target))
}

/// Expands a model already in memory (for benchmarks and snapshot tests); the file is not
/// tracked.
pub fn expand_model(model: &Model, name: &str, options: Options) -> TokenStream {
    let name = syn::Ident::new(name, proc_macro2::Span::call_site());
    let vis: syn::Visibility = syn::parse_quote!(pub);
    emit::model(model, &emit::Target { vis: &vis, name: &name, options, tracked_file: None })
}

fn read_error(written: &LitStr, resolved: &Path, error: &std::io::Error) -> syn::Error {
    let shown = written.value();
    let message = match error.kind() {
        std::io::ErrorKind::NotFound => format!(
            "model file `{shown}` not found\nhelp: the path is relative to the crate's Cargo.toml (CARGO_MANIFEST_DIR); check the name or train it with `tinyae train`"
        ),
        _ => format!("cannot read model file `{shown}`: {error}"),
    };
    let _ = resolved;
    syn::Error::new(written.span(), message)
}

fn file_errors(written: &LitStr, errors: tinyae_core::Errors) -> syn::Error {
    let shown = written.value();
    let mut combined: Option<syn::Error> = None;
    for e in errors {
        let next = syn::Error::new(written.span(), format!("in `{shown}`: {e}"));
        match &mut combined {
            Some(c) => c.combine(next),
            None => combined = Some(next),
        }
    }
    combined
        .unwrap_or_else(|| syn::Error::new(written.span(), format!("in `{shown}`: invalid model")))
}

/// A stand-in for the named type with the API's names and no shapes, so code that uses the
/// model reports only the real error.
fn fallback(input: &MacroInput) -> TokenStream {
    let (vis, name) = (&input.vis, &input.name);
    quote! {
        #vis struct #name;
        #[allow(dead_code, unused_variables, clippy::empty_loop)]
        impl #name {
            pub const INPUT_LEN: usize = 0;
            pub const LATENT_LEN: usize = 0;
            pub const PARAMS: usize = 0;
            pub const MACS: usize = 0;
            pub const WEIGHT_BYTES: usize = 0;
            pub const SCRATCH_LEN: usize = 0;
            pub const BUFFER_BYTES: usize = 0;
            pub const THRESHOLD: f32 = 0.0;
            pub fn encode<const N: usize, const L: usize>(x: &[f32; N]) -> [f32; L] { loop {} }
            pub fn decode<const L: usize, const N: usize>(z: &[f32; L]) -> [f32; N] { loop {} }
            pub fn reconstruct<const N: usize>(x: &[f32; N]) -> [f32; N] { loop {} }
            pub fn anomaly_score<const N: usize>(x: &[f32; N]) -> f32 { loop {} }
            pub fn is_anomaly<const N: usize>(x: &[f32; N]) -> bool { loop {} }
        }
    }
}
