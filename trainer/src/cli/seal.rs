//! `tinyae seal MODEL...`: rewrites model files through the one model writer so they carry the
//! integrity hash of their tensor data (docs/FORMAT.md "Integrity"), without changing a byte of
//! that data. It is how files written before the hash existed, or by other tools, get one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use tinyae_core::format;

/// `tinyae seal` flags.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The model files, each rewritten in place (atomically).
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// Only report which files would change; write nothing (exit 1 if any would).
    #[arg(long)]
    pub check: bool,
}

/// Runs `tinyae seal`.
pub fn run(a: SealArgs) -> Result<ExitCode> {
    let mut stale = 0;
    for path in &a.models {
        let (old, new) = sealed(path)?;
        if old == new {
            println!("{}: sealed, unchanged", path.display());
            continue;
        }
        stale += 1;
        if a.check {
            println!("{}: would be rewritten with its integrity hash", path.display());
        } else {
            format::write_atomic(path, &new)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{}: rewritten with its integrity hash", path.display());
        }
    }
    Ok(if a.check && stale > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// A file's bytes and the bytes the model writer gives for it, whose tensor data must be the
/// same bytes (otherwise the rewrite would change the model, and nothing is written).
fn sealed(path: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    let old = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let model = tinyae_core::load(&old)
        .map_err(|e| anyhow::anyhow!("{}: invalid model file:\n{e}", path.display()))?;
    let new = format::to_bytes(&model)
        .map_err(|e| anyhow::anyhow!("{}: cannot serialize the model: {e}", path.display()))?;
    if format::data_section(&old) != format::data_section(&new) {
        bail!(
            "{}: rewriting would change its tensor data (it was not laid out by tinyae's writer); \
             nothing was written\nhelp: re-export the model with `tinyae import` or the tool that made it",
            path.display()
        );
    }
    Ok((old, new))
}
