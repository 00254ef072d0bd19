//! Temporary files left by killed runs. Every file the trainer writes goes through
//! `.<name>.<pid>.tmp` (plots: `.<name>.<pid>.tmp.png`) and a rename; a run killed between the
//! two leaves the temporary file behind. The next run removes the ones it can prove are
//! orphans: named after one of its own output files, and written by a process that no longer
//! exists. Anything else, including another live run's file, is left alone.

use std::path::{Path, PathBuf};

/// Removes orphaned temporary files of `outputs` (paths of files a run writes); returns the
/// removed paths. Does nothing where process liveness cannot be checked (no `/proc`).
pub fn remove_orphans(outputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    if !Path::new("/proc/self").exists() {
        return removed;
    }
    for output in outputs {
        let dir = match output.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let Some(name) = output.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = orphan_pid(&file, &name) else { continue };
            let alive = Path::new("/proc").join(pid.to_string()).exists();
            if !alive && entry.file_type().is_ok_and(|t| t.is_file()) {
                let path = entry.path();
                if std::fs::remove_file(&path).is_ok() {
                    removed.push(path);
                }
            }
        }
    }
    removed
}

/// The pid of `file` when it is a temporary file of `name`: `.<name>.<pid>.tmp[.png]`.
fn orphan_pid(file: &str, name: &str) -> Option<u32> {
    let rest = file.strip_prefix('.')?.strip_prefix(name)?.strip_prefix('.')?;
    let pid = rest.strip_suffix(".tmp").or_else(|| rest.strip_suffix(".tmp.png"))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_only_temporary_files_of_the_given_name() {
        assert_eq!(orphan_pid(".m.safetensors.123.tmp", "m.safetensors"), Some(123));
        assert_eq!(orphan_pid(".m.loss.png.77.tmp.png", "m.loss.png"), Some(77));
        assert_eq!(orphan_pid(".m.safetensors.12a.tmp", "m.safetensors"), None);
        assert_eq!(orphan_pid(".other.safetensors.123.tmp", "m.safetensors"), None);
        assert_eq!(orphan_pid("m.safetensors.123.tmp", "m.safetensors"), None);
        assert_eq!(orphan_pid(".m.safetensors.checkpoint.1.tmp", "m.safetensors"), None);
    }
}
