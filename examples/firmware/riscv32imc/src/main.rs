//! tinyae models on RISC-V `riscv32imc` (the ESP32-C3's ISA, no FPU: f32 is soft float) on
//! QEMU's `virt` machine.
//!
//! `cargo run --release` prints every generated function's output on the test vectors (f32 bit
//! patterns), the measured stack peaks and the bench markers, then exits QEMU with status 0.
//! With `--features probe` it is the minimal firmware the size table measures.
#![no_std]
#![no_main]

use tinyae_firmware::Console;

/// The virt machine's 16550 UART.
const UART: usize = 0x1000_0000;
/// The sifive_test device: writing 0x5555 ends QEMU with status 0, `code << 16 | 0x3333` with
/// `code`.
const TEST_DEVICE: usize = 0x10_0000;

extern "C" {
    /// Start of the stack region, above `.bss` (riscv-rt).
    static __estack: u8;
}

struct Uart;

impl Console for Uart {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            // SAFETY: the transmit register of QEMU's UART, which accepts every write.
            unsafe { (UART as *mut u8).write_volatile(*b) };
        }
    }
}

fn exit(success: bool) -> ! {
    let code: u32 = if success { 0x5555 } else { (1 << 16) | 0x3333 };
    // SAFETY: the test device's only register.
    unsafe { (TEST_DEVICE as *mut u32).write_volatile(code) };
    #[allow(clippy::empty_loop)]
    loop {}
}

#[riscv_rt::entry]
fn main() -> ! {
    if cfg!(feature = "probe") {
        tinyae_firmware::probe();
    } else {
        let bottom = core::ptr::addr_of!(__estack) as usize;
        tinyae_firmware::run(&mut Uart, bottom);
    }
    exit(true)
}
