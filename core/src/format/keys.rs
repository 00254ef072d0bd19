//! Unknown `tinyae.*` metadata keys are errors, with the nearest known key as the fix: a
//! misspelt `tinyae.preprocesing` would otherwise drop the input scaling without a word.

use std::collections::HashMap;

use super::KEYS;
use crate::error::{Error, ErrorKind, Errors};

/// Every metadata key under `tinyae.` is one of [`KEYS`]; other keys are the user's own.
pub(super) fn check(metadata: &HashMap<String, String>) -> Result<(), Errors> {
    let mut unknown: Vec<&String> = metadata
        .keys()
        .filter(|k| k.starts_with("tinyae.") && !KEYS.contains(&k.as_str()))
        .collect();
    unknown.sort();
    let errors = unknown.into_iter().map(|key| {
        let help = match closest(key) {
            Some(known) => format!("did you mean `{known}`? rename the key (docs/FORMAT.md §Metadata entries)"),
            None => format!(
                "the `tinyae.` prefix is reserved for the format's entries ({}); store your own data under another prefix",
                KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        Error::new(ErrorKind::BadMetadata, format!("`__metadata__` has an unknown entry `{key}`"))
            .help(help)
    });
    match Errors::from_vec(errors.collect()) {
        Some(errors) => Err(errors),
        None => Ok(()),
    }
}

/// The known key nearest to `key`, if it is near enough to be a typo (at most a third of its
/// characters differ).
fn closest(key: &str) -> Option<&'static str> {
    let suffix = |k: &str| k.trim_start_matches("tinyae.").to_owned();
    let (distance, known) =
        KEYS.iter().map(|k| (strsim::levenshtein(&suffix(key), &suffix(k)), *k)).min()?;
    (distance * 3 <= suffix(known).len()).then_some(known)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_near_keys_only() {
        assert_eq!(super::closest("tinyae.preprocesing"), Some("tinyae.preprocessing"));
        assert_eq!(super::closest("tinyae.anomoly"), Some("tinyae.anomaly"));
        assert_eq!(super::closest("tinyae.format_versoin"), Some("tinyae.format_version"));
        assert_eq!(super::closest("tinyae.weights_hash"), None);
    }
}
