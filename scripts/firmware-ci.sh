#!/usr/bin/env bash
# Firmware on emulated microcontrollers, for CI (.ci/run calls it; it also runs alone):
#   1. installs the bare-metal targets and QEMU (.ci/install-qemu);
#   2. the no_std build and panic-freedom proofs, then every firmware in examples/firmware
#      built, run in QEMU under `timeout` and compared bit for bit with the host's generated
#      code (tests/tests/no_std.rs, tests/tests/firmware.rs; missing tools fail here);
#   3. instruction counts per inference (run twice: they must be identical) and stack peaks;
#      the int8 code size on the Cortex-M4F against its 8 KB budget (scripts/size-probe.py);
#   4. the ESP32-C3 esp-hal application built as a user builds it (stable Rust);
#   5. the Xtensa (ESP32) harness run on QEMU's de233_fpu core (upstream nightly), compared
#      with the host bit for bit, with instruction counts; SKIPPED with the reason when
#      nightly cannot be installed.
# Any mismatch, crash or timeout fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "bare-metal targets and QEMU"
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imc-unknown-none-elf
.ci/install-qemu

step "no_std and panic-freedom proofs; firmware in QEMU vs the host, bit for bit"
if [[ ${TINYAE_FIRMWARE_TESTS_DONE:-} == 1 ]]; then
  # .ci/run sets this: its `cargo test --workspace` has just run these tests with the tools
  # required.
  echo "done by the test suite (cargo test --workspace, TINYAE_REQUIRE_* set)"
else
  TINYAE_REQUIRE_TARGETS=1 TINYAE_REQUIRE_QEMU=1 \
    cargo test -p tinyae-tests --test no_std --test firmware -- --nocapture
fi

step "instructions per inference (deterministic) and stack, per model and target"
if command -v gcc >/dev/null && command -v python3 >/dev/null; then
  # Flash sizes need eight more LTO builds; `scripts/firmware-measure.py` alone prints them.
  scripts/firmware-measure.py --no-sizes
else
  echo "SKIPPED instruction counts: gcc (for the QEMU plugin) or python3 is missing"
fi

step "int8 code size on the Cortex-M4F: at most 8 KB per model (docs/QUANTIZATION.md)"
scripts/size-probe.py --target thumbv7em-none-eabihf --variant int8 --variant pruned80-int8 \
  --max-int8-code 8192

step "ESP32-C3: the esp-hal application (stable Rust, cargo build --release)"
scripts/esp32c3-build.sh

step "Xtensa (ESP32 LX6 class): all six models on QEMU de233_fpu, vs the host bit for bit"
# (scripts/xtensa-check.sh, the ESP32-ABI compile proof, stays for manual use: this run builds
# the same code and executes it.)
if rustup toolchain install nightly --profile minimal --component rust-src,llvm-tools >/dev/null 2>&1; then
  if ! command -v xtensa-lx106-elf-ld >/dev/null; then
    sudo_cmd=(); if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq binutils-xtensa-lx106 >/dev/null
  fi
  set +e
  scripts/xtensa-qemu.py --models sensor,ecg5000,mnist,activations,mnist_conv,ecg5000_lstm --check
  status=$?
  set -e
  # 2 means "skipped" (the script printed why); anything else non-zero is a failure.
  if [[ $status -ne 0 && $status -ne 2 ]]; then exit "$status"; fi
else
  echo "SKIPPED Xtensa run: nightly with rust-src and llvm-tools could not be installed (no network?)"
fi

echo
echo "firmware checks passed"
