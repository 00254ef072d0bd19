#!/usr/bin/env python3
"""How the `autoencoder!` macro's build cost grows with model size (issue 11, "large models
compile gently").

For MNIST (models/mnist.safetensors) and synthetic dense autoencoders `[n, h, n]` of about
0.1 M, 1 M, 4 M and 16.7 M parameters (generated at run time into a temporary directory,
nothing large is committed), prints per model:

- expand: median wall time of `tinyae_core::load` + `tinyae_codegen::expand_model`, built
  like cargo builds proc macros (unoptimized): the macro's own work;
- check: wall time of `cargo check` of a one-file crate that invokes the macro on the model
  (expansion, type checking, const evaluation of the statics);
- build: wall time of `cargo build --release` of that crate (what a firmware build pays);
- peak: the largest resident set of any process in that build, i.e. rustc (`/usr/bin/time -v`).

Dependencies are built once beforehand, so the timed builds compile only the probe crate.
`--before REV` measures a second revision (e.g. `main` before this change) side by side, from a
`git archive` export; `--before-max-params` skips its larger models (before the byte-string
weights, 16.7 M parameters made rustc abort at ~11 GB). `--max-params` skips larger models in every revision.

Usage: scripts/compile-scaling.py [--before REV] [--before-max-params N] [--max-params N]
       [--repeat N] [--keep DIR]
Stdlib only; needs cargo and GNU time (/usr/bin/time).
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# (label, widths [n, h, n]): parameters 2·n·h + h + n.
SYNTHETIC = [
    ("0.1M", [256, 200, 256]),
    ("1M", [1024, 512, 1024]),
    ("4M", [2048, 1024, 2048]),
    ("16.7M", [4096, 2047, 4096]),
]
TIMEOUT_S = 1800


def fail(message):
    sys.exit(f"compile-scaling: {message}")


def dense_model(path, widths, seed=1):
    """A dense autoencoder file with Glorot-uniform weights (the format of docs/FORMAT.md)."""
    rng = random.Random(seed)
    tensors, layers = {}, []
    for j, (i_n, o_n) in enumerate(zip(widths, widths[1:])):
        bound = (6.0 / (i_n + o_n)) ** 0.5
        name = f"l{j}"
        weight = array("f", (rng.uniform(-bound, bound) for _ in range(o_n * i_n)))
        tensors[f"{name}.weight"] = ([o_n, i_n], weight)
        tensors[f"{name}.bias"] = ([o_n], array("f", (rng.uniform(-0.1, 0.1) for _ in range(o_n))))
        layers.append({"name": name, "op": "dense", "in_features": i_n, "out_features": o_n,
                       "weight": f"{name}.weight", "bias": f"{name}.bias",
                       "activation": "sigmoid" if j == len(widths) - 2 else "relu"})
    graph = {"kind": "autoencoder", "input_shape": [widths[0]], "latent_layer": 0, "layers": layers}
    header, offset, body = {}, 0, []
    for key, (shape, values) in tensors.items():
        if sys.byteorder != "little":
            values.byteswap()
        data = values.tobytes()
        header[key] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        body.append(data)
    header["__metadata__"] = {"tinyae.format_version": "1", "tinyae.graph": json.dumps(graph)}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(body))
    return sum(len(v) for _, v in tensors.values())


def model_params(path):
    """Parameters and input length of a model file, from its header."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    graph = json.loads(header.pop("__metadata__")["tinyae.graph"])
    return sum(math.prod(t["shape"]) for t in header.values()), math.prod(graph["input_shape"])


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def probe_workspace(root, repo):
    """A workspace with the probe crate (`main.rs` invokes the macro on `model.safetensors`)
    and the `expand` timer, both against the sources in `repo`."""
    write(root / "Cargo.toml", '[workspace]\nmembers = ["probe", "expand"]\nresolver = "2"\n'
          "[profile.release]\ndebug = false\n")
    write(root / "probe/Cargo.toml", '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2021"\n'
          f'[dependencies]\ntinyae = {{ path = "{repo}/runtime" }}\n')
    write(root / "expand/Cargo.toml", '[package]\nname = "expand"\nversion = "0.0.0"\nedition = "2021"\n'
          f'[dependencies]\ntinyae-core = {{ path = "{repo}/core" }}\n'
          f'tinyae-codegen = {{ path = "{repo}/codegen" }}\n')
    write(root / "expand/src/main.rs", """
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("model path");
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let bytes = std::fs::read(&path).expect("read");
        let model = tinyae_core::load(&bytes).expect("load");
        let options = tinyae_codegen::Options {
            unroll: tinyae_codegen::Unroll::Auto,
            parts: tinyae_codegen::Parts::All,
        };
        let tokens = tinyae_codegen::expand_model(&model, "Probe", options);
        std::hint::black_box(tokens);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!("{}", times[1]);
}
""")
    # The repository's toolchain file pins the compiler the sources were written for.
    shutil.copy(repo / "rust-toolchain.toml", root / "rust-toolchain.toml")


def probe_main(root, n):
    write(root / "probe/src/main.rs", f"""
tinyae::autoencoder!(pub Probe = "model.safetensors");
fn main() {{
    let x = std::hint::black_box([0.5f32; {n}]);
    println!("{{}}", Probe::anomaly_score(&x));
}}
""")


def timed(cmd, cwd, env):
    """Wall seconds and peak RSS (MB) of the largest process `cmd` ran, or None on failure."""
    start = time.monotonic()
    try:
        out = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, env=env, capture_output=True,
                             text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, None, f"timed out after {TIMEOUT_S} s"
    wall = time.monotonic() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    if out.returncode != 0:
        tail = [l for l in out.stderr.splitlines() if "error" in l.lower() or "memory" in l.lower()]
        return None, int(peak.group(1)) / 1024 if peak else None, (tail or ["failed"])[0][:100]
    return wall, int(peak.group(1)) / 1024, None


def cargo(root, args, env, check=True):
    out = subprocess.run(["cargo", *args], cwd=root, env=env, capture_output=True, text=True)
    if check and out.returncode != 0:
        fail(f"cargo {' '.join(args)} in {root} failed:\n{out.stderr[-3000:]}")
    return out


def measure(root, env, model, n, repeat):
    """One row: expand, check, build (fastest of `repeat` runs: the machine may be shared),
    peak, and an error text if a step failed."""
    shutil.copy(model, root / "probe/model.safetensors")
    probe_main(root, n)
    # The dev profile: cargo builds proc macros without optimization (`build-override`), so
    # this is the code rustc runs.
    out = cargo(root, ["run", "--quiet", "-p", "expand", "--", str(model)], env, check=False)
    expand = float(out.stdout.strip()) if out.returncode == 0 else None
    checks, builds, peak = [], [], None
    for _ in range(repeat):
        (root / "probe/src/main.rs").touch()
        check, _, error = timed(["cargo", "check", "--quiet", "-p", "probe"], root, env)
        if error:
            return expand, None, None, None, error
        (root / "probe/src/main.rs").touch()
        build, used, error = timed(["cargo", "build", "--release", "--quiet", "-p", "probe"], root, env)
        peak = max(peak or 0, used or 0)
        if error:
            return expand, min(checks + [check]), None, peak, error
        checks.append(check)
        builds.append(build)
    return expand, min(checks), min(builds), peak, None


def prepare(root, repo, env):
    probe_workspace(root, repo)
    shutil.copy(REPO / "tests/fixtures/sensor.safetensors", root / "probe/model.safetensors")
    probe_main(root, 3)
    # Dependencies once, in both profiles, so the timed builds compile only the probe.
    cargo(root, ["build", "--release", "--quiet"], env)
    cargo(root, ["check", "--quiet", "-p", "probe"], env)
    cargo(root, ["build", "--quiet", "-p", "expand"], env)


def fmt(v, unit=""):
    return "-" if v is None else f"{v:.2f}{unit}" if unit == " s" else f"{v:.0f}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", help="a git revision to measure side by side (e.g. main)")
    ap.add_argument("--before-max-params", type=float, default=5e6,
                    help="skip the before revision's models above this many parameters")
    ap.add_argument("--max-params", type=float, default=17e6,
                    help="skip every revision's models above this many parameters")
    ap.add_argument("--repeat", type=int, default=3, help="timed builds per small model")
    ap.add_argument("--keep", help="work in this directory and keep it")
    args = ap.parse_args()
    if not Path("/usr/bin/time").exists():
        fail("/usr/bin/time not found\nhelp: install GNU time (`apt-get install time`)")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tinyae-scaling-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        models = [("mnist", REPO / "models/mnist.safetensors")]
        for label, widths in SYNTHETIC:
            if 2 * widths[0] * widths[1] > args.max_params:
                continue
            path = work / f"dense_{label}.safetensors"
            if not path.exists():
                dense_model(path, widths)
            models.append((f"dense {label}", path))
        revisions = [("after", REPO)]
        if args.before:
            export = work / "before-src"
            if not export.exists():
                export.mkdir()
                archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before],
                                         capture_output=True, check=True).stdout
                subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
            revisions.insert(0, (f"before {args.before}", export))
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                    if l.startswith("model name")), "?")
        print(f"CPU: {cpu}, {os.cpu_count()} cores; a one-model crate, dependencies prebuilt; "
              f"check and build: fastest of {args.repeat} (1 above 2 M parameters)")
        print(f"{'revision':<14} {'model':<12} {'params':>10} {'expand':>8} {'check':>8} "
              f"{'build':>8} {'peak':>8}  build vs before")
        roots = []
        for name, repo in revisions:
            root = work / re.sub(r"\W", "_", name)
            env = dict(os.environ, CARGO_TARGET_DIR=str(root / "target"))
            prepare(root, repo, env)
            roots.append((name, root, env))
        # Model by model, the revisions side by side (under the same load).
        for label, path in models:
            params, n = model_params(path)
            before = None
            for name, root, env in roots:
                if name != "after" and params > args.before_max_params:
                    print(f"{name:<14} {label:<12} {params:>10,}  skipped (--before-max-params)")
                    continue
                repeat = args.repeat if params <= 2e6 else 1
                expand, check, build, peak, error = measure(root, env, path, n, repeat)
                ratio = f"  {before / build:.1f}x faster" if name == "after" and before and build else ""
                before = build
                print(f"{name:<14} {label:<12} {params:>10,} {fmt(expand, ' s'):>8} {fmt(check, ' s'):>8} "
                      f"{fmt(build, ' s'):>8} {fmt(peak, ' MB'):>8}{ratio}"
                      + (f"  {error}" if error else ""), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
