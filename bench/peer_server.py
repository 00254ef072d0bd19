#!/usr/bin/env python3
"""The Python peers of the benchmark, served to the Rust bench over stdin/stdout (one JSON
object per line each way), so their timing samples interleave with every other engine's.

  peer_server.py

Requests and replies:
  {"load": "tflite" | "onnxruntime", "path": FILE}
      -> {"id": N, "name": "...", "input": {"dtype", "scale", "zero_point"}, "output": {...}}
         TFLite runs with its default XNNPACK delegate (ai-edge-litert), one thread;
         onnxruntime with one intra-op thread, sequential. int8 tensors report their
         quantization; float tensors scale 0.
  {"run": N, "x": [...]}      -> {"y": [...]}   one inference; the input is kept for timing
  {"warm": N}                 -> {"calls": C}   warms up, picks the calls per sample (>= 0.2 ms)
  {"sample": N}               -> {"ns": T}      one sample: C back-to-back calls, ns per call
Errors: {"error": "..."}.

What is timed is the call a Python user makes per inference with the input already in place:
`interpreter.invoke()` for TFLite, `session.run` for onnxruntime (which takes its input per
call). The Python call overhead is part of it (the sensor model's time is mostly that).
"""
import json
import sys
import time

import numpy as np

SAMPLE_NS = 200_000


class Tflite:
    def __init__(self, path):
        import ai_edge_litert
        from ai_edge_litert.interpreter import Interpreter

        self.it = Interpreter(model_path=path, num_threads=1)
        self.it.allocate_tensors()
        self.inp = self.it.get_input_details()[0]
        self.out = self.it.get_output_details()[0]
        version = getattr(ai_edge_litert, "__version__", None) or _dist_version("ai-edge-litert")
        self.name = f"TFLite+XNNPACK {version}"

    def describe(self, d):
        scale, zp = d["quantization"]
        return {"dtype": np.dtype(d["dtype"]).name, "scale": scale, "zero_point": zp}

    def set(self, x):
        self.it.set_tensor(self.inp["index"], np.asarray(x, self.inp["dtype"]).reshape(self.inp["shape"]))

    def call(self):
        self.it.invoke()

    def output(self):
        return self.it.get_tensor(self.out["index"]).reshape(-1)


class Ort:
    def __init__(self, path):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.shape = self.session.get_inputs()[0].shape
        self.name = f"onnxruntime {ort.__version__}"
        self.inp = self.out = {"dtype": "float32", "scale": 0.0, "zero_point": 0}

    def describe(self, d):
        return d

    def set(self, x):
        self.feed = {"x": np.asarray(x, np.float32).reshape(self.shape)}

    def call(self):
        self.y = self.session.run(["y"], self.feed)[0]

    def output(self):
        self.call()
        return self.y.reshape(-1)


def _dist_version(name):
    from importlib.metadata import version

    return version(name)


def sample(engine, calls):
    call = engine.call
    # One untimed call first, as in the Rust side's `sample_ns`: the previous engine's
    # data has evicted this one's from the caches, and no figure may depend on which
    # engine happened to run before it.
    call()
    start = time.perf_counter_ns()
    for _ in range(calls):
        call()
    return (time.perf_counter_ns() - start) / calls


def warm(engine):
    start = time.perf_counter_ns()
    while time.perf_counter_ns() - start < 20_000_000:
        engine.call()
    calls = 1
    while sample(engine, calls) * calls < SAMPLE_NS:
        calls *= 2
    return calls


def handle(request, engines, calls):
    if "load" in request:
        kind = {"tflite": Tflite, "onnxruntime": Ort}[request["load"]]
        e = kind(request["path"])
        engines.append(e)
        return {
            "id": len(engines) - 1,
            "name": e.name,
            "input": e.describe(e.inp),
            "output": e.describe(e.out),
        }
    if "run" in request:
        e = engines[request["run"]]
        e.set(request["x"])
        e.call()
        return {"y": [float(v) for v in e.output()]}
    if "warm" in request:
        n = request["warm"]
        calls[n] = warm(engines[n])
        return {"calls": calls[n]}
    if "sample" in request:
        n = request["sample"]
        return {"ns": sample(engines[n], calls[n])}
    return {"error": f"unknown request {sorted(request)}"}


def main():
    engines, calls = [], {}
    for line in sys.stdin:
        try:
            reply = handle(json.loads(line), engines, calls)
        except Exception as e:  # reported to the bench, which names the engine and model
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
