#!/usr/bin/env python3
"""Makes assembly from upstream LLVM's Xtensa backend linkable, as LLVM module asm.

Usage: scripts/xtensa-literals.py INPUT.s OUTPUT.ll

The backend writes each function's `l32r` constants as GNU `.literal` directives before the
function. Assembled as emitted, LLVM (22.1.4, nightly 1.97.0 2026-05-19) puts them at the end
of the *previous* function's section, unaligned (GNU ld: "l32r: misaligned literal target");
moved into the function's own section, LLVM resolves the `l32r` offsets itself and gets some
wrong by 4 bytes (a call then jumps to the neighbouring constant). So each group goes into a
section of its own, `.literal.N`, aligned: every `l32r` becomes a relocation that GNU ld
resolves, and the linker script puts all literals before all code (an `l32r` reaches 256 KB
backwards). The text is then wrapped as `module asm` in an LLVM IR file: upstream LLVM ships
no Xtensa assembler driver, but `llc -mtriple=xtensa` assembles module asm into an object.
"""
import os
import re
import sys


def rewrite(lines):
    out, pending, section = [], [], None
    for line in lines:
        s = line.strip()
        if s.startswith(".section"):
            section = line
        if s == ".literal_position":
            continue
        m = re.match(r"\.literal\s+(\S+),\s*(.+)$", s)
        if m:
            pending.append(m.groups())
            continue
        if pending and re.match(r"\.type\s+\S+,@function$", s):
            out.append(f"\t.section\t.literal.{len(out)},\"a\",@progbits\n\t.p2align\t2\n")
            out += [f"{label}:\n\t.4byte\t{value}\n" for label, value in pending]
            out.append(section or "\t.text\n")
            pending = []
        out.append(line)
    if pending:
        sys.exit(f"xtensa-literals: literals with no function after them: {pending[:3]}")
    return "".join(out)


def module_asm(text):
    escaped = text.replace("\\", "\\5C").replace('"', "\\22").replace("\n", "\\0A")
    return f'module asm "{escaped}"\n'


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        text = rewrite(f)
    with open(dst + ".tmp", "w") as f:
        f.write(module_asm(text))
    os.replace(dst + ".tmp", dst)


if __name__ == "__main__":
    main()
