#!/usr/bin/env python3
"""What bit-exact import of a full-integer int8 .tflite needs: an independent numpy reading of
the TFLite reference kernels (LiteRT, XNNPACK off) for FULLY_CONNECTED + LOGISTIC models,
checked against the interpreter's outputs committed in tests/fixtures/import.

Two requantizations of the int32 accumulator `acc` (bias included) are compared:

- `tinyae`: tinyae's int8 flavor (docs/FORMAT.md, "int8 layers"): `m = round(f·2^31)`,
  `s = 31 - e` for `in·w/out = f·2^e`, then `(acc·m + 2^(s-1)) >> s`;
- `double`: LiteRT's reference FULLY_CONNECTED since 2025 ("do requant in float"): `acc` times
  `(double(in_scale)·double(w_scale)) / double(out_scale)` in f64, rounded half away from zero.

LOGISTIC is LiteRT's 256-entry table (LUTPopulate): `q_out = clamp(round(f32(1/(1+expf(-x)))
· f32(1/out_scale)) + zp)` with `x = in_scale·(q - zp)` in f32: the construction of tinyae's
activation tables. Output of the last run (ai-edge-litert 2.3.0):

    keras_mnist_dense_int8 tinyae: 2444/6272 output bytes differ, max 5 LSB
    keras_mnist_dense_int8 double: 0/6272 output bytes differ, max 0 LSB
    keras_ecg_dense_int8 tinyae: 757/1120 output bytes differ, max 2 LSB
    keras_ecg_dense_int8 double: 0/1120 output bytes differ, max 0 LSB

Usage: python tests/import/tflite_int8_semantics.py  (numpy and ai-edge-litert, for its schema)
"""
import json
from pathlib import Path

import numpy as np
from ai_edge_litert import schema_py_generated as schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
OP_NAMES = {v: k for k, v in schema.BuiltinOperator.__dict__.items() if not k.startswith("_")}


class Graph:
    def __init__(self, path):
        self.model = schema.Model.GetRootAsModel(path.read_bytes(), 0)
        self.g = self.model.Subgraphs(0)

    def tensor(self, i):
        """(constant values or None, scales, zero points) of tensor `i`."""
        t = self.g.Tensors(i)
        q = t.Quantization()
        raw = self.model.Buffers(t.Buffer()).DataAsNumpy()
        dtype = {9: np.int8, 2: np.int32}.get(t.Type())
        data = None
        if not isinstance(raw, int) and dtype is not None:
            data = np.frombuffer(raw.tobytes(), dtype).reshape(t.ShapeAsNumpy())
        return data, q.ScaleAsNumpy().astype(np.float32), q.ZeroPointAsNumpy()

    def ops(self):
        for k in range(self.g.OperatorsLength()):
            op = self.g.Operators(k)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            name = OP_NAMES[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
            yield name, list(op.InputsAsNumpy()), list(op.OutputsAsNumpy()), op


def round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def requantize(acc, mult, flavor):
    if flavor == "double":
        return round_half_away(acc * mult).astype(np.int64)
    f, e = np.frexp(mult)
    m = np.round(f * 2**31).astype(np.int64)
    shift = 31 - e
    carry = m == 2**31
    m[carry], shift[carry] = 2**30, shift[carry] - 1
    return (acc * m + (np.int64(1) << (shift - 1))) >> shift


def run(graph, x, flavor):
    h = np.array(x, np.int64)
    for name, ins, outs, op in graph.ops():
        _, si, zi = graph.tensor(ins[0])
        _, so, zo = graph.tensor(outs[0])
        if name == "FULLY_CONNECTED":
            w, sw, _ = graph.tensor(ins[1])
            b, _, _ = graph.tensor(ins[2])
            opts = schema.FullyConnectedOptions()
            opts.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            acc = (w.astype(np.int64) * (h - zi[0])[None, :]).sum(1) + b
            mult = (np.float64(si[0]) * sw.astype(np.float64)) / np.float64(so[0])
            low = zo[0] if opts.FusedActivationFunction() == 1 else -128
            h = np.clip(requantize(acc, mult, flavor) + zo[0], low, 127)
        elif name == "LOGISTIC":
            x32 = np.float32(si[0]) * (h - zi[0]).astype(np.float32)
            y = np.float32(1) / (np.float32(1) + np.exp(-x32).astype(np.float32))
            h = np.clip(round_half_away(y * (np.float32(1) / so[0])) + zo[0], -128, 127)
        else:
            raise SystemExit(f"{name}: this check reads FULLY_CONNECTED and LOGISTIC only")
    return h.astype(np.int64)


def main():
    for name in ["keras_mnist_dense_int8", "keras_ecg_dense_int8"]:
        graph = Graph(FIXTURES / f"{name}.tflite")
        doc = json.loads((FIXTURES / f"{name}_tflite.expected.json").read_text())
        for flavor in ["tinyae", "double"]:
            bad = total = worst = 0
            for x, y in zip(doc["inputs"], doc["outputs"]):
                diff = np.abs(run(graph, x, flavor) - np.array(y))
                bad, total, worst = bad + int((diff > 0).sum()), total + diff.size, max(worst, int(diff.max()))
            print(f"{name} {flavor}: {bad}/{total} output bytes differ, max {worst} LSB")


if __name__ == "__main__":
    main()
