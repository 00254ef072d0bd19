#!/usr/bin/env python3
"""Exact QEMU instruction counts of the int8, f16 and pruned models (docs/QUANTIZATION.md).

Builds examples/quant-firmware for the Cortex-M4F (thumbv7em-none-eabihf, mps2-an386) and
riscv32imc (virt), runs each under the instruction-counting plugin scripts/qemu-insn-count.c
(between the firmware's bench markers, one region per inference), twice, and prints a Markdown
table: instructions per `reconstruct_into` (raw f32 input to f32 output: scaling, int8
quantization and dequantization included) and per `reconstruct_q` (int8 in, int8 out), on
test vector 0, per MAC of the dense model, and the range over the vectors.

Usage: scripts/quant-measure.py (no options; a full run takes several minutes)
Needs the Rust targets, QEMU (.ci/install-qemu) and gcc (for the plugin).
"""
import os
import subprocess
import sys

import insn_count
from insn_count import ROOT, TARGET_DIR

CRATE = ROOT / "examples" / "quant-firmware"
BOARDS = {
    "Cortex-M4F": ("thumbv7em-none-eabihf",
                   ["qemu-system-arm", "-machine", "mps2-an386", "-cpu", "cortex-m4",
                    "-semihosting-config", "enable=on,target=native"]),
    "riscv32imc": ("riscv32imc-unknown-none-elf",
                   ["qemu-system-riscv32", "-machine", "virt", "-bios", "none"]),
}
MACS = {"ecg": 10240, "mnist": 221184}


def fail(message):
    sys.exit(f"quant-measure: {message}")


def build(target):
    env = {k: v for k, v in os.environ.items() if k not in ("RUSTFLAGS", "CARGO_TARGET_DIR")}
    done = subprocess.run(["cargo", "build", "--release", "--quiet", "--target", target,
                           "--target-dir", str(TARGET_DIR)], cwd=CRATE, env=env)
    if done.returncode != 0:
        fail(f"build for {target} failed")
    return TARGET_DIR / target / "release" / "tinyae-quant-firmware"


def build_plugin():
    insn_count.build_plugin("quant-measure")


def run(board, qemu, elf):
    return insn_count.run("quant-measure", f"quant-{board}", qemu, elf)[1]


def main():
    if len(sys.argv) > 1:
        # No options: any argument (--help included) gets the usage instead of a 10-minute run.
        print(__doc__.strip())
        sys.exit(0 if sys.argv[1] in ("-h", "--help") else 2)
    build_plugin()
    results = {}
    for board, (target, qemu) in BOARDS.items():
        elf = build(target)
        first, second = run(board, qemu, elf), run(board, qemu, elf)
        if first != second:
            fail(f"{board}: counts differ between two runs")
        results[board] = first
    print("| model | function | target | instructions (vector 0) | per MAC | min–max over vectors |")
    print("|---|---|---|---:|---:|---|")
    keys = sorted({(m, f) for counts in results.values() for (m, f, _) in counts if m != "empty"},
                  key=lambda mf: (mf[0].split("_")[0], mf[1], mf[0]))
    for model, function in keys:
        for board, counts in results.items():
            values = [n for (m, f, _), n in counts.items() if (m, f) == (model, function)]
            zero = counts[(model, function, 0)]
            macs = MACS[model.split("_")[0]]
            print(f"| {model} | {function} | {board} | {zero:,} | {zero / macs:.2f} | "
                  f"{min(values):,}–{max(values):,} |")


if __name__ == "__main__":
    main()
