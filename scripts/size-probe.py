#!/usr/bin/env python3
"""Flash of every model variant on the microcontrollers: WEIGHT_BYTES + code
(docs/QUANTIZATION.md, "Flash on the microcontrollers").

Builds examples/firmware/size-probe (no_std, opt-level 3, fat LTO, one `anomaly_score_into`
on an input the optimizer cannot see) once per model variant and once without a model, for
each target. A variant's flash is the allocated ELF sections (SHF_ALLOC, not NOBITS) of its
build minus the baseline's; its WEIGHT_BYTES is read from the symbol TINYAE_PROBE_WEIGHT_BYTES
in the image; code is the difference. Prints a Markdown table; with --symbols N also the N
largest symbols of each variant's image (what the code is made of).

Usage: scripts/size-probe.py [--target thumbv7em-none-eabihf|riscv32imc-unknown-none-elf ...]
                             [--model ecg5000|mnist|nab ...] [--variant f32|f16|int8|...]
                             [--symbols N] [--max-int8-code BYTES]
--max-int8-code fails (status 1) when an int8 variant's code exceeds BYTES (CI: 8 KB).
Needs the Rust targets; --symbols needs llvm-nm (`rustup component add llvm-tools`) or nm.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATE = ROOT / "examples" / "firmware" / "size-probe"
TARGET_DIR = ROOT / "target" / "embedded"
TARGETS = {"thumbv7em-none-eabihf": "Cortex-M4F", "riscv32imc-unknown-none-elf": "riscv32imc"}
MODELS = {"ecg5000": "ECG5000", "mnist": "MNIST", "nab": "NAB"}
VARIANTS = {"f32": "f32", "f16": "f16", "int8": "int8", "pruned80": "f32, 80 % pruned",
            "pruned80-int8": "int8, 80 % pruned"}


def fail(message):
    sys.exit(f"size-probe: {message}")


def build(target, feature):
    """`cargo build --release` of the probe with `feature` (None: the baseline); the ELF."""
    args = ["cargo", "build", "--release", "--locked", "--quiet", "--target", target,
            "--target-dir", str(TARGET_DIR)]
    if feature:
        args += ["--features", feature]
    env = {k: v for k, v in os.environ.items() if k not in ("RUSTFLAGS", "CARGO_TARGET_DIR")}
    if subprocess.run(args, cwd=CRATE, env=env).returncode != 0:
        fail(f"build of {feature or 'the baseline'} for {target} failed")
    elf = TARGET_DIR / target / "release" / "tinyae-size-probe"
    # The next build overwrites the image: keep a copy per variant for --symbols.
    kept = elf.with_name(f"tinyae-size-probe-{feature or 'none'}")
    shutil.copyfile(elf, kept)
    return kept


def sections(data):
    """[(name offset, type, flags, addr, offset, size, link)] of a little-endian ELF32."""
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        fail("not a little-endian ELF32 file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x2E)
    return [struct.unpack_from("<IIIIIII", data, shoff + i * shentsize) for i in range(shnum)]


def flash(data):
    """Bytes of the sections loaded into flash: allocated and not NOBITS."""
    return sum(s[5] for s in sections(data) if s[2] & 2 and s[1] != 8)


def u32_symbol(data, wanted):
    """The u32 a symbol's address holds in the image."""
    secs = sections(data)
    for _, kind, _, _, offset, size, link in secs:
        if kind != 2:  # SHT_SYMTAB
            continue
        names = secs[link][4]
        for pos in range(offset, offset + size, 16):
            name, value, _, _, _, shndx = struct.unpack_from("<IIIBBH", data, pos)
            end = data.index(b"\0", names + name)
            if data[names + name:end].decode() == wanted:
                _, _, _, addr, sec_offset, _, _ = secs[shndx]
                return struct.unpack_from("<I", data, sec_offset + value - addr)[0]
    fail(f"symbol {wanted} not found")


def nm():
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True)
    llvm = list(Path(sysroot.stdout.strip()).glob("lib/rustlib/*/bin/llvm-nm"))
    return str(llvm[0]) if llvm else shutil.which("nm")


def largest_symbols(elf, n):
    tool = nm()
    if tool is None:
        fail("--symbols needs llvm-nm or nm")
    out = subprocess.run([tool, "--size-sort", "--reverse-sort", "-S", "--demangle", str(elf)],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()[:n]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", action="append", choices=list(TARGETS))
    parser.add_argument("--model", action="append", choices=list(MODELS))
    parser.add_argument("--variant", action="append", choices=list(VARIANTS))
    parser.add_argument("--symbols", type=int, default=0, metavar="N")
    parser.add_argument("--max-int8-code", type=int, metavar="BYTES")
    args = parser.parse_args()
    targets = args.target or list(TARGETS)
    models = args.model or list(MODELS)
    variants = args.variant or list(VARIANTS)
    sizes, listings = {}, []
    for target in targets:
        base = flash(build(target, None).read_bytes())
        for model in models:
            for variant in variants:
                elf = build(target, f"{model}-{variant}")
                data = elf.read_bytes()
                total = flash(data) - base
                weights = u32_symbol(data, "TINYAE_PROBE_WEIGHT_BYTES")
                sizes[(model, variant, target)] = (total, weights, total - weights)
                if args.symbols:
                    listings.append((f"{model}-{variant} {TARGETS[target]}",
                                     largest_symbols(elf, args.symbols)))
    header = " | ".join(f"{TARGETS[t]} flash (weights + code)" for t in targets)
    print(f"| model | variant | {header} |")
    print("|---|---|" + "---:|" * len(targets))
    for model in models:
        for variant in variants:
            cells = " | ".join("{:,} ({:,} + {:,})".format(*sizes[(model, variant, t)])
                               for t in targets)
            print(f"| {MODELS[model]} | {VARIANTS[variant]} | {cells} |")
    for title, lines in listings:
        print(f"\n{title}:")
        for line in lines:
            print(f"    {line}")
    if args.max_int8_code is not None:
        over = [f"{m}-{v} on {TARGETS[t]}: {code:,} bytes"
                for (m, v, t), (_, _, code) in sizes.items()
                if "int8" in v and code > args.max_int8_code]
        if over:
            fail(f"int8 code above {args.max_int8_code:,} bytes: " + "; ".join(over))


if __name__ == "__main__":
    main()
