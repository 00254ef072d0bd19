//! The board-independent part of tinyae's firmware: the models, their test vectors, the text
//! protocol the host test reads, and the stack and instruction measurements.
//!
//! A board crate provides a [`Console`] and the lowest stack address, then calls [`run`] (the
//! test run) or [`probe`] (the minimal firmware the size table measures).
//!
//! Panic-freedom: in release builds the panic handler below calls a symbol defined nowhere, so
//! every firmware image links only if neither the generated code nor this harness has a panic
//! path left after optimization. A board whose HAL panics by design (esp-hal's exception
//! handlers) turns on `board-panic-handler` and defines its own.
#![no_std]
// The size probe's baseline compiles no model, leaving the measuring code unused.
#![cfg_attr(
    not(any(
        feature = "sensor",
        feature = "ecg5000",
        feature = "mnist",
        feature = "activations",
        feature = "mnist_conv",
        feature = "mnist_conv_into",
        feature = "ecg5000_lstm",
        feature = "nab_stream"
    )),
    allow(unused)
)]

mod console;
mod constants;
#[cfg(feature = "mnist_conv_into")]
mod lean;
mod measure;
mod models;
pub mod noise;
mod parts;
mod run;
#[cfg(feature = "nab_stream")]
mod stream;

pub use console::Console;
pub use measure::bench;
pub use run::{probe, run, run_timed, Clock};

#[cfg(target_arch = "arm")]
pub mod semihosting;

#[cfg(all(not(debug_assertions), not(feature = "board-panic-handler")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "Rust" {
        // Defined nowhere: a panic path that survives optimization fails the link.
        fn tinyae_error_firmware_has_a_panic_path() -> !;
    }
    // SAFETY: never runs; the call exists only if a panic path survived, and then the link
    // fails before any code runs.
    unsafe { tinyae_error_firmware_has_a_panic_path() }
}

// Debug builds keep overflow and bounds checks, so they cannot be panic-free; build with
// `--release` (the runs under QEMU are bounded by `timeout`).
#[cfg(all(debug_assertions, not(feature = "board-panic-handler")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    #[allow(clippy::empty_loop)]
    loop {}
}
