#!/usr/bin/env bash
# Builds examples/firmware/esp32c3 (esp-hal, stable Rust, riscv32imc) exactly as a user does,
# `cargo build --release`, with the committed Cargo.lock (--locked), then checks the image:
#   - a RISC-V ELF whose first flash word is esp-hal's app descriptor (the bootloader reads it);
#   - the inference code of all six models of the harness (one `once_reconstruct_into` each);
#   - flash (loaded sections in DROM and IROM) and static RAM, printed.
# QEMU has no ESP32-C3 machine: the same generated code runs on QEMU's riscv32imc `virt` in
# tests/tests/firmware.rs. Exits non-zero on a failed build or check.
set -euo pipefail
cd "$(dirname "$0")/.."
crate=examples/firmware/esp32c3
target_dir=$PWD/target/esp32c3
(cd "$crate" && env -u RUSTFLAGS -u CARGO_TARGET_DIR \
  cargo build --release --locked --quiet --target-dir "$target_dir")
elf=$target_dir/riscv32imc-unknown-none-elf/release/tinyae-esp32c3

status=0
fail() { echo "FAIL: $*"; status=1; }
machine=$(readelf -h "$elf" | sed -n 's/^ *Machine: *//p')
[[ $machine == *RISC-V* ]] || fail "the image is for '$machine', not RISC-V"
desc=$(nm "$elf" | awk '$3 == "esp_app_desc" {print $1}')
[[ $desc == 3c000020 ]] || fail "esp_app_desc is at '${desc:-nowhere}', not the start of DROM (3c000020)"
models=$(nm "$elf" | grep -c 'once_reconstruct_into' || true)
[[ $models -eq 6 ]] || fail "$models models' inference code in the image, expected 6"
# Flash: allocated sections with contents (DROM 0x3c.., IROM 0x42.., and RAM images copied at
# boot); static RAM: allocated writable sections without the stack.
flash=0 ram=0
while read -r name type size flags; do
  [[ $flags == *A* && $type != NOBITS ]] && flash=$((flash + 16#$size))
  [[ $flags == *A* && $flags == *W* && $name != .stack ]] && ram=$((ram + 16#$size))
done < <(readelf -S -W "$elf" | sed -n 's/^ *\[ *[0-9]*\] *//p' | awk '{print $1, $2, $5, $7}')
echo "esp32c3 image: ${flash} bytes of flash, ${ram} bytes of static RAM (6 models, esp-hal 1.2.2)"
if [[ $status -eq 0 ]]; then
  echo "OK ESP32-C3 (esp-hal, stable Rust): $(basename "$elf") built; flash it with espflash ($crate/README.md)"
fi
exit $status
