//! Writes `tests/fixtures/import/<name>.safetensors`: each exported fixture as `tinyae import`
//! makes it (the files the macro expands in tests/tests/import_parity.rs). Run
//! `cargo run -p tinyae-tests --bin import-fixtures` after `make_import_fixtures.py`; the
//! `imported_files_are_current` test fails when a committed file differs from a fresh import.

use tinyae_tests::imported::{import, imported_path, MODELS};

fn main() {
    for file in MODELS {
        let bytes = tinyae_core::format::to_bytes(&import(file)).expect("serializes");
        let out = imported_path(file);
        tinyae_core::format::write_atomic(&out, &bytes).expect("writes");
        println!("wrote {} ({} bytes)", out.display(), bytes.len());
    }
}
