"""Reads a tinyae model file (safetensors) for the Python side of the benchmark, with the
container reader of the parity references (tests/reference/fixture_file.py)."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reference"))
from fixture_file import read_tensors  # noqa: E402  (found through the path just added)

NUMPY_DTYPES = {"F32": "<f4", "I8": "i1", "I32": "<i4"}


def read_safetensors(path, dtypes=("F32",)):
    """Returns `(tensors, graph)`: numpy arrays by name and the parsed `tinyae.graph`."""
    try:
        tensors, meta = read_tensors(path, {d: NUMPY_DTYPES[d] for d in dtypes})
    except ValueError as e:
        raise SystemExit(
            f"{e}\nhelp: export the f32 (or, for TFLite, the int8) variant of the model"
        ) from None
    return tensors, json.loads(meta["tinyae.graph"])
