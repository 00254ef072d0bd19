//! tinyae models on a Cortex-M4F (thumbv7em-none-eabihf, hardware f32) on QEMU's mps2-an386.
//!
//! `cargo run --release` prints every generated function's output on the test vectors (f32 bit
//! patterns), the measured stack peaks and the bench markers, then exits QEMU with status 0.
//! With `--features probe` it is the minimal firmware the size table measures.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use tinyae_firmware::semihosting::{exit, HostConsole};

extern "C" {
    /// End of `.bss`/`.uninit`: the lowest address the stack may reach (cortex-m-rt).
    static _stack_end: u8;
}

#[entry]
fn main() -> ! {
    if cfg!(feature = "probe") {
        tinyae_firmware::probe();
    } else {
        let mut console = HostConsole::open();
        let bottom = core::ptr::addr_of!(_stack_end) as usize;
        tinyae_firmware::run(&mut console, bottom);
    }
    exit(true)
}
