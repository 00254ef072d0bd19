//! Keeping freed memory for reuse. Training allocates and frees the same large arrays (a
//! batch's activations and gradients, megabytes each) every step; glibc's malloc serves
//! allocations above its mmap threshold with fresh pages and returns freed memory at the top
//! of the heap to the system, so every step paid again for zeroed pages — on this project's
//! VM about 6,000 page faults and 13 % of the conv model's training time. Raising both
//! thresholds keeps those arrays in the heap, where the next step reuses them.
//!
//! Why `unsafe`: `mallopt` is a C function. It only changes allocator parameters (glibc
//! documents it as safe to call at any time), and it is called once, before training.
#![allow(unsafe_code)]

/// Makes the allocator keep freed memory (glibc on Linux; elsewhere nothing to do).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: plain integer parameters, no pointers; glibc accepts them at any time.
            unsafe {
                // The largest threshold glibc accepts (32 MiB on 64-bit targets).
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
                libc::mallopt(libc::M_TOP_PAD, 64 << 20);
            }
        });
    }
}
