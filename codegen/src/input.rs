//! The macro's input: `[vis] Name = "path" [, key = value]*`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, Visibility};

use crate::options::{Options, Parts, Unroll};

/// A parsed `autoencoder!` invocation; every literal keeps its span for error messages.
#[derive(Debug)]
pub struct MacroInput {
    /// Visibility of the generated type.
    pub vis: Visibility,
    /// Name of the generated type.
    pub name: Ident,
    /// The model path as written.
    pub path: LitStr,
    /// Options after the path.
    pub options: Options,
}

impl Parse for MacroInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the model path as a string literal, e.g. \"models/sensor.safetensors\"",
            )
        })?;
        let mut options = Options::default();
        let mut seen: Vec<String> = Vec::new();
        while input.parse::<Option<Token![,]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: Ident = input.parse()?;
            let key_name = key.to_string();
            if seen.contains(&key_name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("option `{key_name}` is given twice"),
                ));
            }
            seen.push(key_name.clone());
            match key_name.as_str() {
                "unroll" => options.unroll = parse_unroll(&value)?,
                "parts" => options.parts = parse_parts(&value)?,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{key_name}`; expected `unroll` or `parts`"),
                    ))
                }
            }
        }
        if !input.is_empty() {
            return Err(input.error("expected `,` followed by an option such as `unroll = auto`"));
        }
        Ok(MacroInput { vis, name, path, options })
    }
}

fn parse_unroll(value: &Ident) -> syn::Result<Unroll> {
    match value.to_string().as_str() {
        "full" => Ok(Unroll::Full),
        "loops" => Ok(Unroll::Loops),
        "auto" => Ok(Unroll::Auto),
        other => Err(bad_value(value.span(), "unroll", other, "full, loops or auto")),
    }
}

fn parse_parts(value: &Ident) -> syn::Result<Parts> {
    match value.to_string().as_str() {
        "all" => Ok(Parts::All),
        "encoder" => Ok(Parts::Encoder),
        "decoder" => Ok(Parts::Decoder),
        other => Err(bad_value(value.span(), "parts", other, "all, encoder or decoder")),
    }
}

fn bad_value(span: Span, key: &str, found: &str, expected: &str) -> syn::Error {
    syn::Error::new(span, format!("`{key} = {found}` is not an option; expected {expected}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options() {
        let i: MacroInput =
            syn::parse_str(r#"pub Ae = "m.safetensors", unroll = full, parts = encoder"#).unwrap();
        assert_eq!(i.name, "Ae");
        assert_eq!(i.path.value(), "m.safetensors");
        assert_eq!(i.options, Options { unroll: Unroll::Full, parts: Parts::Encoder });
        let i: MacroInput = syn::parse_str(r#"Ae = "m.safetensors","#).unwrap();
        assert_eq!(i.options, Options::default());
    }

    #[test]
    fn rejects_unknown_options() {
        let e = syn::parse_str::<MacroInput>(r#"Ae = "m", speed = max"#).unwrap_err();
        assert!(e.to_string().contains("unknown option `speed`"));
        let e = syn::parse_str::<MacroInput>(r#"Ae = "m", unroll = some"#).unwrap_err();
        assert!(e.to_string().contains("expected full, loops or auto"));
        let e = syn::parse_str::<MacroInput>(r#"Ae = models"#).unwrap_err();
        assert!(e.to_string().contains("string literal"));
    }
}
