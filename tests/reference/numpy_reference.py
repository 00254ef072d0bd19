#!/usr/bin/env python3
"""Independent reference outputs for the parity tests, computed with numpy in float64.

Reads each tests/fixtures/<name>.safetensors by parsing the container by hand (8-byte
little-endian header length, JSON header, raw little-endian tensors) and the graph in its
`__metadata__` as docs/FORMAT.md specifies, evaluates the model in float64 with numpy's own
exp/tanh/log1p, and writes tests/fixtures/<name>.expected.json:

    {"inputs": [...], "encode": [...], "reconstruct": [...], "score": [...],
     "is_anomaly": [...], "latents": [...], "decode": [...],
     "eps": [...], "sample_latent": [...]}          # the last two for VAEs only

Nothing here shares code with the Rust implementation: it is the independent side of the
three-way parity check (generated code vs reference interpreter vs numpy).

Usage: python3 tests/reference/numpy_reference.py [fixture names...]
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n :]
    tensors = {}
    for key, info in header.items():
        start, end = info["data_offsets"]
        arr = np.frombuffer(body[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[key] = arr.astype(np.float64)
    return tensors, meta


def activation(spec):
    if isinstance(spec, str):
        spec = {"kind": spec}
    kind = spec["kind"]
    if kind in ("linear", "identity", "none"):
        return lambda x: x
    if kind == "relu":
        # `x > 0 ? x : +0`: NaN and -0 give +0, as in docs/FORMAT.md.
        return lambda x: np.where(x > 0, x, 0.0)
    if kind == "leaky_relu":
        a = spec.get("alpha", 0.01)
        return lambda x: np.where(x >= 0, x, a * x)
    if kind == "sigmoid":
        return lambda x: 1.0 / (1.0 + np.exp(-x))
    if kind == "hard_sigmoid":
        s, o = spec.get("slope", 1.0 / 6.0), spec.get("offset", 0.5)
        return lambda x: np.clip(s * x + o, 0.0, 1.0)
    if kind == "tanh":
        return np.tanh
    if kind == "elu":
        a = spec.get("alpha", 1.0)
        return lambda x: np.where(x > 0, x, a * np.expm1(x))
    if kind == "softplus":
        b, t = spec.get("beta", 1.0), spec.get("threshold", 20.0)
        return lambda x: np.where(b * x > t, x, np.log1p(np.exp(np.minimum(b * x, t))) / b)
    raise ValueError(f"unknown activation {kind}")


class Model:
    def __init__(self, path):
        self.tensors, meta = read_safetensors(path)
        graph = json.loads(meta["tinyae.graph"])
        self.kind = graph["kind"]
        self.latent = graph["latent_layer"]
        self.layers = graph["layers"]
        self.n = int(np.prod(graph["input_shape"]))
        pre = json.loads(meta.get("tinyae.preprocessing", '{"kind": "none"}'))
        if pre["kind"] == "min_max":
            lo, hi = np.array(pre["min"], float), np.array(pre["max"], float)
            self.offset, self.range = np.broadcast_to(lo, self.n), np.broadcast_to(hi - lo, self.n)
        elif pre["kind"] == "standard":
            self.offset = np.broadcast_to(np.array(pre["mean"], float), self.n)
            self.range = np.broadcast_to(np.array(pre["std"], float), self.n)
        else:
            self.offset, self.range = np.zeros(self.n), np.ones(self.n)
        anomaly = meta.get("tinyae.anomaly")
        self.anomaly = json.loads(anomaly) if anomaly else None

    def dense(self, spec, x):
        w = self.tensors[spec["weight"]]
        b = self.tensors[spec["bias"]] if spec.get("bias") else 0.0
        return w @ x + b

    def layer(self, spec, x, head="mu"):
        if spec["op"] == "dense":
            y = self.dense(spec, x)
        elif spec["op"] == "gaussian_head":
            y = self.dense(spec[head], x)
        else:
            raise ValueError(spec["op"])
        return activation(spec.get("activation", "linear"))(y)

    def run(self, layers, x):
        for spec in layers:
            x = self.layer(spec, x)
        return x

    def scale(self, x):
        return (x - self.offset) / self.range

    def unscale(self, y):
        return y * self.range + self.offset

    def encode(self, x):
        return self.run(self.layers[: self.latent + 1], self.scale(x))

    def decode(self, z):
        return self.unscale(self.run(self.layers[self.latent + 1 :], z))

    def score(self, x):
        xs = self.scale(x)
        d = xs - self.run(self.layers, xs)
        metric = self.anomaly["metric"] if self.anomaly else "mse"
        return float(np.mean(d * d) if metric == "mse" else np.mean(np.abs(d)))

    def sample_latent(self, x, eps):
        h = self.run(self.layers[: self.latent], self.scale(x))
        head = self.layers[self.latent]
        mu, log_var = self.layer(head, h, "mu"), self.layer(head, h, "log_var")
        return mu + np.exp(0.5 * log_var) * eps


def main(names):
    if not names:
        # Fixtures with convolutional or recurrent layers are torch_reference.py's.
        names = []
        for p in sorted(FIXTURES.glob("*.safetensors")):
            ops = {l["op"] for l in json.loads(read_safetensors(p)[1]["tinyae.graph"])["layers"]}
            if ops <= {"dense", "gaussian_head"}:
                names.append(p.name[: -len(".safetensors")])
    for name in names:
        model = Model(FIXTURES / f"{name}.safetensors")
        inputs = json.loads((FIXTURES / f"{name}.inputs.json").read_text())["inputs"]
        xs = [np.array(x, float) for x in inputs]
        rng = np.random.default_rng(1234)
        latent_len = len(model.encode(xs[0]))
        latents = [rng.normal(size=latent_len) for _ in range(8)]
        out = {
            "inputs": inputs,
            "encode": [model.encode(x).tolist() for x in xs],
            "reconstruct": [model.decode(model.encode(x)).tolist() for x in xs],
            "score": [model.score(x) for x in xs],
            # f32 latents, so Rust feeds exactly these values
            "latents": [np.float32(z).astype(float).tolist() for z in latents],
        }
        out["decode"] = [model.decode(np.array(z)).tolist() for z in out["latents"]]
        if model.anomaly:
            out["is_anomaly"] = [s > model.anomaly["threshold"] for s in out["score"]]
        if model.kind == "vae":
            eps = [np.float32(rng.normal(size=latent_len)).astype(float).tolist() for _ in xs]
            out["eps"] = eps
            out["sample_latent"] = [model.sample_latent(x, np.array(e)).tolist() for x, e in zip(xs, eps)]
        (FIXTURES / f"{name}.expected.json").write_text(json.dumps(out, indent=1) + "\n")
        print(f"{name}: {len(xs)} vectors")


if __name__ == "__main__":
    main(sys.argv[1:])
