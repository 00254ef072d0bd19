//! What this generator can emit, checked before emitting: a valid file that needs a feature
//! this version lacks fails here, at compile time, naming the layer, not on the device.

use tinyae_core::ir::Model;
use tinyae_core::{quant, Error, ErrorKind, Errors};

/// Every reason the model cannot be generated yet.
pub fn check(model: &Model) -> Result<(), Errors> {
    let mut errors = Vec::new();
    // Float layers may store f16/bf16 (`emit/half.rs`); int8 layers are generated when every
    // layer is int8, or every layer of one half (`emit/mixed.rs`): conversions between runs
    // inside a half are not generated.
    let split = crate::emit::mixed_halves(model).is_some();
    if quant::any_quantized(&model.layers) && !quant::all_quantized(&model.layers) && !split {
        let float: Vec<String> = model
            .layers
            .iter()
            .filter(|l| quant::of(l).is_none())
            .map(|l| format!("`{}`", l.name))
            .collect();
        errors.push(
            Error::new(
                ErrorKind::Unsupported,
                format!(
                    "the model mixes int8 and float layers inside its encoder or its decoder (float: {}): this version of tinyae generates each half (layers up to `latent_layer`, and after it) all int8 or all float",
                    float.join(", ")
                ),
            )
            .help("quantize every layer of a half or none (`tinyae quantize --precision int8 --only encoder`), or every layer (`--precision int8`)"),
        );
    }
    match Errors::from_vec(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
