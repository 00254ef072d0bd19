//! The firmware harness (every generated function of the shipped sensor, ECG5000 and MNIST
//! models and of the fixture with every activation, on their test vectors) compiled for the ESP32's Xtensa LX6 with upstream nightly Rust.
//!
//! Upstream rustc cannot link a flashable ESP32 image (that needs Espressif's toolchain: see
//! `../esp32`), so this crate is a static library whose one entry point takes the output
//! function from the caller. `scripts/xtensa-check.sh` builds it and checks the archive holds
//! Xtensa machine code for the models and no panic path.
#![no_std]

use tinyae_firmware::Console;

/// Output through a function of the caller's (a UART driver, semihosting, ...).
struct Callback(extern "C" fn(*const u8, usize));

impl Console for Callback {
    fn write(&mut self, bytes: &[u8]) {
        (self.0)(bytes.as_ptr(), bytes.len());
    }
}

/// Runs every model on its test vectors and writes the report through `write`.
#[no_mangle]
pub extern "C" fn tinyae_firmware_run(write: extern "C" fn(*const u8, usize)) {
    tinyae_firmware::run(&mut Callback(write), 0);
}
