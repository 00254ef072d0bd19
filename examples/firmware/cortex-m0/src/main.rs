//! tinyae models on a Cortex-M0 (thumbv6m-none-eabi, soft float) on QEMU's microbit (nRF51: 256 KB flash, 16 KB RAM).
//!
//! `cargo run --release` prints every generated function's output on the test vectors (f32 bit
//! patterns), the measured stack peaks and the bench markers, then exits QEMU with status 0.
//! With `--features probe` it is the minimal firmware the size table measures.
#![no_std]
#![no_main]

include!("../../cortex_m_main.rs");
