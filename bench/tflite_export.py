#!/usr/bin/env python3
"""Writes a tinyae model file as a TFLite flatbuffer, from the same weights (docs/BENCHMARKS.md).

  tflite_export.py MODEL.safetensors OUT.tflite

- An f32 file becomes a float graph: one FULLY_CONNECTED per dense layer (weights [out, in],
  PyTorch's layout, which is TFLite's too), relu fused into it, other activations as their own
  op. The bare network: the input scaling is not part of it (the peers take scaled input).
- An int8 file becomes a full-integer graph with the file's own quantized weights and
  parameters (tinyae's int8 scheme is TFLite's: per-channel symmetric int8 weights, i32 bias in
  units of input scale x weight scale, asymmetric per-tensor int8 activations), int8 in and out.
  Only where TFLite fixes an activation's output parameters (LOGISTIC: 1/256 and -128; TANH:
  1/128 and 0) does the graph differ: the activation writes TFLite's parameters and, when
  another layer follows, a QUANTIZE op requantizes to the file's. The final layer's output is
  then in TFLite's parameters, which the bench reads from the interpreter.

Only what ai-edge-litert ships is used (its generated schema module and flatbuffers).
"""
import os
import sys

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as fb

from model_file import read_safetensors

class Graph:
    """Tensors, buffers and operators of one subgraph, built up in order."""

    def __init__(self):
        self.tensors, self.buffers, self.ops, self.codes = [], [fb.BufferT()], [], []

    def tensor(self, name, shape, dtype, data=None, quant=None):
        t = fb.TensorT()
        t.name, t.shape, t.type = name, list(shape), dtype
        t.buffer = 0
        if data is not None:
            b = fb.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if quant is not None:
            q = fb.QuantizationParametersT()
            q.scale = [float(s) for s in np.atleast_1d(quant[0])]
            q.zeroPoint = [int(z) for z in np.atleast_1d(quant[1])]
            q.quantizedDimension = quant[2] if len(quant) > 2 else 0
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def op(self, code, inputs, outputs, options=None, version=1):
        key = (code, version)
        if key not in self.codes:
            self.codes.append(key)
        o = fb.OperatorT()
        o.opcodeIndex = self.codes.index(key)
        o.inputs, o.outputs = list(inputs), list(outputs)
        if options is not None:
            o.builtinOptionsType, o.builtinOptions = options
        self.ops.append(o)

    def finish(self, inputs, outputs):
        sub = fb.SubGraphT()
        sub.tensors, sub.operators = self.tensors, self.ops
        sub.inputs, sub.outputs, sub.name = list(inputs), list(outputs), "main"
        model = fb.ModelT()
        model.version, model.description, model.subgraphs = 3, "tinyae bench", [sub]
        model.buffers = self.buffers
        model.operatorCodes = []
        for code, version in self.codes:
            c = fb.OperatorCodeT()
            c.builtinCode, c.deprecatedBuiltinCode, c.version = code, min(code, 127), version
            model.operatorCodes.append(c)
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def fully_connected(relu):
    o = fb.FullyConnectedOptionsT()
    o.fusedActivationFunction = (
        fb.ActivationFunctionType.RELU if relu else fb.ActivationFunctionType.NONE
    )
    return fb.BuiltinOptions.FullyConnectedOptions, o


def kind(act):
    return act if isinstance(act, str) else act["kind"]


def float_activation(g, act, x, n, name):
    """Appends the activation of a float layer (not relu: fused) and returns its output."""
    k = kind(act)
    if k in ("linear", "relu"):
        return x
    y = g.tensor(name, [1, n], fb.TensorType.FLOAT32)
    if k == "sigmoid":
        g.op(fb.BuiltinOperator.LOGISTIC, [x], [y])
    elif k == "tanh":
        g.op(fb.BuiltinOperator.TANH, [x], [y])
    elif k == "leaky_relu":
        o = fb.LeakyReluOptionsT()
        o.alpha = act["alpha"]
        g.op(fb.BuiltinOperator.LEAKY_RELU, [x], [y], (fb.BuiltinOptions.LeakyReluOptions, o))
    elif k == "elu" and act["alpha"] == 1.0:
        g.op(fb.BuiltinOperator.ELU, [x], [y])
    else:
        raise SystemExit(f"activation `{k}` has no TFLite op here\nhelp: bench models use relu, sigmoid or tanh")
    return y


def export_float(tensors, graph):
    g = Graph()
    n = int(np.prod(graph["input_shape"]))
    x = first = g.tensor("x", [1, n], fb.TensorType.FLOAT32)
    for j, layer in enumerate(graph["layers"]):
        w = tensors[layer["weight"]].astype("<f4")
        out = w.shape[0]
        inputs = [x, g.tensor(f"w{j}", w.shape, fb.TensorType.FLOAT32, w)]
        if layer.get("bias"):
            inputs.append(g.tensor(f"b{j}", [out], fb.TensorType.FLOAT32, tensors[layer["bias"]]))
        act = layer.get("activation", "linear")
        h = g.tensor(f"h{j}", [1, out], fb.TensorType.FLOAT32)
        g.op(fb.BuiltinOperator.FULLY_CONNECTED, inputs, [h], fully_connected(kind(act) == "relu"))
        x = float_activation(g, act, h, out, f"a{j}")
    return g.finish([first], [x])


# TFLite's int8 LOGISTIC and TANH write these output parameters (scale, zero point).
FIXED_OUTPUT = {"sigmoid": (1.0 / 256.0, -128), "tanh": (1.0 / 128.0, 0)}


def export_int8(tensors, graph):
    g = Graph()
    layers = graph["layers"]
    n = int(np.prod(graph["input_shape"]))
    q0 = layers[0]["quantization"]["input"]
    x = first = g.tensor("x", [1, n], fb.TensorType.INT8, quant=(q0["scale"], q0["zero_point"]))
    i8 = fb.TensorType.INT8
    for j, layer in enumerate(layers):
        q = layer["quantization"]
        w = tensors[layer["weight"]]
        out = w.shape[0]
        w_scale = tensors[q["weight_scale"]].astype(np.float64)
        wq = g.tensor(f"w{j}", w.shape, i8, w, (w_scale, np.zeros(out, np.int64), 0))
        bias = tensors[layer["bias"]] if layer.get("bias") else np.zeros(out, "<i4")
        b_scale = q["input"]["scale"] * w_scale
        bq = g.tensor(f"b{j}", [out], fb.TensorType.INT32, bias, (b_scale, np.zeros(out, np.int64), 0))
        act, pre, post = kind(layer.get("activation", "linear")), q.get("pre_activation"), q["output"]
        target = pre or post
        h = g.tensor(f"h{j}", [1, out], i8, quant=(target["scale"], target["zero_point"]))
        fused = act == "relu" and pre is None
        g.op(fb.BuiltinOperator.FULLY_CONNECTED, [x, wq, bq], [h], fully_connected(fused), version=5)
        x = h
        if pre is None and act in ("linear", "relu"):
            continue
        last = j + 1 == len(layers)
        if act in FIXED_OUTPUT:
            scale, zp = FIXED_OUTPUT[act]
            y = g.tensor(f"a{j}", [1, out], i8, quant=(scale, zp))
            code = fb.BuiltinOperator.LOGISTIC if act == "sigmoid" else fb.BuiltinOperator.TANH
            g.op(code, [x], [y], version=2)
            x = y
            if not last:
                z = g.tensor(f"r{j}", [1, out], i8, quant=(post["scale"], post["zero_point"]))
                g.op(fb.BuiltinOperator.QUANTIZE, [x], [z], version=2)
                x = z
        elif act in ("relu", "linear"):
            y = g.tensor(f"a{j}", [1, out], i8, quant=(post["scale"], post["zero_point"]))
            code = fb.BuiltinOperator.RELU if act == "relu" else fb.BuiltinOperator.QUANTIZE
            g.op(code, [x], [y], version=2)
            x = y
        else:
            raise SystemExit(f"int8 activation `{act}` has no TFLite op here\nhelp: bench models use relu, sigmoid or tanh")
    return g.finish([first], [x])


def export(model_path, out_path):
    tensors, graph = read_safetensors(model_path, ("F32", "I8", "I32"))
    for layer in graph["layers"]:
        if layer["op"] != "dense":
            raise SystemExit(f"{model_path}: layer `{layer['name']}` is {layer['op']}, not dense\nhelp: the bench exports dense models only")
    quantized = "quantization" in graph["layers"][0]
    data = export_int8(tensors, graph) if quantized else export_float(tensors, graph)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out_path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    export(sys.argv[1], sys.argv[2])
