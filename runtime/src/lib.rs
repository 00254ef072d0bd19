//! Allocation-free, panic-free autoencoder inference for microcontrollers, generated at compile
//! time from a `.safetensors` model file.
//!
//! ```no_run
//! // The path is relative to the calling crate's Cargo.toml.
//! tinyae::autoencoder!(pub SensorAe = "../models/sensor.safetensors");
//!
//! let x = [0.12_f32, 61.0, 101.3]; // raw sensor units; the scaling is baked in
//! let z: [f32; 2] = SensorAe::encode(&x);
//! let score = SensorAe::anomaly_score(&x);
//! if SensorAe::is_anomaly(&x) { /* raise an alarm */ }
//! # let _ = (z, score);
//! ```
//!
//! The macro reads the file when your crate compiles (and again whenever the file changes),
//! checks it, and emits straight-line `#![no_std]` code with every shape a literal. Each
//! model type carries its costs as constants (`PARAMS`, `MACS`, `WEIGHT_BYTES`,
//! `SCRATCH_LEN`, `BUFFER_BYTES`, `STACK_BYTES`), so flash and RAM are known before anything is
//! flashed.
//!
//! See the repository's README for the macro's options and `docs/FORMAT.md` for the file.
#![no_std]
#![warn(missing_docs)]

pub mod activation;
mod block_sparse;
mod bytes;
mod conv;
pub mod half;
pub mod int8;
mod kernels;
mod lstm;
mod pool;
mod rows;
mod scratch;
mod seq;
mod sparse;
mod split;
pub mod stream;
#[cfg(test)]
mod test_data;
mod traits;
mod views;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use kernels::{Metric, Scaling};

/// Stack bytes reserved for the call frames of generated functions (register spills, return
/// addresses, the libm functions activations call), on top of their buffers.
///
/// Measured by painting and scanning the stack on Cortex-M0, Cortex-M4F and RV32IMC for every
/// shipped model and every activation: the largest frame seen was 540 bytes (the row-streamed
/// `mnist_conv`'s `anomaly_score_into` on the Cortex-M0, its row stages' frames nested; 508
/// before it, docs/FIRMWARE.md); the allowance leaves 100 bytes above it. `tests/tests/firmware.rs` fails if a measurement exceeds it.
pub const FRAME_ALLOWANCE: usize = 640;
pub use int8::ScratchI8;
pub use scratch::Scratch;
pub use split::SplitScratch;
pub use tinyae_macros::autoencoder;
pub use traits::{AnomalyDetector, Autoencoder, Decoder, Encoder, ModelInfo};

/// What the generated code calls; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::activation::*;
    pub use crate::block_sparse::*;
    pub use crate::bytes::*;
    pub use crate::conv::*;
    pub use crate::half::*;
    pub use crate::int8::*;
    pub use crate::kernels::*;
    pub use crate::lstm::*;
    pub use crate::pool::*;
    pub use crate::rows::*;
    pub use crate::scratch::*;
    pub use crate::seq::*;
    pub use crate::sparse::*;
    pub use crate::views::*;
}
