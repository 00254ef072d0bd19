//! `#![no_std]` and panic-freedom proofs for the generated code (crate `tests/no_std`).
//!
//! - The crate expands `autoencoder!` for the sensor, ECG-sized, MNIST-sized and VAE fixtures
//!   (every unroll mode and part) and calls every generated function; it must build for
//!   `thumbv7em-none-eabihf` and `riscv32imc-unknown-none-elf`.
//! - Its release panic handler calls a symbol defined nowhere, so the link fails if any panic
//!   path survives optimization; independently, the linked ELF must contain no symbol whose
//!   name mentions `panic` (`core::panicking::*`, `panic_bounds_check`, the handler itself).
//! - Both checks are shown to fail: the `deliberate-panic` feature adds an unprovable index
//!   and must not link; with `loop-panic-handler` it links and the symbol check must fire.
//!
//! Missing targets skip with a printed reason, or fail when `TINYAE_REQUIRE_TARGETS=1`.

mod embedded;

use std::path::PathBuf;
use std::sync::Mutex;

use embedded::elf::Elf;
use embedded::{available, cargo, expect_success, missing_targets, target_dir};
use tinyae_tests::repo_root;

const TARGETS: [&str; 2] = ["thumbv7em-none-eabihf", "riscv32imc-unknown-none-elf"];
/// The undefined symbol the release panic handler calls (tests/no_std/src/main.rs).
const TRAP: &str = "tinyae_error_inference_has_a_panic_path";

fn krate() -> PathBuf {
    repo_root().join("tests").join("no_std")
}

fn targets_ready(targets: &[&str]) -> bool {
    let fix = "rustup target add ".to_owned() + &targets.join(" ");
    available("bare-metal Rust targets", &missing_targets(targets), "TINYAE_REQUIRE_TARGETS", &fix)
}

/// Held while building and reading the binary: the tests build the same crate with different
/// features into one target directory, so they take turns.
static BUILDS: Mutex<()> = Mutex::new(());

fn build(target: &str, features: &str) -> std::process::Output {
    embedded::use_workspace_lockfile(&krate());
    let mut args = vec!["build", "--release", "--offline", "--target", target];
    if !features.is_empty() {
        args.extend(["--features", features]);
    }
    cargo(&krate(), &args)
}

fn binary(target: &str) -> PathBuf {
    target_dir().join(target).join("release").join("tinyae-no-std")
}

/// Symbols of the panic machinery: anything naming `panic`, plus the handler's entry.
fn panic_symbols(elf: &Elf) -> Vec<String> {
    elf.symbols
        .iter()
        .filter(|s| s.name.contains("panic") || s.name.contains("rust_begin_unwind"))
        .map(|s| s.name.clone())
        .collect()
}

#[test]
fn generated_code_builds_without_std_and_links_no_panic_path() {
    if !targets_ready(&TARGETS) {
        return;
    }
    let _turn = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    for target in TARGETS {
        let out = build(target, "");
        expect_success(&format!("release no_std build for {target}"), &out);
        let elf = Elf::read(&binary(target));
        assert_eq!(panic_symbols(&elf), Vec::<String>::new(), "panic machinery linked on {target}");
        // The build really contains the generated code: every model's weights are linked.
        let rodata: u64 = elf
            .sections
            .iter()
            .filter(|s| s.name.starts_with(".rodata"))
            .map(|s| u64::from(s.size))
            .sum();
        assert!(rodata > 884_000, "{target}: only {rodata} bytes of constants; calls were removed");
    }
}

#[test]
fn panic_checks_fail_on_a_deliberate_panic_path() {
    let target = TARGETS[0];
    if !targets_ready(&[target]) {
        return;
    }
    let _turn = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let out = build(target, "deliberate-panic");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a panicking build linked; the link-time check is broken");
    assert!(
        stderr.contains(TRAP),
        "the link failed for another reason than the panic trap:\n{stderr}"
    );

    // With a handler that links, the panic path is visible in the symbol table.
    let out = build(target, "deliberate-panic loop-panic-handler");
    expect_success("deliberate-panic build with a linkable handler", &out);
    let symbols = panic_symbols(&Elf::read(&binary(target)));
    assert!(
        symbols.iter().any(|s| s.contains("panic_bounds_check")),
        "the symbol check missed a bounds-check panic; found {symbols:?}"
    );
}
