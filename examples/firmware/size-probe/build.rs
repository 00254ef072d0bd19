//! The target's `memory.x` where the runtime crates' linker scripts find it (4 MB of flash, so
//! the MNIST f32 weights fit; the probe is measured, never run).

use std::path::PathBuf;

const ARM: &str = "MEMORY\n{\n  FLASH : ORIGIN = 0x00000000, LENGTH = 4M\n  RAM : ORIGIN = 0x20000000, LENGTH = 4M\n}\n";
const RISCV: &str = "MEMORY\n{\n  FLASH : ORIGIN = 0x80000000, LENGTH = 4M\n  RAM : ORIGIN = 0x80400000, LENGTH = 4M\n}\nREGION_ALIAS(\"REGION_TEXT\", FLASH);\nREGION_ALIAS(\"REGION_RODATA\", FLASH);\nREGION_ALIAS(\"REGION_DATA\", RAM);\nREGION_ALIAS(\"REGION_BSS\", RAM);\nREGION_ALIAS(\"REGION_HEAP\", RAM);\nREGION_ALIAS(\"REGION_STACK\", RAM);\n";

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let target = std::env::var("TARGET").unwrap_or_default();
    let memory = if target.starts_with("riscv") { RISCV } else { ARM };
    std::fs::write(out.join("memory.x"), memory).expect("memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}
