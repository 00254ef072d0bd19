#!/usr/bin/env bash
# Proof that tinyae's generated code compiles to the ESP32's Xtensa ISA with upstream nightly
# Rust (no Espressif toolchain): builds examples/firmware/xtensa-upstream (the firmware harness:
# every generated function of the shipped sensor, ECG5000 and MNIST models and of the fixture
# with every activation) as a static library for a custom `xtensa-esp32` target, then checks the
# archive:
#   - its objects are Xtensa ELF files, with hardware-float instructions in the models' code
#     when nightly's llvm-objdump is there to disassemble (`rustup component add llvm-tools`);
#   - the entry point and every model's inference code are in them;
#   - no symbol of the panic machinery is defined or referenced.
# Exits 0 on success, 1 on failure, 2 when nightly with rust-src is missing (printed as SKIPPED).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crate=examples/firmware/xtensa-upstream
target_dir=$root/target/embedded

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "SKIPPED Xtensa check: no nightly toolchain (rustup toolchain install nightly --component rust-src)"
  exit 2
fi
sysroot=$(rustup run nightly rustc --print sysroot)
if [[ ! -d $sysroot/lib/rustlib/src/rust/library/core ]]; then
  echo "SKIPPED Xtensa check: nightly has no rust-src (rustup component add rust-src --toolchain nightly)"
  exit 2
fi

# Upstream LLVM's Xtensa backend miscompiles or rejects parts of core, compiler_builtins and libm
# with the FPU enabled (e.g. libm's expm1f selects between two f32 constants): fat LTO generates
# only the reachable code, and compiler_builtins and libm are built soft-float. The models' own
# arithmetic uses the FPU (mul.s/add.s). See docs/FIRMWARE.md, "Xtensa".
(
  cd "$crate"
  env -u RUSTFLAGS -u CARGO_TARGET_DIR cargo +nightly build --release --quiet \
    -Zbuild-std=core -Zjson-target-spec -Zprofile-rustflags \
    --target xtensa-esp32.json --target-dir "$target_dir" \
    --config 'profile.release.package.compiler_builtins.rustflags=["-Ctarget-feature=-fp"]' \
    --config 'profile.release.package.libm.rustflags=["-Ctarget-feature=-fp"]' \
    2> >(grep -v "'-fp' is not a recognized feature for this target" >&2)
)
# (LLVM prints that line for every soft-float function, yet builds them soft-float: libm's
# code calls __addsf3 and friends, which the check below does not forbid.)
archive=$target_dir/xtensa-esp32/release/libtinyae_firmware_xtensa_upstream.a
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && ar x "$archive")

status=0
check() { if "$@"; then :; else status=1; fi; }
say_fail() { echo "FAIL: $*"; return 1; }

objects=("$work"/*.o)
for o in "${objects[@]}"; do
  machine=$(readelf -h "$o" | sed -n 's/^ *Machine: *//p')
  [[ $machine == *Xtensa* ]] || check say_fail "$(basename "$o") is for '$machine', not Xtensa"
done
symbols=$(nm "${objects[@]}" 2>/dev/null)
grep -q ' T tinyae_firmware_run$' <<<"$symbols" || check say_fail "the entry point is missing"
for model in sensor ecg5000 mnist activations mnist_conv ecg5000_lstm; do
  # v0 mangling: `once_reconstruct_into::<models::<model>::Model, ..>`, the inference itself.
  grep -Eq "once_reconstruct_into.*models${#model}${model}5Model" <<<"$symbols" \
    || check say_fail "no code for the $model model"
done
if grep -Ei 'panic|rust_begin_unwind|tinyae_error_' <<<"$symbols"; then
  check say_fail "panic machinery is linked (symbols above)"
fi
objdump=$sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/llvm-objdump
if [[ -x $objdump ]]; then
  fp=$("$objdump" -d --mcpu=esp32 "${objects[@]}" | grep -Ec $'\t(mul|add)\\.s\t' || true)
  [[ $fp -gt 0 ]] || check say_fail "no hardware-float instruction in the generated code"
  echo "hardware-float mul.s/add.s instructions: $fp"
fi
if [[ $status -eq 0 ]]; then
  kb=$(( $(stat -c %s "$archive") / 1024 ))
  echo "OK Xtensa (ESP32, upstream nightly): the generated code of 6 models compiles (${kb} KB archive, no panic path)"
fi
exit $status
