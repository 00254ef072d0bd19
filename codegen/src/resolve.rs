//! Where the model file is: relative to the calling crate's manifest directory.
//!
//! rustc's working directory differs between builds, tests and doctests, so relative paths
//! are joined onto `CARGO_MANIFEST_DIR`. trybuild compiles UI cases in a directory of its own;
//! it sets [`OVERRIDE_VAR`] so the cases' paths resolve against the real test crate.

use std::path::PathBuf;

use syn::LitStr;

/// When set, relative model paths resolve against this directory instead of
/// `CARGO_MANIFEST_DIR` (used by the UI tests; not meant for users).
pub const OVERRIDE_VAR: &str = "TINYAE_MANIFEST_DIR";

/// Resolves the path literal; `env` looks up an environment variable (injected for tests).
pub fn resolve(path: &LitStr, env: &dyn Fn(&str) -> Option<String>) -> syn::Result<PathBuf> {
    let written = PathBuf::from(path.value());
    if written.as_os_str().is_empty() {
        return Err(syn::Error::new(
            path.span(),
            "the model path is empty\nhelp: give the path of the `.safetensors` file relative to the crate's Cargo.toml, e.g. \"models/sensor.safetensors\"",
        ));
    }
    if written.is_absolute() {
        return Ok(written);
    }
    let base = env(OVERRIDE_VAR).or_else(|| env("CARGO_MANIFEST_DIR")).ok_or_else(|| {
        syn::Error::new(
            path.span(),
            format!(
                "cannot resolve the relative model path `{}`: CARGO_MANIFEST_DIR is not set\nhelp: build with cargo, or use an absolute path",
                path.value()
            ),
        )
    })?;
    Ok(PathBuf::from(base).join(written))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> LitStr {
        LitStr::new(s, proc_macro2::Span::call_site())
    }

    #[test]
    fn joins_onto_manifest_dir_unless_overridden() {
        let env = |k: &str| (k == "CARGO_MANIFEST_DIR").then(|| "/crate".to_owned());
        assert_eq!(
            resolve(&lit("m/a.safetensors"), &env).unwrap(),
            PathBuf::from("/crate/m/a.safetensors")
        );
        let env = |k: &str| match k {
            OVERRIDE_VAR => Some("/tests".to_owned()),
            _ => Some("/crate".to_owned()),
        };
        assert_eq!(
            resolve(&lit("a.safetensors"), &env).unwrap(),
            PathBuf::from("/tests/a.safetensors")
        );
        assert_eq!(
            resolve(&lit("/abs/a.safetensors"), &env).unwrap(),
            PathBuf::from("/abs/a.safetensors")
        );
    }

    #[test]
    fn reports_missing_manifest_dir() {
        let e = resolve(&lit("a"), &|_| None).unwrap_err();
        assert!(e.to_string().contains("CARGO_MANIFEST_DIR is not set"));
    }
}
