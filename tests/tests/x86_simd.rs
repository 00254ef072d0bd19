//! The x86 SIMD kernels, bit for bit, in the builds that compile them.
//!
//! The runtime picks its x86 kernels at compile time from the target's features (AVX2, F16C,
//! FMA, AVX-512 F/BW/VL/VNNI): the default `cargo test` build is generic x86-64, where none of
//! them exists, yet they are what a user's `-C target-cpu=native` build runs. So this test
//! builds the suite twice more, each in a directory of its own under `target/`:
//!
//! - `-C target-cpu=native`: the runtime's unit tests (every kernel against the portable loop)
//!   and the parity tests (the generated code of every shipped and fixture model against the
//!   reference interpreter, f32, f16, int8, pruned, conv, LSTM, imported, mixed, fused). On
//!   an AVX-512 VNNI core (AMD Zen 4, Intel Xeon since Cascade Lake) these are the 512-bit and
//!   VNNI forms; on Zen 3 or older Intel, the AVX2 ones.
//! - `-C target-feature=+avx2,+fma,+f16c` on generic x86-64: the runtime's unit tests, for the
//!   AVX2 forms that an AVX-512 machine's native build replaces.
//!
//! Skipped with a printed reason on a host that is not x86-64 or has no AVX2 (its own kernels
//! could not run there).

use std::path::Path;
use std::process::Command;

use tinyae_tests::repo_root;

/// The parity test binaries of this crate (not this one: the nested run must not recurse).
const PARITY: [&str; 7] = [
    "parity",
    "quant_parity",
    "fma_parity",
    "mixed_parity",
    "conv_lstm_parity",
    "import_parity",
    "conv_rows",
];

/// `cargo test` of `args` with `rustflags`, into `target/<dir>`; panics with cargo's output
/// when a test fails.
fn nested_cargo_test(dir: &str, rustflags: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO"))
        .arg("test")
        .args(args)
        .arg("--target-dir")
        .arg(repo_root().join("target").join(dir))
        .current_dir(repo_root())
        .env("RUSTFLAGS", rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo in {}: {e}", repo_root().display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed: usize = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(
        out.status.success(),
        "`RUSTFLAGS='{rustflags}' cargo test {}` failed ({}):\n{stdout}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // A filter that matched nothing would pass vacuously.
    assert!(
        passed > 0,
        "`cargo test {}` with '{rustflags}' ran no test:\n{stdout}",
        args.join(" ")
    );
    eprintln!("RUSTFLAGS='{rustflags}': {passed} tests passed ({})", args.join(" "));
}

/// Whether this host can run AVX2 code; prints why not otherwise.
fn host_has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return true;
    }
    eprintln!("SKIPPED x86 SIMD kernels: this host is not x86-64 with AVX2");
    false
}

#[test]
fn native_build_equals_the_reference() {
    if !host_has_avx2() {
        return;
    }
    let mut args = vec!["-p", "tinyae", "--lib", "-p", "tinyae-tests"];
    for test in PARITY {
        assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(format!("{test}.rs"))
            .exists());
        args.extend(["--test", test]);
    }
    nested_cargo_test("simd-native", "-C target-cpu=native", &args);
}

#[test]
fn avx2_kernels_equal_the_portable_loops() {
    if !host_has_avx2() {
        return;
    }
    nested_cargo_test(
        "simd-avx2",
        "-C target-feature=+avx2,+fma,+f16c",
        &["-p", "tinyae", "--lib"],
    );
}
