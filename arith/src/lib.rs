//! What tinyae's reference interpreter (`tinyae-core`), its code generator (`tinyae-codegen`)
//! and its `#![no_std]` runtime (`tinyae`) must agree on, defined once: the activation
//! functions, int8 requantization and rounding, f16/bf16 widening, the multiply-accumulate of
//! float layers (separate or fused), and the weight layouts the generated code stores and the
//! runtime's kernels read.
//!
//! The reference interpreter calls the same functions the generated code calls, so float
//! results agree bit for bit by construction (the kernels' vectorized forms are tested against
//! these), and the code generator lays weights out in the blocks the kernels expect because
//! both read the sizes here.
#![no_std]
#![warn(missing_docs)]

pub mod activation;
pub mod dsp;
pub mod half;
pub mod layout;
pub mod mac;
pub mod quant;
pub mod rv32;
