#!/usr/bin/env bash
# Builds and runs examples/firmware/kernel-lab on QEMU's Cortex-M4F under the instruction-
# counting plugin and prints instructions per MAC for each dense kernel and layer shape, plus
# the activations' cost per value. Fails if a kernel's outputs differ from the Rust loop's.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$PWD/target/embedded
plugin=$target_dir/qemu-insn-count.so
mkdir -p "$target_dir"
gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$plugin" scripts/qemu-insn-count.c
(cd examples/firmware/kernel-lab && env -u RUSTFLAGS cargo build --release --quiet --target-dir "$target_dir")
elf=$target_dir/thumbv7em-none-eabihf/release/tinyae-kernel-lab
log=$target_dir/kernel-lab.insns.log
out=$(timeout -k 5 120 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
  -semihosting-config enable=on,target=native -plugin "$plugin" -d plugin -D "$log" -kernel "$elf")
if grep -q '^DIFF' <<<"$out"; then grep '^DIFF' <<<"$out"; exit 1; fi
printf '%-14s %-8s %8s %10s %10s\n' kernel layer MACs insns insns/MAC
paste -d' ' <(grep '^bench lab' <<<"$out") <(grep '^tinyae-insns ' "$log") |
  awk '{printf "%-14s %-8s %8d %10d %10.3f\n", $3, $4, $5, $8, $8 / $5}'
echo "(relu and sigmoid: per value, on 784 values)"
echo "$(grep -c '^same' <<<"$out") kernel results identical to the Rust loop or the generated code, bit for bit"
