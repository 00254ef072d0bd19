//! IDX files (MNIST's format): big-endian header `0 0 dtype ndim`, `ndim` u32 sizes, then data.
//! Gzip-compressed files are read transparently.

use std::path::Path;

use anyhow::{bail, Result};

use super::text::read_bytes;

/// An IDX array of unsigned bytes (the only element type MNIST uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Sizes, outermost first (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// Row-major values.
    pub data: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes (type code `0x08`), checking its magic and length.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let bytes = read_bytes(path)?;
    let shown = path.display();
    if bytes.is_empty() {
        bail!("{shown}: the file is empty");
    }
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        let magic: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        bail!(
            "{shown}: wrong IDX magic {}; an IDX file starts with 00 00 <type> <ndim> \
             (MNIST images: 00 00 08 03, labels: 00 00 08 01)",
            magic.join(" ")
        );
    }
    let (dtype, ndim) = (bytes[2], bytes[3] as usize);
    if dtype != 0x08 {
        bail!(
            "{shown}: IDX element type 0x{dtype:02x} is not supported; only unsigned bytes \
             (0x08, as in MNIST) are"
        );
    }
    if ndim == 0 {
        bail!("{shown}: IDX header declares 0 dimensions");
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        bail!("{shown}: truncated IDX header: {ndim} dimensions need {header} bytes");
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|d| {
            let at = 4 + 4 * d;
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        })
        .collect();
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let Some(expected) = expected else {
        bail!("{shown}: IDX dimensions {dims:?} overflow");
    };
    let found = bytes.len() - header;
    if found != expected {
        let shape: Vec<String> = dims.iter().map(usize::to_string).collect();
        bail!(
            "{shown}: IDX header promises {} = {expected} values, the file holds {found} \
             (truncated or not an IDX file)",
            shape.join("×")
        );
    }
    Ok(IdxArray { dims, data: bytes[header..].to_vec() })
}
