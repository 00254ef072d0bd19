#!/usr/bin/env python3
"""Measures tinyae's firmware under QEMU: model x target -> instructions, instructions/MAC,
flash, RAM.

- Instructions: exact counts from the TCG plugin scripts/qemu-insn-count.c between the
  firmware's `tinyae_bench_start`/`tinyae_bench_stop` markers, one region per inference.
  Every firmware runs twice and the counts must be identical (deterministic).
- Flash: the size probe (board feature `probe`: one `anomaly_score_into` per model and nothing
  else) built with one model, minus the probe built with none; split into the model's
  WEIGHT_BYTES and code.
- RAM: the peak stack measured by painting and scanning (harness/src/measure.rs), for a
  by-value call (`reconstruct`, whose buffers the macro's BUFFER_BYTES counts) and for
  `reconstruct_into` with the caller's scratch and output (frames only; the buffers are
  (SCRATCH_LEN + INPUT_LEN) * 4 bytes wherever the caller keeps them).

Usage: scripts/firmware-measure.py [--markdown] [--no-sizes] [--board NAME ...]
Needs the Rust targets, QEMU (.ci/install-qemu) and gcc (for the plugin).
"""

import argparse
import os
import struct
import subprocess
import sys

import insn_count
from insn_count import ROOT, TARGET_DIR

FIRMWARE = ROOT / "examples" / "firmware"
SEMIHOSTING = ["-semihosting-config", "enable=on,target=native"]

BOARDS = {
    "cortex-m4f": dict(
        target="thumbv7em-none-eabihf",
        label="Cortex-M4F (mps2-an386)",
        qemu=["qemu-system-arm", "-machine", "mps2-an386", "-cpu", "cortex-m4", *SEMIHOSTING],
        models=["sensor", "ecg5000", "mnist", "activations", "mnist_conv", "ecg5000_lstm",
                "keras_ecg", "sensor_fma", "mnist_fma"],
    ),
    "cortex-m0": dict(
        target="thumbv6m-none-eabi",
        label="Cortex-M0 (microbit)",
        qemu=["qemu-system-arm", "-machine", "microbit", *SEMIHOSTING],
        # mnist_conv_into: the row-streamed mnist_conv's `*_into` functions alone (16 KB RAM).
        models=["sensor", "ecg5000", "activations", "mnist_conv_into"],
    ),
    "riscv32imc": dict(
        target="riscv32imc-unknown-none-elf",
        label="riscv32imc (virt)",
        qemu=["qemu-system-riscv32", "-machine", "virt", "-bios", "none"],
        models=["sensor", "ecg5000", "mnist", "activations", "mnist_conv"],
    ),
}
STREAMS = []
INPUT_LEN = {"sensor": 3, "ecg5000": 140, "mnist": 784, "activations": 140,
             "mnist_conv": 784, "mnist_conv_into": 784, "ecg5000_lstm": 140, "keras_ecg": 140,
             "sensor_fma": 3, "mnist_fma": 784}
# `fma = true` variants: the probe cannot build them alone (their features pull in the
# separate model's vectors and so the model); same weights, the same kernel with `vfma.f32`.
NO_PROBE = {"sensor_fma", "mnist_fma"}


def fail(message):
    sys.exit(f"firmware-measure: {message}")


def build(board, features=None):
    """`cargo build --release` in the board's directory; returns the ELF path."""
    args = ["cargo", "build", "--release", "--quiet", "--target-dir", str(TARGET_DIR)]
    if features is not None:
        args += ["--no-default-features", "--features", ",".join(features)]
    env = {k: v for k, v in os.environ.items() if k not in ("RUSTFLAGS", "CARGO_TARGET_DIR")}
    done = subprocess.run(args, cwd=FIRMWARE / board, env=env)
    if done.returncode != 0:
        fail(f"build of {board} {features or 'default'} failed")
    return TARGET_DIR / BOARDS[board]["target"] / "release" / f"tinyae-firmware-{board}"


def build_plugin():
    insn_count.build_plugin("firmware-measure")


def run(board, elf):
    """Runs `elf` under the plugin; returns (report lines, {(model, function, k): count})."""
    return insn_count.run("firmware-measure", board, BOARDS[board]["qemu"], elf)


def elf_sizes(path):
    """(flash, static RAM) in bytes from the section headers of a little-endian ELF32."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        fail(f"{path} is not a little-endian ELF32 file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x2E)
    flash = ram = 0
    for i in range(shnum):
        _, kind, flags, _, _, size = struct.unpack_from("<IIIIII", data, shoff + i * shentsize)
        alloc, write, nobits = flags & 2, flags & 1, kind == 8
        if alloc and not nobits:
            flash += size
        if alloc and write:
            ram += size
    return flash, ram


def parse_report(lines):
    constants, stacks = {}, {}
    for line in lines:
        words = line.split()
        if words[:1] == ["model"]:
            constants[words[1]] = {k: int(v) for k, v in zip(words[2::2], words[3::2])}
        elif words[:1] == ["stack"]:
            stacks[(words[1], words[2])] = " ".join(words[3:])
    return constants, stacks


def measure(board, sizes):
    spec = BOARDS[board]
    elf = build(board)
    lines, counts = run(board, elf)
    _, again = run(board, elf)
    if counts != again:
        fail(f"{board}: instruction counts differ between two runs")
    constants, stacks = parse_report(lines)
    streaming = stream_line(board, lines, counts)
    if streaming:
        STREAMS.append(streaming)
    rows = []
    base = elf_sizes(build(board, ["probe"])) if sizes else None
    for model in spec["models"]:
        c = constants[model]
        per_vector = [n for (m, f, _), n in counts.items() if m == model and f == "reconstruct_into"]
        row = dict(
            board=board, label=spec["label"], model=model, macs=c["macs"],
            insns=counts[(model, "reconstruct_into", 0)],
            insns_min=min(per_vector), insns_max=max(per_vector),
            encode=counts[(model, "encode_into", 0)],
            score=counts[(model, "anomaly_score_into", 0)],
            weight_bytes=c["weight_bytes"], buffer_bytes=c["buffer_bytes"],
            buffers_into=(c["scratch_len"] + INPUT_LEN[model]) * 4,
            stack_value=stacks.get((model, "reconstruct")),
            stack_score=stacks.get((model, "anomaly_score")),
            stack_into=stacks.get((model, "reconstruct_into")),
            stack_score_into=stacks.get((model, "anomaly_score_into")),
        )
        if sizes and model not in NO_PROBE:
            flash, ram = elf_sizes(build(board, ["probe", model]))
            row["flash"] = flash - base[0]
            row["code"] = row["flash"] - c["weight_bytes"]
            row["static_ram"] = ram - base[1]
        rows.append(row)
    return rows


def stream_line(board, lines, counts):
    """The streaming API of the window model, when the board runs it: RAM and instructions per
    reading (harness/src/stream.rs)."""
    if ("nab_stream", "stream_score", 0) not in counts:
        return None
    constants, stacks = parse_report(lines)
    stream = next(l.split() for l in lines if l.startswith("stream nab_stream"))
    push, score = counts[("nab_stream", "stream_push", 0)], counts[("nab_stream", "stream_score", 0)]
    return (f"{BOARDS[board]['label']}: nab_stream (window {stream[5]} readings of {stream[7]}): "
            f"STREAM_BYTES {stream[3]}, stack of stream_score_into {stacks.get(('nab_stream', 'stream_score_into'))}; "
            f"{push:,} instructions for a reading that completes no window, {score:,} for one that "
            f"completes and scores a window (stride s: {push:,} + {score - push:,}/s per reading)")


def table(rows, markdown):
    head = ["target", "model", "MACs", "insns/inference", "insns/MAC", "min-max over vectors",
            "flash (weights + code)", "stack by value (BUFFER_BYTES)",
            "stack `_into` + buffers"]
    out = []
    for r in rows:
        flash = (f"{r['flash']:,} ({r['weight_bytes']:,} + {r['code']:,})"
                 if "flash" in r else f"({r['weight_bytes']:,} weights)")
        into = r["stack_into"]
        out.append([
            r["label"], r["model"], f"{r['macs']:,}", f"{r['insns']:,}",
            f"{r['insns'] / r['macs']:.2f}", f"{r['insns_min']:,}-{r['insns_max']:,}", flash,
            f"{r['stack_value']} ({r['buffer_bytes']:,})",
            f"{into} + {r['buffers_into']:,}",
        ])
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for cells in out:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(h), *(len(c[i]) for c in out)) for i, h in enumerate(head)]
        for cells in [head] + out:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--no-sizes", action="store_true", help="skip the flash probe builds")
    parser.add_argument("--board", action="append", choices=sorted(BOARDS), help="repeatable")
    args = parser.parse_args()
    build_plugin()
    rows = []
    for board in args.board or list(BOARDS):
        rows += measure(board, not args.no_sizes)
    table(rows, args.markdown)
    for line in STREAMS:
        print(line)
    print()
    print("Instructions: reconstruct_into on test vector 0, counted by the QEMU plugin, identical "
          "in two runs. Flash: size probe with the model minus without. Stack: bytes below the "
          "caller, paint and scan.")


if __name__ == "__main__":
    main()
