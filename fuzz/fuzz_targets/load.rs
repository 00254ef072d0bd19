//! `tinyae_core::load` on arbitrary bytes: it must return a model or errors, never panic,
//! overflow or abort. This is the whole input surface of the `autoencoder!` macro.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(model) = tinyae_core::load(bytes) {
        // What the macro does next with a valid model must not panic either.
        let _ = tinyae_core::cost::cost(&model);
        let _ = tinyae_core::reference::reconstruct(&model, &vec![0.5; model.input_len()]);
    }
});
