//! A `memory.x` of 4 MB of flash and 4 MB of RAM, so the MNIST f32 weights fit, for the
//! standalone crates that build for the emulated boards (`size-probe`, `../quant-firmware`):
//! their build scripts include this file with `#[path]`.

use std::path::Path;

const ARM: &str = "MEMORY\n{\n  FLASH : ORIGIN = 0x00000000, LENGTH = 4M\n  RAM : ORIGIN = 0x20000000, LENGTH = 4M\n}\n";
const RISCV: &str = "MEMORY\n{\n  FLASH : ORIGIN = 0x80000000, LENGTH = 4M\n  RAM : ORIGIN = 0x80400000, LENGTH = 4M\n}\nREGION_ALIAS(\"REGION_TEXT\", FLASH);\nREGION_ALIAS(\"REGION_RODATA\", FLASH);\nREGION_ALIAS(\"REGION_DATA\", RAM);\nREGION_ALIAS(\"REGION_BSS\", RAM);\nREGION_ALIAS(\"REGION_HEAP\", RAM);\nREGION_ALIAS(\"REGION_STACK\", RAM);\n";

/// Writes the target's `memory.x` into `out` (`$OUT_DIR`), where the runtime crates' linker
/// scripts find it.
pub fn write(out: &Path) {
    let target = std::env::var("TARGET").unwrap_or_default();
    let memory = if target.starts_with("riscv") { RISCV } else { ARM };
    std::fs::write(out.join("memory.x"), memory).expect("memory.x");
    println!("cargo:rustc-link-search={}", out.display());
}
