#!/usr/bin/env python3
"""ONNX side of the benchmark (docs/BENCHMARKS.md).

  onnx_peer.py export MODEL.safetensors OUT.onnx
      Writes the bare network (no input scaling) of a tinyae model file as ONNX, from the
      same weights: one Gemm per dense layer (PyTorch layout [out, in], transB=1) and its
      activation. tract and onnxruntime (peer_server.py) both load this file.
"""
import sys

import numpy as np

from model_file import read_safetensors


def activation_nodes(helper, act, x, y, j):
    """ONNX nodes computing y = act(x); returns (nodes, initializers)."""
    kind = act if isinstance(act, str) else act["kind"]
    if kind == "linear":
        return [helper.make_node("Identity", [x], [y])], []
    if kind in ("relu", "sigmoid", "tanh"):
        op = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}[kind]
        return [helper.make_node(op, [x], [y])], []
    if kind == "leaky_relu":
        return [helper.make_node("LeakyRelu", [x], [y], alpha=act["alpha"])], []
    if kind == "elu":
        return [helper.make_node("Elu", [x], [y], alpha=act["alpha"])], []
    if kind == "hard_sigmoid":
        node = helper.make_node("HardSigmoid", [x], [y], alpha=act["slope"], beta=act["offset"])
        return [node], []
    if kind == "softplus":
        # log1p(exp(beta x)) / beta; the threshold (x past it) changes values by < exp(-20).
        beta = np.array(act["beta"], dtype=np.float32)
        b = f"beta{j}"
        init = [helper_tensor(b, beta)]
        nodes = [
            helper.make_node("Mul", [x, b], [f"bx{j}"]),
            helper.make_node("Softplus", [f"bx{j}"], [f"sp{j}"]),
            helper.make_node("Div", [f"sp{j}", b], [y]),
        ]
        return nodes, init
    raise SystemExit(f"activation `{kind}` has no ONNX export here")


def helper_tensor(name, array):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def export(model_path, out_path):
    import onnx
    from onnx import TensorProto, helper

    tensors, graph = read_safetensors(model_path)
    n = int(np.prod(graph["input_shape"]))
    nodes, inits, current = [], [], "x"
    for j, layer in enumerate(graph["layers"]):
        if layer["op"] != "dense":
            raise SystemExit(f"{model_path}: layer `{layer['name']}` is {layer['op']}, not dense")
        w, b = f"w{j}", f"b{j}"
        inits.append(helper_tensor(w, tensors[layer["weight"]]))
        gemm_inputs = [current, w]
        if layer.get("bias"):
            inits.append(helper_tensor(b, tensors[layer["bias"]]))
            gemm_inputs.append(b)
        nodes.append(helper.make_node("Gemm", gemm_inputs, [f"h{j}"], transB=1))
        out = "y" if j + 1 == len(graph["layers"]) else f"a{j}"
        act_nodes, act_inits = activation_nodes(helper, layer.get("activation", "linear"), f"h{j}", out, j)
        nodes += act_nodes
        inits += act_inits
        current = out
    g = helper.make_graph(
        nodes,
        "tinyae",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
        inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    tmp = out_path + ".tmp"
    onnx.save(m, tmp)
    import os

    os.replace(tmp, out_path)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
