//! The macro's input: `[vis] Name = "path" [, key = value]*`.
//!
//! Once the type's name is read, a later syntax error does not fail the parse: it is kept in
//! [`MacroInput::problem`] so the expansion can emit it next to a stand-in of the named type,
//! and code using the type reports only the real mistake.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, Visibility};

use crate::options::{Fma, Options, Parts, Unroll};

const EXAMPLE: &str = r#"`pub SensorAe = "models/sensor.safetensors"`"#;
const OPTIONS_HELP: &str =
    "help: the options are `unroll = auto | full | loops`, `parts = all | encoder | decoder` and `fma = false | true | auto`";

/// A parsed `autoencoder!` invocation; every literal keeps its span for error messages.
#[derive(Debug)]
pub struct MacroInput {
    /// Visibility of the generated type.
    pub vis: Visibility,
    /// Name of the generated type.
    pub name: Ident,
    /// The model path as written (empty when [`MacroInput::problem`] is set).
    pub path: LitStr,
    /// Options after the path.
    pub options: Options,
    /// A syntax error after the name: expansion reports it instead of reading the file.
    pub problem: Option<syn::Error>,
}

impl Parse for MacroInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected the name of the type to generate, as in {EXAMPLE}"),
            )
        })?;
        match path_and_options(input, &name) {
            Ok((path, options)) => Ok(MacroInput { vis, name, path, options, problem: None }),
            Err(problem) => {
                // Skip the rest so the parse succeeds and the stand-in type can be emitted.
                input.parse::<TokenStream>()?;
                let path = LitStr::new("", name.span());
                let options = Options::default();
                Ok(MacroInput { vis, name, path, options, problem: Some(problem) })
            }
        }
    }
}

fn path_and_options(input: ParseStream<'_>, name: &Ident) -> syn::Result<(LitStr, Options)> {
    input.parse::<Token![=]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected `=` and the model path after `{name}`, as in {EXAMPLE}"),
        )
    })?;
    let path: LitStr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the model path as a string literal, e.g. \"models/sensor.safetensors\"",
        )
    })?;
    let mut options = Options::default();
    let mut seen: Vec<Ident> = Vec::new();
    while input.parse::<Option<Token![,]>>()?.is_some() {
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(e.span(), format!("expected an option name\n{OPTIONS_HELP}"))
        })?;
        // Spanned on the option's name: at the end of the input syn would point at the whole
        // invocation.
        input.parse::<Token![=]>().map_err(|_| {
            syn::Error::new(
                key.span(),
                format!("expected `=` and a value after option `{key}`\n{OPTIONS_HELP}"),
            )
        })?;
        // `parse_any`: `true` and `false` are keywords, not identifiers, to syn.
        let value: Ident = input.call(Ident::parse_any).map_err(|_| {
            syn::Error::new(
                key.span(),
                format!("expected a word as the value of option `{key}`\n{OPTIONS_HELP}"),
            )
        })?;
        if seen.contains(&key) {
            return Err(syn::Error::new(
                key.span(),
                format!("option `{key}` is given twice\nhelp: keep one `{key} = ...`"),
            ));
        }
        match key.to_string().as_str() {
            "unroll" => options.unroll = parse_unroll(&value)?,
            "parts" => options.parts = parse_parts(&value)?,
            "fma" => options.fma = parse_fma(&value)?,
            _ => {
                let expected = "expected `unroll`, `parts` or `fma`";
                let message = format!("unknown option `{key}`, {expected}\n{OPTIONS_HELP}");
                return Err(syn::Error::new(key.span(), message));
            }
        }
        seen.push(key);
    }
    if !input.is_empty() {
        return Err(input.error(format!(
            "unexpected tokens after the model path, expected `,` and an option\n{OPTIONS_HELP}"
        )));
    }
    Ok((path, options))
}

/// The value of option `key` among its `choices` (word, value); an unknown word is an error
/// that lists `expected`.
fn parse_choice<T: Copy>(
    value: &Ident,
    key: &str,
    choices: [(&str, T); 3],
    expected: &str,
) -> syn::Result<T> {
    let found = value.to_string();
    match choices.iter().find(|(word, _)| *word == found) {
        Some(&(_, choice)) => Ok(choice),
        None => Err(syn::Error::new(
            value.span(),
            format!(
                "unknown value `{found}` for option `{key}`, expected {expected}\n{OPTIONS_HELP}"
            ),
        )),
    }
}

fn parse_unroll(value: &Ident) -> syn::Result<Unroll> {
    let choices = [("full", Unroll::Full), ("loops", Unroll::Loops), ("auto", Unroll::Auto)];
    parse_choice(value, "unroll", choices, "`auto`, `full` or `loops`")
}

fn parse_parts(value: &Ident) -> syn::Result<Parts> {
    let choices = [("all", Parts::All), ("encoder", Parts::Encoder), ("decoder", Parts::Decoder)];
    parse_choice(value, "parts", choices, "`all`, `encoder` or `decoder`")
}

fn parse_fma(value: &Ident) -> syn::Result<Fma> {
    let choices = [("false", Fma::Off), ("true", Fma::On), ("auto", Fma::Auto)];
    parse_choice(value, "fma", choices, "`false`, `true` or `auto`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        let input: MacroInput = syn::parse_str(text).expect("parses once the name is read");
        input.problem.expect("a problem").to_string()
    }

    #[test]
    fn parses_options() {
        let i: MacroInput = syn::parse_str(
            r#"pub Ae = "m.safetensors", unroll = full, parts = encoder, fma = true"#,
        )
        .unwrap();
        assert_eq!(i.name, "Ae");
        assert_eq!(i.path.value(), "m.safetensors");
        let expected = Options { unroll: Unroll::Full, parts: Parts::Encoder, fma: Fma::On };
        assert_eq!(i.options, expected);
        for (text, fma) in [("false", Fma::Off), ("auto", Fma::Auto)] {
            let i: MacroInput = syn::parse_str(&format!(r#"Ae = "m", fma = {text}"#)).unwrap();
            assert_eq!(i.options.fma, fma);
        }
        assert!(i.problem.is_none());
        let i: MacroInput = syn::parse_str(r#"Ae = "m.safetensors","#).unwrap();
        assert_eq!(i.options, Options::default());
    }

    #[test]
    fn keeps_problems_after_the_name() {
        assert!(problem(r#"Ae = "m", speed = max"#).contains("unknown option `speed`"));
        assert!(
            problem(r#"Ae = "m", unroll = some"#).contains("expected `auto`, `full` or `loops`")
        );
        assert!(problem(r#"Ae = "m", parts = all, parts = all"#).contains("given twice"));
        assert!(problem(r#"Ae = "m", fma = yes"#).contains("expected `false`, `true` or `auto`"));
        assert!(problem(r#"Ae = models"#).contains("string literal"));
        assert!(problem(r#"Ae "m""#).contains("expected `=` and the model path after `Ae`"));
        assert!(problem(r#"Ae = "m" unroll = full"#).contains("unexpected tokens"));
    }

    #[test]
    fn fails_without_a_name() {
        let e = syn::parse_str::<MacroInput>(r#""m.safetensors""#).unwrap_err();
        assert!(e.to_string().contains("expected the name of the type"), "{e}");
    }
}
