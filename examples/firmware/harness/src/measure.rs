//! Measurements: peak stack by painting and scanning, and markers between which the QEMU
//! plugin (`scripts/qemu-insn-count.c`) counts executed instructions.

// Without `asm!` (upstream Xtensa) the stack is not measured, leaving its helpers unused.
#![cfg_attr(not(any(target_arch = "arm", target_arch = "riscv32")), allow(dead_code))]

use core::sync::atomic::{compiler_fence, AtomicU32, Ordering};

/// Written over free stack before a measured call; a word still holding it was not touched.
const PAINT: u32 = 0x5aa5_c33c;
/// At most this much stack below the caller is painted (it bounds the time spent painting
/// QEMU's 4 MB of RAM); a peak reaching it is reported as such, never as a smaller number.
pub const WINDOW: usize = 128 * 1024;

/// What [`stack_peak`] found.
#[derive(Debug, Clone, Copy)]
pub enum Peak {
    /// Bytes below the caller's stack pointer that `f` touched.
    Bytes(usize),
    /// `f` touched the whole painted window: at least this many bytes.
    AtLeast(usize),
    /// Not measured: reading the stack pointer needs `asm!`, which upstream rustc rejects on
    /// Xtensa.
    #[cfg_attr(any(target_arch = "arm", target_arch = "riscv32"), allow(dead_code))]
    Unmeasured,
}

/// The stack pointer, read in the calling function (inlined, so no frame of its own).
#[cfg(any(target_arch = "arm", target_arch = "riscv32"))]
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: copies a register; touches no memory.
    #[cfg(target_arch = "arm")]
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    // SAFETY: as above.
    #[cfg(target_arch = "riscv32")]
    unsafe {
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Peak stack use of `f`, measured below this function's stack pointer: the free stack is
/// painted, `f` runs, and the deepest word no longer holding the paint marks the peak.
/// `bottom` is the lowest address of the stack region (the end of `.bss`).
///
/// `f` is called through `dyn`, so its frame (with everything inlined into it) lies below the
/// painted boundary and is counted.
#[cfg(any(target_arch = "arm", target_arch = "riscv32"))]
#[inline(never)]
pub fn stack_peak(bottom: usize, f: &mut dyn FnMut()) -> Peak {
    let top = stack_pointer() & !3;
    let floor = ((bottom + 3) & !3).max(top.saturating_sub(WINDOW));
    let mut p = floor;
    while p < top {
        // SAFETY: [floor, top) lies below the stack pointer and above the end of `.bss`: free
        // stack that nothing owns while no interrupt is enabled (none is, in this firmware).
        unsafe { (p as *mut u32).write_volatile(PAINT) };
        p += 4;
    }
    compiler_fence(Ordering::SeqCst);
    f();
    compiler_fence(Ordering::SeqCst);
    let mut p = floor;
    // SAFETY: the same free region, read back.
    while p < top && unsafe { (p as *const u32).read_volatile() } == PAINT {
        p += 4;
    }
    if p == floor && floor > bottom {
        Peak::AtLeast(top - floor)
    } else {
        Peak::Bytes(top - p)
    }
}

/// Written by the markers with volatile stores, so neither they nor their calls can be
/// optimized away (a plain store to a never-read static would be).
/// Runs `f`; without a way to read the stack pointer nothing is measured.
#[cfg(not(any(target_arch = "arm", target_arch = "riscv32")))]
pub fn stack_peak(_bottom: usize, f: &mut dyn FnMut()) -> Peak {
    f();
    Peak::Unmeasured
}

static MARK: AtomicU32 = AtomicU32::new(0);

#[inline(always)]
fn mark(value: u32) {
    // SAFETY: a valid, aligned static; the firmware is single-threaded.
    unsafe { MARK.as_ptr().write_volatile(value) };
}

/// The instruction-counting plugin starts counting when this function returns.
#[no_mangle]
#[inline(never)]
pub extern "C" fn tinyae_bench_start() {
    mark(1);
}

/// The plugin stops counting when this function is entered.
#[no_mangle]
#[inline(never)]
pub extern "C" fn tinyae_bench_stop() {
    mark(2);
}

/// Runs `f` between the two markers.
#[inline(always)]
pub fn bench(f: impl FnOnce()) {
    tinyae_bench_start();
    compiler_fence(Ordering::SeqCst);
    f();
    compiler_fence(Ordering::SeqCst);
    tinyae_bench_stop();
}
