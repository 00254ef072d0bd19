// The entry point of the Cortex-M boards (`cortex-m4f`, `cortex-m0`): their `src/main.rs`
// include this file after their crate attributes. Semihosting carries the report and the exit
// status; `--features probe` builds the minimal firmware the size table measures.

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
