//! ARM semihosting (what QEMU's `-semihosting-config enable=on` serves): console output and
//! exit codes, in two instructions' worth of `asm!` instead of a crate.

use crate::Console;

const SYS_OPEN: usize = 0x01;
const SYS_WRITE: usize = 0x05;
const SYS_EXIT: usize = 0x18;
/// `ADP_Stopped_ApplicationExit`: QEMU exits with status 0.
const EXIT_SUCCESS: usize = 0x2_0026;
/// `ADP_Stopped_RunTimeErrorUnknown`: QEMU exits with status 1.
const EXIT_FAILURE: usize = 0x2_0023;

fn call(op: usize, arg: usize) -> usize {
    let ret;
    // SAFETY: `bkpt 0xab` is the semihosting trap; the debugger (QEMU) reads `r0`/`r1` and
    // the memory `arg` points to, which the callers keep alive for the call.
    unsafe {
        core::arch::asm!("bkpt #0xab", inout("r0") op => ret, in("r1") arg, options(nostack));
    }
    ret
}

/// The host's terminal, opened as semihosting's special file `:tt`.
#[derive(Debug)]
pub struct HostConsole {
    handle: usize,
}

impl HostConsole {
    /// Opens `:tt` for writing.
    pub fn open() -> Self {
        const MODE_WRITE: usize = 4;
        let name = b":tt\0";
        let args = [name.as_ptr() as usize, MODE_WRITE, name.len() - 1];
        HostConsole { handle: call(SYS_OPEN, args.as_ptr() as usize) }
    }
}

impl Console for HostConsole {
    fn write(&mut self, bytes: &[u8]) {
        let args = [self.handle, bytes.as_ptr() as usize, bytes.len()];
        call(SYS_WRITE, args.as_ptr() as usize);
    }
}

/// Ends the QEMU process with status 0 (`success`) or 1.
pub fn exit(success: bool) -> ! {
    call(SYS_EXIT, if success { EXIT_SUCCESS } else { EXIT_FAILURE });
    #[allow(clippy::empty_loop)]
    loop {}
}
