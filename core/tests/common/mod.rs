//! Helpers shared by the core's integration tests.

use tinyae_core::ErrorKind;

/// `bytes` fail to load with an error of `kind` whose message contains `needle`.
pub fn assert_rejected(bytes: &[u8], kind: ErrorKind, needle: &str) {
    let errors = tinyae_core::load(bytes).expect_err("the file should be rejected");
    assert!(
        errors.iter().any(|e| e.kind == kind && e.to_string().contains(needle)),
        "expected {kind:?} containing {needle:?}, got:\n{errors}"
    );
}
