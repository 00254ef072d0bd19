//! Bad input never panics the macro: every malformed model file and every malformed invocation
//! fails to compile with one clear error per problem, spanned on the path literal (or the
//! offending option), and code using the named type reports nothing else.
//!
//! The cases are `tests/ui/*.rs`; their models are `tests/fixtures/bad/*.safetensors`, written
//! by `cargo run -p tinyae-tests --bin make-bad-fixtures`. After changing a message, run
//! `TRYBUILD=overwrite cargo test -p tinyae-tests --test ui` and review every `.stderr` diff.

#[test]
fn ui() {
    // trybuild compiles the cases in a crate of its own under target/tests/trybuild, so the
    // macro's relative paths must resolve against this crate instead. One test in this binary,
    // so no other thread reads the environment meanwhile.
    std::env::set_var(tinyae_codegen::resolve::OVERRIDE_VAR, env!("CARGO_MANIFEST_DIR"));
    trybuild::TestCases::new().compile_fail("ui/*.rs");
}
