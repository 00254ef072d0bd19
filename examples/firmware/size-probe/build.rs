//! The target's `memory.x` where the runtime crates' linker scripts find it (4 MB of flash, so
//! the MNIST f32 weights fit; the probe is measured, never run).

use std::path::PathBuf;

#[path = "../probe_memory.rs"]
mod probe_memory;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    probe_memory::write(&out);
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../probe_memory.rs");
}
