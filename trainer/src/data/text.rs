//! Reading files whole, gunzipping transparently (by magic bytes, not by name).

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// The file's bytes, decompressed when it starts with the gzip magic `1f 8b`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .with_context(|| format!("{}: corrupt gzip data", path.display()))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The file as UTF-8 text; a non-UTF-8 byte is reported with its line.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!("{}:{line}: not UTF-8 text (is this a binary file?)", path.display())
        }
    }
}
