//! Shared by `no_std.rs` and `firmware.rs`: nested cargo builds for bare-metal targets, the
//! skip-or-fail policy for missing tools, and a small ELF reader.

#![allow(dead_code)] // each test binary uses a different subset

pub mod elf;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

use tinyae_tests::repo_root;

/// The target directory of every nested embedded build (its own, so the outer `cargo test`
/// never waits on its own lock).
pub fn target_dir() -> PathBuf {
    repo_root().join("target").join("embedded")
}

/// Whether the environment variable `var` is set to `1`.
fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// `Ok(())` when `missing` is empty; otherwise a skip (printed reason) or, when `var` is `1`,
/// a failure. Returns whether the caller should go on.
pub fn available(what: &str, missing: &[String], var: &str, fix: &str) -> bool {
    if missing.is_empty() {
        return true;
    }
    let list = missing.join(", ");
    assert!(!required(var), "{what} not installed: {list}; {var}=1 makes this an error ({fix})");
    eprintln!("SKIPPED {what}: {list} not installed ({fix}; set {var}=1 to fail instead)");
    false
}

/// The installed Rust targets among `targets` that are missing (no `core` in the sysroot).
pub fn missing_targets(targets: &[&str]) -> Vec<String> {
    targets.iter().filter(|t| !target_installed(t)).map(|t| (*t).to_owned()).collect()
}

fn target_installed(target: &str) -> bool {
    let out = Command::new(rustc()).args(["--print", "target-libdir", "--target", target]).output();
    let Ok(out) = out else { return false };
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
    })
}

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned())
}

/// Programs among `programs` not found on `PATH`.
pub fn missing_programs(programs: &[&str]) -> Vec<String> {
    programs.iter().filter(|p| !on_path(p)).map(|p| (*p).to_owned()).collect()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// `cargo <args>` run in `dir` (so its `.cargo/config.toml` applies), with the variables of the
/// outer build that would change the nested one removed: a `RUSTFLAGS` would replace the
/// firmware's linker arguments.
pub fn cargo(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .arg("--target-dir")
        .arg(target_dir())
        .current_dir(dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("TINYAE_MANIFEST_DIR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo in {}: {e}", dir.display()))
}

/// What an emulator printed, and how it ended.
pub struct Emulated {
    /// The exit status (`timeout`'s 124 when it ran out of time).
    pub status: ExitStatus,
    /// Everything the firmware wrote to the console.
    pub stdout: String,
    /// QEMU's own messages.
    pub stderr: String,
}

/// Runs an emulator (`cmd`, stdin closed) to the end with its output in files under the
/// embedded target directory, not in pipes: QEMU makes its console non-blocking and drops
/// whatever a full pipe does not take. A reader three seconds late received 65,456 of the
/// quant firmware's 199,512 bytes, and under a loaded machine's `cargo test` two lines of the
/// Cortex-M4F report once ran together. A regular file takes every write.
pub fn emulate(cmd: &mut Command, name: &str) -> Emulated {
    let dir = target_dir();
    std::fs::create_dir_all(&dir).expect("create the embedded target directory");
    // Unique per run: tests in one process may emulate the same board at once.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = |stream: &str| dir.join(format!("{name}.{}.{run}.{stream}", std::process::id()));
    let (out_path, err_path) = (path("stdout"), path("stderr"));
    let file = |p: &PathBuf| {
        std::fs::File::create(p).unwrap_or_else(|e| panic!("create {}: {e}", p.display()))
    };
    let status = cmd
        .stdin(Stdio::null())
        .stdout(file(&out_path))
        .stderr(file(&err_path))
        .status()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let read = |p: &PathBuf| {
        let bytes = std::fs::read(p).unwrap_or_default();
        let _ = std::fs::remove_file(p);
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Emulated { status, stdout: read(&out_path), stderr: read(&err_path) }
}

/// Panics with cargo's output unless it succeeded.
pub fn expect_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies the workspace's `Cargo.lock` next to a standalone crate's manifest, so the nested
/// build resolves exactly the versions the workspace already downloaded and works offline.
pub fn use_workspace_lockfile(krate: &Path) {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let lock =
        std::fs::read(repo_root().join("Cargo.lock")).expect("read the workspace Cargo.lock");
    let dest = krate.join("Cargo.lock");
    if std::fs::read(&dest).is_ok_and(|existing| existing == lock) {
        return;
    }
    let tmp = krate.join(format!("Cargo.lock.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &lock).expect("write Cargo.lock.tmp");
    std::fs::rename(&tmp, &dest).expect("rename Cargo.lock");
}
