//! Everything the tinyae trainer and the `autoencoder!` macro must agree on.
//!
//! The pipeline reads top to bottom:
//!
//! 1. [`format::read`] turns the bytes of a `.safetensors` file into an [`ir::Model`];
//! 2. [`validate::validate`] checks every rule a model must satisfy, collecting all problems;
//! 3. [`cost`] derives parameter counts, MACs, flash and RAM figures from the IR;
//! 4. [`mod@reference`] evaluates any valid model with plain `f32` loops: the oracle of every
//!    parity test;
//! 5. [`format::to_bytes`] turns an IR back into bytes, [`format::write_atomic`] into a file
//!    (the trainer's output).
//!
//! The file format is specified in `docs/FORMAT.md`.

pub mod activation;
pub mod block_sparse;
pub mod cost;
pub mod emission;
pub mod error;
pub mod format;
pub mod ir;
pub mod metrics;
pub mod op;
pub mod plan;
pub mod quant;
pub mod quantize;
pub mod random_model;
pub mod reference;
pub mod rows;
pub mod shape;
pub mod sparse;
pub mod synth;
pub mod validate;
pub mod validate_quant;
pub mod validate_values;

pub use activation::Activation;
pub use error::{Error, ErrorKind, Errors};
pub use ir::Model;

/// Reads and validates a model file's bytes: what both the macro and `tinyae inspect` do.
///
/// All problems found are returned together, so a user fixes a file in one round.
pub fn load(bytes: &[u8]) -> Result<Model, Errors> {
    let model = format::read(bytes)?;
    validate::validate(&model)?;
    Ok(model)
}
