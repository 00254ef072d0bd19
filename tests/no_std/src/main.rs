//! Expands `tinyae::autoencoder!` in a `#![no_std] #![no_main]` binary and calls every generated
//! function, for bare-metal targets (`thumbv7em-none-eabihf`, `riscv32imc-unknown-none-elf`).
//!
//! Panic-freedom: in release builds the panic handler calls a symbol that exists nowhere, so
//! the link fails if any panic path survives optimization (the technique of the `panic-never`
//! crate). Building with `--features deliberate-panic` adds an out-of-bounds index and must
//! fail to link; with `loop-panic-handler` as well it links, and the symbol check in
//! `tests/tests/no_std.rs` must find the panic machinery.
#![no_std]
#![no_main]

mod calls;
mod quant;

use core::hint::black_box;

tinyae::autoencoder!(pub SensorAuto = "../fixtures/sensor.safetensors");
tinyae::autoencoder!(pub SensorFull = "../fixtures/sensor.safetensors", unroll = full);
tinyae::autoencoder!(pub SensorLoops = "../fixtures/sensor.safetensors", unroll = loops);
tinyae::autoencoder!(pub EcgAuto = "../fixtures/ecg.safetensors");
tinyae::autoencoder!(pub EcgLoops = "../fixtures/ecg.safetensors", unroll = loops);
tinyae::autoencoder!(pub EcgEncoder = "../fixtures/ecg.safetensors", parts = encoder);
tinyae::autoencoder!(pub EcgDecoder = "../fixtures/ecg.safetensors", parts = decoder);
tinyae::autoencoder!(pub Mnist = "../fixtures/mnist.safetensors");
tinyae::autoencoder!(pub Vae = "../fixtures/vae.safetensors");
// Convolutional and recurrent layers (every op of docs/FORMAT.md).
tinyae::autoencoder!(pub Conv = "../fixtures/conv.safetensors");
tinyae::autoencoder!(pub ConvValid = "../fixtures/conv_valid.safetensors");
tinyae::autoencoder!(pub ConvEncoder = "../fixtures/conv.safetensors", parts = encoder);
tinyae::autoencoder!(pub Lstm = "../fixtures/lstm.safetensors");
tinyae::autoencoder!(pub LstmStack = "../fixtures/lstm_stack.safetensors");
tinyae::autoencoder!(pub LstmDecoder = "../fixtures/lstm.safetensors", parts = decoder);
tinyae::autoencoder!(pub ConvVae = "../fixtures/conv_vae.safetensors");

/// Entry point: runs every generated function on opaque inputs and keeps every output alive.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    calls::sensor();
    calls::ecg();
    calls::mnist();
    calls::vae();
    quant::all();
    calls::conv_lstm();
    #[cfg(feature = "deliberate-panic")]
    calls::deliberate_panic();
    #[allow(clippy::empty_loop)]
    loop {}
}

/// A value the optimizer cannot see through, so no call is folded away.
fn opaque<T>(value: T) -> T {
    black_box(value)
}

#[cfg(not(any(debug_assertions, feature = "loop-panic-handler")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "Rust" {
        // Defined nowhere: referencing it from a live panic path fails the link.
        fn tinyae_error_inference_has_a_panic_path() -> !;
    }
    // SAFETY: never executed; the call only exists if a panic path survived optimization,
    // and then the link fails before any code runs.
    unsafe { tinyae_error_inference_has_a_panic_path() }
}

// Debug builds keep overflow and bounds checks, so they cannot prove panic-freedom; they only
// prove that the expansion compiles without `std`.
#[cfg(any(debug_assertions, feature = "loop-panic-handler"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    #[allow(clippy::empty_loop)]
    loop {}
}
