//! The integrity hash: a SHA-256 digest of a file's tensor data, written by every tinyae writer
//! and checked by every reader when present (docs/FORMAT.md "Integrity").
//!
//! The digest covers the data section exactly as stored: every byte after the header, in file
//! order. It does not depend on the header, so it can be written into the header's metadata
//! after the data is laid out, and checked by `tail -c +N file | sha256sum` outside tinyae.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind};

/// `__metadata__` key holding the digest of the tensor data (optional): `sha256:` and 64
/// lower-case hex digits.
pub const KEY_INTEGRITY: &str = "tinyae.integrity";

/// The algorithm prefix of [`KEY_INTEGRITY`] values.
const PREFIX: &str = "sha256:";

/// The [`KEY_INTEGRITY`] value for a data section.
pub fn digest(data: &[u8]) -> String {
    digest_parts([data])
}

/// The [`KEY_INTEGRITY`] value for a data section given as consecutive parts.
pub fn digest_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    let hash = hasher.finalize();
    let mut text = String::with_capacity(PREFIX.len() + 64);
    text.push_str(PREFIX);
    for byte in hash.iter() {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// The data section of a container (every byte after the header); empty when the header
/// length does not fit the file.
pub fn data_section(bytes: &[u8]) -> &[u8] {
    let header_len = bytes.get(..8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes);
    let start = usize::try_from(header_len).ok().and_then(|n| n.checked_add(8));
    start.and_then(|s| bytes.get(s..)).unwrap_or(&[])
}

/// Checks the data section against the metadata's digest, when the metadata has one.
pub fn check(metadata: &HashMap<String, String>, bytes: &[u8]) -> Result<(), Error> {
    let Some(stored) = metadata.get(KEY_INTEGRITY) else { return Ok(()) };
    let well_formed = stored.strip_prefix(PREFIX).is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if !well_formed {
        return Err(Error::new(
            ErrorKind::Integrity,
            format!(
                "`{KEY_INTEGRITY}` must be `{PREFIX}` followed by 64 lower-case hex digits, found `{stored}`"
            ),
        )
        .help(format!(
            "re-export the model with tinyae, or remove `{KEY_INTEGRITY}` to accept the file as is"
        )));
    }
    if digest(data_section(bytes)) != *stored {
        return Err(Error::new(
            ErrorKind::Integrity,
            format!(
                "tensor data does not match its integrity hash (`{KEY_INTEGRITY}`): the file was changed after it was written"
            ),
        )
        .help(format!("re-export it, or remove `{KEY_INTEGRITY}` to accept it as is")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_of_the_data() {
        // FIPS 180-2 test vector: SHA-256("abc").
        assert_eq!(
            digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn data_section_starts_after_the_header() {
        let mut bytes = 2u64.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}xyz");
        assert_eq!(data_section(&bytes), b"xyz");
    }

    #[test]
    fn malformed_and_mismatching_digests_are_errors() {
        let mut bytes = 2u64.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}abc");
        let meta = |v: &str| HashMap::from([(KEY_INTEGRITY.to_owned(), v.to_owned())]);
        assert!(check(&HashMap::new(), &bytes).is_ok());
        assert!(check(&meta(&digest(b"abc")), &bytes).is_ok());
        let wrong = check(&meta(&digest(b"abd")), &bytes).unwrap_err();
        assert!(wrong.message.starts_with("tensor data does not match its integrity hash"));
        let upper = digest(b"abc").to_uppercase().replace("SHA256", "sha256");
        let malformed = check(&meta(&upper), &bytes).unwrap_err();
        assert!(malformed.message.contains("64 lower-case hex digits"), "{malformed}");
    }
}
