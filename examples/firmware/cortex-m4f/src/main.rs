//! tinyae models on a Cortex-M4F (thumbv7em-none-eabihf, hardware f32) on QEMU's mps2-an386.
//!
//! `cargo run --release` prints every generated function's output on the test vectors (f32 bit
//! patterns), the measured stack peaks and the bench markers, then exits QEMU with status 0.
//! With `--features probe` it is the minimal firmware the size table measures.
#![no_std]
#![no_main]

include!("../../cortex_m_main.rs");
