#!/usr/bin/env python3
"""Where a firmware's counted instructions go: per function, and per instruction of the
hottest functions, from the `pcs=on` mode of scripts/qemu-insn-count.c.

Run the firmware once under the plugin with `pcs=on` (it prints `tinyae-pc <address> <count>`
for every instruction executed between the bench markers, summed over every counted region),
then give this script that log and the ELF:

    qemu-system-arm -machine mps2-an386 -cpu cortex-m4 \\
        -semihosting-config enable=on,target=native -nographic \\
        -plugin target/embedded/qemu-insn-count.so,pcs=on -d plugin -D pcs.log -kernel ELF
    scripts/insn-profile.py pcs.log ELF [--top 15] [--annotate 2] [--regions N] [--source]
        [--only reconstruct_into]

`--regions N` divides every count by N (the number of counted regions, e.g. the inferences a
single-model firmware ran) to give instructions per inference. `--annotate K` prints the
disassembly of the K hottest functions with each instruction's count. `--source` sums the
counts by the source line each instruction came from, through inlining (the innermost frame;
LTO inlines the whole model into its API functions, so functions alone say little): per file
and per file:line. Needs llvm-nm, llvm-objdump and llvm-symbolizer (Debian's `llvm` package or
rustup's `llvm-tools`) and an ELF with debug info (the firmware's release profile keeps it).
"""

import argparse
import bisect
import collections
import shutil
import subprocess
import sys


def tool(name):
    path = shutil.which(name)
    if not path:
        sys.exit(f"insn-profile: {name} is needed (apt-get install llvm)")
    return path


def functions(elf):
    """Sorted [(start, end, name)] of the ELF's function symbols (Thumb bit cleared)."""
    out = subprocess.run([tool("llvm-nm"), "--defined-only", "--print-size", "--numeric-sort",
                          "--demangle", elf], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[2] in "tTwW":
            start = int(parts[0], 16) & ~1
            found.append((start, start + int(parts[1], 16), parts[3]))
    return found


def by_source(counts, elf, total, regions, top):
    """Prints the counts summed by the innermost source frame of each address."""
    addrs = sorted(counts)
    out = subprocess.run([tool("llvm-symbolizer"), f"--obj={elf}", "--inlining",
                          "--relativenames"], input="".join(f"{x:#x}\n" for x in addrs),
                         capture_output=True, text=True, check=True).stdout
    blocks = out.strip("\n").split("\n\n")
    per_file, per_line = collections.Counter(), collections.Counter()
    for addr, block in zip(addrs, blocks):
        lines = block.splitlines()
        # Frames come innermost first, as (function, file:line:column) pairs.
        where = lines[1].rsplit(":", 1)[0] if len(lines) > 1 else "?"
        file = where.rsplit(":", 1)[0]
        per_file[file] += counts[addr]
        per_line[where] += counts[addr]
    print(f"\nby source file (innermost inlined frame):")
    for file, n in per_file.most_common(top):
        print(f"{n / regions:>14,.0f}  {100 * n / total:5.1f} %  {file[-100:]}")
    print(f"\nby source line:")
    for where, n in per_line.most_common(3 * top):
        print(f"{n / regions:>14,.0f}  {100 * n / total:5.1f} %  {where[-100:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log")
    ap.add_argument("elf")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--annotate", type=int, default=0)
    ap.add_argument("--regions", type=int, default=1)
    ap.add_argument("--source", action="store_true")
    ap.add_argument("--only", metavar="TEXT",
                    help="keep only the instructions of functions whose name contains TEXT")
    a = ap.parse_args()

    counts = {}
    for line in open(a.log):
        if line.startswith("tinyae-pc "):
            _, addr, n = line.split()
            counts[int(addr, 16)] = int(n)
    if not counts:
        sys.exit("insn-profile: no `tinyae-pc` lines (run the plugin with pcs=on)")
    funcs = functions(a.elf)
    starts = [f[0] for f in funcs]
    per_function = collections.Counter()
    for addr, n in list(counts.items()):
        i = bisect.bisect_right(starts, addr) - 1
        name = funcs[i][2] if i >= 0 and addr < funcs[i][1] else f"? {addr:#x}"
        if a.only and a.only not in name:
            del counts[addr]
            continue
        per_function[name] += n
    total = sum(counts.values())
    print(f"{total / a.regions:,.0f} instructions per region ({a.regions} regions)")
    for name, n in per_function.most_common(a.top):
        print(f"{n / a.regions:>14,.0f}  {100 * n / total:5.1f} %  {name[:110]}")

    if a.source:
        by_source(counts, a.elf, total, a.regions, a.top)

    for name, _ in per_function.most_common(a.annotate):
        start, end, _ = next(f for f in funcs if f[2] == name)
        dis = subprocess.run([tool("llvm-objdump"), "-d", "--no-show-raw-insn",
                              f"--start-address={start:#x}", f"--stop-address={end:#x}", a.elf],
                             capture_output=True, text=True, check=True).stdout
        print(f"\n== {name}")
        for line in dis.splitlines():
            head = line.strip().split(":", 1)[0]
            try:
                addr = int(head, 16)
            except ValueError:
                continue
            n = counts.get(addr, 0)
            print(f"{n / a.regions:>12,.0f}  {line.strip()}")


if __name__ == "__main__":
    main()
