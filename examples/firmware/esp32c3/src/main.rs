//! tinyae on an ESP32-C3 (RISC-V `riscv32imc`, no FPU) with esp-hal on stable Rust.
//!
//! Runs the firmware harness of the emulated boards (`../harness`): every generated function
//! of the shipped models on the test vectors, printed as f32 bit patterns, then the measured
//! stack peaks, then the CPU cycles of each inference read from the SYSTIMER. The report goes
//! to the USB serial/JTAG port; `cargo test -p tinyae-tests --test firmware board_log`
//! compares a saved report with the host's outputs bit for bit (README.md here).
//!
//! A panic (esp-hal's exception handlers raise one for a CPU exception; the generated code has
//! no panic path, as the link-time trap of the emulated boards proves) prints its location and
//! halts.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use esp_hal::clock::CpuClock;
use esp_hal::timer::systimer::{SystemTimer, Unit};
use tinyae_firmware::Console;

esp_bootloader_esp_idf::esp_app_desc!();

/// CPU cycles per SYSTIMER tick (160 MHz over 16 MHz), set once at start.
static CYCLES_PER_TICK: AtomicU32 = AtomicU32::new(0);

/// Bytes above the end of the stack region left unpainted: esp-hal keeps a guard word there
/// (`ESP_HAL_CONFIG_STACK_GUARD_OFFSET`, 60 bytes) watched by a data watchpoint.
const STACK_GUARD_MARGIN: usize = 256;

extern "C" {
    /// The lowest address of the main stack (esp-hal's linker script).
    static _stack_end_cpu0: u8;
}

/// The report's console: esp-println's USB serial/JTAG printer.
struct Serial;

impl Console for Serial {
    fn write(&mut self, bytes: &[u8]) {
        esp_println::Printer::write_bytes(bytes);
    }
}

/// CPU cycles since boot, from SYSTIMER unit 0 (16 MHz on the ESP32-C3, so a resolution of
/// ten cycles at 160 MHz).
fn cycles() -> u64 {
    SystemTimer::unit_value(Unit::Unit0)
        .wrapping_mul(u64::from(CYCLES_PER_TICK.load(Ordering::Relaxed)))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut serial = Serial;
    serial.str("panic");
    if let Some(at) = info.location() {
        serial.str(" at ");
        serial.str(at.file());
        serial.dec(at.line() as usize);
    }
    serial.str("\n");
    #[allow(clippy::empty_loop)]
    loop {}
}

#[esp_hal::main]
fn main() -> ! {
    let config = esp_hal::Config::default().with_cpu_clock(CpuClock::max());
    let _peripherals = esp_hal::init(config);
    let cpu_hz = esp_hal::clock::cpu_clock().as_hz();
    let ticks = SystemTimer::ticks_per_second();
    let per_tick = u64::from(cpu_hz).checked_div(ticks).unwrap_or(0);
    CYCLES_PER_TICK.store(u32::try_from(per_tick).unwrap_or(0), Ordering::Relaxed);

    let mut serial = Serial;
    serial.str("board esp32c3 cpu_hz");
    serial.dec(cpu_hz as usize);
    serial.str(" systimer_hz");
    serial.dec(usize::try_from(ticks).unwrap_or(0));
    serial.str("\n");
    let bottom = core::ptr::addr_of!(_stack_end_cpu0) as usize + STACK_GUARD_MARGIN;
    tinyae_firmware::run_timed(&mut serial, bottom, Some(cycles));
    #[allow(clippy::empty_loop)]
    loop {}
}
