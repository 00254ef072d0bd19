"""Exact instruction counts under QEMU, shared by firmware-measure.py and quant-measure.py.

The TCG plugin scripts/qemu-insn-count.c counts the instructions executed between a
firmware's `tinyae_bench_start` and `tinyae_bench_stop` markers, one region per call; the
firmware prints a `bench <model> <function> <vector>` line for each region, in order.
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_DIR = ROOT / "target" / "embedded"
PLUGIN_SRC = ROOT / "scripts" / "qemu-insn-count.c"
PLUGIN = TARGET_DIR / "qemu-insn-count.so"


def fail(tool, message):
    sys.exit(f"{tool}: {message}")


def build_plugin(tool):
    """Compiles the plugin when its source is newer (atomically: temp file, then rename)."""
    if shutil.which("gcc") is None:
        fail(tool, "gcc is needed to build the instruction-counting plugin")
    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    if PLUGIN.exists() and PLUGIN.stat().st_mtime >= PLUGIN_SRC.stat().st_mtime:
        return
    tmp = PLUGIN.with_suffix(".tmp")
    cmd = ["gcc", "-O2", "-Wall", "-shared", "-fPIC", "-fvisibility=hidden", "-o", str(tmp),
           str(PLUGIN_SRC)]
    if subprocess.run(cmd).returncode != 0:
        fail(tool, "the plugin did not compile")
    tmp.replace(PLUGIN)


def run(tool, name, qemu, elf):
    """Runs `elf` under QEMU (`qemu`: the command and machine options) with the plugin.

    Returns (the firmware's output lines, {(model, function, vector): instructions}); fails on
    a non-zero exit, a timeout (300 s) or a label without its counted region.
    """
    log = TARGET_DIR / f"{name}.insns.log"
    log.unlink(missing_ok=True)
    cmd = ["timeout", "-k", "5", "300", *qemu, "-nographic",
           "-plugin", str(PLUGIN), "-d", "plugin", "-D", str(log), "-kernel", str(elf)]
    # The console goes to a file, not a pipe: QEMU makes it non-blocking and drops what a full
    # pipe does not take (a reader 3 s late got 65,456 of 199,512 bytes).
    out, err = TARGET_DIR / f"{name}.stdout", TARGET_DIR / f"{name}.stderr"
    with open(out, "wb") as o, open(err, "wb") as e:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=o, stderr=e)
    stdout = out.read_text(errors="replace")
    if done.returncode != 0:
        message = err.read_text(errors="replace").strip()
        fail(tool, f"{name} exited with {done.returncode}: {message}")
    lines = stdout.splitlines()
    labels = [tuple(l.split()[1:]) for l in lines if l.startswith("bench ")]
    counts = [int(l.split()[2]) for l in log.read_text().splitlines()
              if l.startswith("tinyae-insns ")]
    if len(labels) != len(counts):
        fail(tool, f"{name}: {len(labels)} bench labels but {len(counts)} counted regions")
    return lines, {(m, f, int(k)): n for (m, f, k), n in zip(labels, counts)}
