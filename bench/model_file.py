"""Reads a tinyae model file (safetensors) for the Python side of the benchmark."""
import json
import struct

import numpy as np

NUMPY_DTYPES = {"F32": "<f4", "I8": "i1", "I32": "<i4"}


def read_safetensors(path, dtypes=("F32",)):
    """Returns `(tensors, graph)`: numpy arrays by name and the parsed `tinyae.graph`."""
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n :]
    tensors = {}
    for key, info in header.items():
        if info["dtype"] not in dtypes:
            raise SystemExit(
                f"{path}: tensor `{key}` is {info['dtype']}, expected one of {', '.join(dtypes)}\n"
                "help: export the f32 (or, for TFLite, the int8) variant of the model"
            )
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=NUMPY_DTYPES[info["dtype"]])
        tensors[key] = array.reshape(info["shape"])
    return tensors, json.loads(meta["tinyae.graph"])
