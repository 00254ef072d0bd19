"""What both reference scripts (numpy_reference.py, torch_reference.py) share: a fixture's
safetensors container parsed by hand (8-byte little-endian header length, JSON header, raw
little-endian tensors), its graph and input scaling as docs/FORMAT.md specifies, and the
expected outputs they write to tests/fixtures/<name>.expected.json.

Nothing here shares code with the Rust implementation: it is part of the independent side of
the parity checks.
"""
import json
import struct
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# numpy has no bfloat16: "BF16" is read as the high half of an f32 (see `from_bytes`).
DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": "bf16", "F64": np.float64}
DENSE_OPS = {"dense", "gaussian_head"}


def read_tensors(path, dtypes):
    """`(tensors, metadata)`: every tensor as a numpy array of its own type, by name.
    `dtypes` maps the file's dtype names to numpy's; any other dtype is a ValueError. (The
    benchmark's bench/model_file.py reads model files through this too.)"""
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n :]
    tensors = {}
    for key, info in header.items():
        if info["dtype"] not in dtypes:
            raise ValueError(
                f"{path}: tensor `{key}` is {info['dtype']}, expected one of {', '.join(dtypes)}"
            )
        start, end = info["data_offsets"]
        arr = from_bytes(body[start:end], dtypes[info["dtype"]])
        tensors[key] = arr.reshape(info["shape"])
    return tensors, meta


def from_bytes(raw, dtype):
    """The little-endian values in `raw`; `dtype` "bf16" widens bfloat16 exactly, as the bits
    of an f32 whose low 16 bits are zero (docs/FORMAT.md)."""
    if isinstance(dtype, str) and dtype == "bf16":
        return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view("<f4")
    return np.frombuffer(raw, dtype=dtype)


def read_safetensors(path):
    """`(tensors, metadata)`: every tensor as a float64 numpy array, by name."""
    tensors, meta = read_tensors(path, DTYPES)
    return {key: arr.astype(np.float64) for key, arr in tensors.items()}, meta


# docs/FORMAT.md's defaults of the activations' parameters.
ACTIVATION_DEFAULTS = {
    "leaky_relu": {"alpha": 0.01},
    "hard_sigmoid": {"slope": 1.0 / 6.0, "offset": 0.5},
    "elu": {"alpha": 1.0},
    "softplus": {"beta": 1.0, "threshold": 20.0},
}


def activation(spec, functions):
    """The function of activation `spec` (a kind, or a document with the kind's parameters),
    from a backend's `functions`: kind -> (the parameters, defaults filled in -> function)."""
    if isinstance(spec, str):
        spec = {"kind": spec}
    kind = spec["kind"]
    if kind in ("linear", "identity", "none"):
        return lambda x: x
    if kind not in functions:
        raise ValueError(f"unknown activation {kind}")
    params = dict(ACTIVATION_DEFAULTS.get(kind, {}))
    params.update((k, v) for k, v in spec.items() if k != "kind")
    return functions[kind](**params)


def fixture_names(dense_only):
    """The fixtures the parity tests compare with these scripts (those with a committed
    `<name>.expected.json`; name a new one on the command line) made only of dense layers
    (`dense_only`), or those with another op. The f16, bf16, int8 and pruned variants are not
    among them: tests/tests/quant_parity.rs and mixed_parity.rs check those."""
    names = []
    for p in sorted(FIXTURES.glob("*.safetensors")):
        if not p.with_name(p.name.replace(".safetensors", ".expected.json")).exists():
            continue
        graph = json.loads(read_safetensors(p)[1]["tinyae.graph"])
        ops = {layer["op"] for layer in graph["layers"]}
        if (ops <= DENSE_OPS) == dense_only:
            names.append(p.name[: -len(".safetensors")])
    return names


class Fixture:
    """A fixture model's tensors (float64 numpy arrays), graph, input scaling and anomaly
    settings; a backend subclass evaluates it."""

    def __init__(self, path):
        self.tensors, meta = read_safetensors(path)
        graph = json.loads(meta["tinyae.graph"])
        self.kind = graph["kind"]
        self.latent = graph["latent_layer"]
        self.layers = graph["layers"]
        self.input_shape = graph["input_shape"]
        self.n = int(np.prod(self.input_shape))
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

    def metric(self, d):
        """The anomaly score of the scaled-space differences `d` (a flat numpy array)."""
        metric = self.anomaly["metric"] if self.anomaly else "mse"
        return float(np.mean(d * d) if metric == "mse" else np.mean(np.abs(d)))


def write_expected(names, model_class, flat, per_layer=False, note=""):
    """Evaluates each fixture with `model_class` (a `Fixture` with `encode`, `decode` of a flat
    list, `score`, `sample_latent` and, for `per_layer`, `layer_outputs`) on its inputs and on
    seeded latent codes, and writes tests/fixtures/<name>.expected.json. `flat` turns an
    encoder output into a flat list."""
    for name in names:
        model = model_class(FIXTURES / f"{name}.safetensors")
        inputs = json.loads((FIXTURES / f"{name}.inputs.json").read_text())["inputs"]
        xs = [np.array(x, float) for x in inputs]
        rng = np.random.default_rng(1234)
        latent_len = len(flat(model.encode(xs[0])))
        latents = [rng.normal(size=latent_len) for _ in range(8)]
        out = {
            "inputs": inputs,
            "encode": [flat(model.encode(x)) for x in xs],
            "reconstruct": [model.decode(flat(model.encode(x))).tolist() for x in xs],
            "score": [model.score(x) for x in xs],
            # f32 latents, so Rust feeds exactly these values
            "latents": [np.float32(z).astype(float).tolist() for z in latents],
        }
        out["decode"] = [model.decode(z).tolist() for z in out["latents"]]
        if per_layer:
            # Per layer, for the first vectors: isolates each op's rounding error.
            out["layers"] = [model.layer_outputs(x) for x in xs[:4]]
        if model.anomaly:
            out["is_anomaly"] = [s > model.anomaly["threshold"] for s in out["score"]]
        if model.kind == "vae":
            eps = [np.float32(rng.normal(size=latent_len)).astype(float).tolist() for _ in xs]
            out["eps"] = eps
            out["sample_latent"] = [model.sample_latent(x, np.array(e)).tolist() for x, e in zip(xs, eps)]
        (FIXTURES / f"{name}.expected.json").write_text(json.dumps(out, indent=1) + "\n")
        print(f"{name}: {len(xs)} vectors{note}")
