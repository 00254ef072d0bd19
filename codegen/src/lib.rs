//! Code generation behind `tinyae::autoencoder!`, in a normal crate so every stage is
//! unit-tested. The macro crate is a thin shim over [`expand`].
//!
//! The pipeline reads top to bottom: input → resolve the path → read the file → IR and
//! validation (`tinyae-core`) → what this generator supports → emit.

pub mod emit;
pub mod input;
pub mod options;
pub mod resolve;
pub mod support;

use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;
use tinyae_core::Model;

pub use input::MacroInput;
pub use options::{Fma, Options, Parts, Unroll};

/// Expands one invocation; `env` looks up environment variables (injected for tests).
///
/// On error, returns the errors together with a stand-in for the named type, so the caller's
/// code does not drown in follow-on errors.
pub fn expand(input: &MacroInput, env: &dyn Fn(&str) -> Option<String>) -> TokenStream {
    let result = match &input.problem {
        Some(problem) => Err(problem.clone()),
        None => try_expand(input, env),
    };
    result.unwrap_or_else(|error| fallback(input, error))
}

fn try_expand(
    input: &MacroInput,
    env: &dyn Fn(&str) -> Option<String>,
) -> syn::Result<TokenStream> {
    let path = resolve::resolve(&input.path, env)?;
    let bytes = read_file(&input.path, &path)?;
    let model = tinyae_core::load(&bytes).map_err(|errors| file_errors(&input.path, errors))?;
    support::check(&model).map_err(|errors| file_errors(&input.path, errors))?;
    fma_covers(&model, input)?;
    let tracked = path.to_str().map(str::to_owned);
    let target = emit::Target {
        vis: &input.vis,
        name: &input.name,
        options: input.options,
        tracked_file: tracked.as_deref(),
    };
    Ok(emit::model(&model, &target))
}

/// `fma = true` fuses every float multiply-add the generated dense layers do: a layer whose
/// kernel cannot (`emit::fma::uncovered`) is an error, named, rather than a silent mix.
fn fma_covers(model: &Model, input: &MacroInput) -> syn::Result<()> {
    if input.options.fma != options::Fma::On {
        return Ok(());
    }
    let uncovered = emit::fma::uncovered(model, input.options);
    if uncovered.is_empty() {
        return Ok(());
    }
    let reasons = [emit::fma::OWN_KERNEL, emit::fma::INT8].into_iter().filter_map(|reason| {
        let names: Vec<String> =
            uncovered.iter().filter(|(_, r)| *r == reason).map(|(n, _)| format!("`{n}`")).collect();
        (!names.is_empty()).then(|| format!("{} ({reason})", names.join(", ")))
    });
    Err(syn::Error::new(
        input.path.span(),
        format!(
            "`fma = true`, but these layers have no fused multiply-add: {}\nhelp: use `fma = auto` (it fuses a model only when every float dense layer is f32 and unpruned, or unrolled), or `unroll = full`",
            reasons.collect::<Vec<_>>().join("; ")
        ),
    ))
}

/// Expands a model already in memory (for benchmarks and snapshot tests); the file is not
/// tracked.
pub fn expand_model(model: &Model, name: &str, options: Options) -> TokenStream {
    let name = syn::Ident::new(name, proc_macro2::Span::call_site());
    let vis: syn::Visibility = syn::parse_quote!(pub);
    emit::model(model, &emit::Target { vis: &vis, name: &name, options, tracked_file: None })
}

/// Reads the file, naming it as written (never the resolved absolute path, which differs
/// between machines).
fn read_file(written: &LitStr, resolved: &Path) -> syn::Result<Vec<u8>> {
    let shown = written.value();
    let fail = |message: String| Err(syn::Error::new(written.span(), message));
    if resolved.is_dir() {
        return fail(format!(
            "model path `{shown}` is a directory, expected a `.safetensors` file\nhelp: name the file, e.g. `{}/model.safetensors`",
            shown.trim_end_matches('/')
        ));
    }
    match std::fs::read(resolved) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fail(format!(
            "model file `{shown}` not found\nhelp: the path is relative to the directory of the crate's Cargo.toml; check the name, or train the model with `tinyae train`"
        )),
        Err(e) => fail(format!("cannot read model file `{shown}`: {e}")),
    }
}

/// One error per problem in the file, each spanned on the path literal and naming the file.
fn file_errors(written: &LitStr, errors: tinyae_core::Errors) -> syn::Error {
    let shown = written.value();
    let mut all =
        errors.into_iter().map(|e| syn::Error::new(written.span(), format!("in `{shown}`: {e}")));
    // `Errors` is never empty, so `first` always exists.
    let first = all
        .next()
        .unwrap_or_else(|| syn::Error::new(written.span(), format!("in `{shown}`: invalid model")));
    all.fold(first, |mut combined, next| {
        combined.combine(next);
        combined
    })
}

/// The errors, plus a stand-in for the named type with the whole generated API, so code that
/// uses the type reports only the real error.
///
/// Every size in the stand-in is `__TINYAE_INVALID_MODEL`, a constant whose value *is* the
/// `compile_error!` invocations. rustc treats a constant that failed to evaluate as an error
/// already reported, and does not report the types built on it again: `let z: [f32; 2] =
/// Ae::encode(&x)`, `let z = Ae::encode(&x)` and `[0.0; Ae::INPUT_LEN]` all type-check
/// silently. The trait impls are generic over every shape for the same reason.
fn fallback(input: &MacroInput, error: syn::Error) -> TokenStream {
    let (vis, name) = (&input.vis, &input.name);
    let errors: Vec<TokenStream> = error.into_iter().map(|e| e.to_compile_error()).collect();
    let bad = quote!(#name::__TINYAE_INVALID_MODEL);
    let scratch = quote!(::tinyae::Scratch<{ #bad }>);
    let x = quote!(&[f32; #bad]);
    let y = quote!(&mut [f32; #bad]);
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #vis struct #name;

        #[allow(dead_code, unused_variables, clippy::all)]
        impl #name {
            #[doc(hidden)]
            const __TINYAE_INVALID_MODEL: usize = { #(#errors);* };
            pub const INPUT_LEN: usize = #bad;
            pub const LATENT_LEN: usize = #bad;
            pub const PARAMS: usize = #bad;
            pub const MACS: usize = #bad;
            pub const WEIGHT_BYTES: usize = #bad;
            pub const SCRATCH_LEN: usize = #bad;
            pub const BUFFER_BYTES: usize = #bad;
            pub const FRAME_BYTES: usize = #bad;
            pub const STACK_BYTES: usize = #bad;
            pub const THRESHOLD: f32 = #bad as f32;
            pub const FMA: bool = #bad != 0;
            pub const fn new_scratch() -> #scratch { loop {} }
            pub fn encode(x: #x) -> [f32; #bad] { loop {} }
            pub fn encode_into(x: #x, scratch: &mut #scratch, z: #y) { loop {} }
            pub fn decode(z: #x) -> [f32; #bad] { loop {} }
            pub fn decode_into(z: #x, scratch: &mut #scratch, y: #y) { loop {} }
            pub fn reconstruct(x: #x) -> [f32; #bad] { loop {} }
            pub fn reconstruct_into(x: #x, scratch: &mut #scratch, y: #y) { loop {} }
            pub fn anomaly_score(x: #x) -> f32 { loop {} }
            pub fn anomaly_score_into(x: #x, scratch: &mut #scratch, y: #y) -> f32 { loop {} }
            pub fn is_anomaly(x: #x) -> bool { loop {} }
            pub fn sample_latent(x: #x, eps: #x) -> [f32; #bad] { loop {} }
            pub fn sample_latent_into(x: #x, eps: #x, scratch: &mut #scratch, z: #y) { loop {} }
        }

        #[allow(unused_variables, clippy::all)]
        const _: () = {
            impl ::tinyae::ModelInfo for #name {
                const PARAMS: usize = #bad;
                const MACS: usize = #bad;
                const WEIGHT_BYTES: usize = #bad;
                const SCRATCH_LEN: usize = #bad;
                const BUFFER_BYTES: usize = #bad;
                type Scratch = #scratch;
                fn new_scratch() -> Self::Scratch { loop {} }
            }
            impl<const N: usize, const L: usize> ::tinyae::Encoder<N, L> for #name {
                fn encode(x: &[f32; N]) -> [f32; L] { loop {} }
                fn encode_into(x: &[f32; N], scratch: &mut Self::Scratch, z: &mut [f32; L]) { loop {} }
            }
            impl<const L: usize, const N: usize> ::tinyae::Decoder<L, N> for #name {
                fn decode(z: &[f32; L]) -> [f32; N] { loop {} }
                fn decode_into(z: &[f32; L], scratch: &mut Self::Scratch, y: &mut [f32; N]) { loop {} }
            }
            impl<const N: usize, const L: usize> ::tinyae::Autoencoder<N, L> for #name {
                fn reconstruct(x: &[f32; N]) -> [f32; N] { loop {} }
                fn reconstruct_into(x: &[f32; N], scratch: &mut Self::Scratch, y: &mut [f32; N]) { loop {} }
                fn anomaly_score(x: &[f32; N]) -> f32 { loop {} }
                fn anomaly_score_into(x: &[f32; N], scratch: &mut Self::Scratch, y: &mut [f32; N]) -> f32 { loop {} }
            }
            impl<const N: usize, const L: usize> ::tinyae::AnomalyDetector<N, L> for #name {
                const THRESHOLD: f32 = #bad as f32;
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands `text` with `CARGO_MANIFEST_DIR` set to this crate's directory.
    fn expand_str(text: &str) -> String {
        let input: MacroInput = syn::parse_str(text).expect("parses");
        let env = |key: &str| {
            (key == "CARGO_MANIFEST_DIR").then(|| env!("CARGO_MANIFEST_DIR").to_owned())
        };
        expand(&input, &env).to_string()
    }

    #[test]
    fn file_errors_echo_the_path_as_written_next_to_a_stand_in() {
        let out = expand_str(r#"pub Ae = "no/such.safetensors""#);
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("model file `no/such.safetensors` not found"), "{out}");
        assert!(!out.contains(env!("CARGO_MANIFEST_DIR")), "absolute path leaked: {out}");
        assert!(out.contains("pub struct Ae"), "{out}");
        assert!(out.contains("__TINYAE_INVALID_MODEL"), "{out}");
        let out = expand_str(r#"Ae = "src""#);
        assert!(out.contains("model path `src` is a directory"), "{out}");
    }

    #[test]
    fn syntax_errors_after_the_name_keep_a_stand_in() {
        let out = expand_str(r#"pub Ae = "m.safetensors", unroll = fast"#);
        assert!(out.contains("unknown value `fast` for option `unroll`"), "{out}");
        assert!(out.contains("pub struct Ae"), "{out}");
    }
}
