#!/usr/bin/env python3
"""Writes the firmware's test vectors: examples/firmware/harness/vectors/<model>.json.

Each file holds `inputs` (raw samples in the model's user units, taken from the bundled test
data, so the scaling built into the model is exercised) and `latents` (codes for `decode`).
The firmware embeds them (harness/build.rs) and tests/tests/firmware.rs runs the host's
generated code on the same values. Deterministic: rerunning writes the same bytes.

- sensor:      models/sensor.safetensors; 48 normal and 16 faulty rows of
               data/sensor/sensor_test.csv (vibration, temperature, pressure).
- ecg5000:     models/ecg5000.safetensors; 8 normal (class 1) and 8 abnormal beats of
               data/ecg5000/ECG5000_TEST.tsv.
- mnist:       models/mnist.safetensors; the first 8 images of the MNIST test set (pixels 0-255).
- mnist_conv:  models/mnist_conv.safetensors; the same 8 MNIST test images.
- ecg5000_lstm: models/ecg5000_lstm.safetensors; the same 16 ECG5000 beats.
- keras_ecg:   tests/fixtures/import/keras_ecg_calibrated.safetensors, the Keras dense ECG
               autoencoder imported from .tflite (docs/IMPORT.md); the same 16 ECG5000 beats.
- nab_stream:  models/nab_machine_temperature.safetensors streamed one reading at a time: 160
               readings (rows 15886-16045, the start of the model's test part) of
               data/nab/realKnownCause/machine_temperature_system_failure.csv, one value each;
               no latents.
- activations: tests/fixtures/ecg.safetensors, the ECG-sized fixture with one layer per
               activation (leaky_relu, elu, tanh, softplus, hard_sigmoid, linear); its inputs
               and latents come from tests/fixtures/ecg.expected.json.

Usage: scripts/firmware-vectors.py
"""

import csv
import gzip
import json
import os
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "firmware" / "harness" / "vectors"


def lcg_latents(count, width, low, high, seed):
    """`count` codes of `width` values uniform in [low, high), from a fixed 32-bit LCG; values
    are rounded to 6 decimals so the JSON is exact and short."""
    state = seed
    rows = []
    for _ in range(count):
        row = []
        for _ in range(width):
            state = (1664525 * state + 1013904223) % 2**32
            row.append(round(low + (high - low) * state / 2**32, 6))
        rows.append(row)
    return rows


def sensor():
    normal, faulty = [], []
    with open(ROOT / "data" / "sensor" / "sensor_test.csv", newline="") as f:
        for row in csv.DictReader(f):
            values = [float(row["vibration"]), float(row["temperature"]), float(row["pressure"])]
            (normal if row["label"] == "normal" else faulty).append(values)
    return {
        "model": "models/sensor.safetensors",
        "source": "data/sensor/sensor_test.csv: first 48 normal and first 16 faulty rows",
        "inputs": normal[:48] + faulty[:16],
        # The latent layer is tanh: codes in (-1, 1).
        "latents": lcg_latents(8, 2, -1.0, 1.0, 1),
    }


def ecg5000():
    normal, abnormal = [], []
    with open(ROOT / "data" / "ecg5000" / "ECG5000_TEST.tsv") as f:
        for line in f:
            fields = line.split()
            beat = [float(v) for v in fields[1:]]
            (normal if fields[0] == "1" else abnormal).append(beat)
    return {
        "model": "models/ecg5000.safetensors",
        "source": "data/ecg5000/ECG5000_TEST.tsv: first 8 normal (class 1) and first 8 other beats",
        "inputs": normal[:8] + abnormal[:8],
        # The latent layer is relu: non-negative codes.
        "latents": lcg_latents(8, 8, 0.0, 4.0, 2),
    }


def mnist():
    with gzip.open(ROOT / "data" / "mnist" / "t10k-images-idx3-ubyte.gz") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051 or rows * cols != 784:
            raise SystemExit("unexpected MNIST image file")
        images = [list(f.read(784)) for _ in range(8)]
    return {
        "model": "models/mnist.safetensors",
        "source": "data/mnist/t10k-images-idx3-ubyte.gz: the first 8 test images",
        "inputs": [[float(p) for p in image] for image in images],
        "latents": lcg_latents(8, 32, 0.0, 4.0, 3),
    }


def variant(base, model, latents):
    """Another model on `base`'s inputs (the same dataset): its file and latent codes."""
    vectors = base()
    vectors["model"] = model
    vectors["latents"] = latents
    return vectors


def mnist_conv():
    # The code is the [16, 7, 7] feature map after relu and max pooling: non-negative.
    return variant(mnist, "models/mnist_conv.safetensors", lcg_latents(4, 784, 0.0, 2.0, 4))


def ecg5000_lstm():
    # The code is the LSTM's last hidden state, o · tanh(c): in (-1, 1).
    return variant(ecg5000, "models/ecg5000_lstm.safetensors", lcg_latents(8, 32, -1.0, 1.0, 5))


def keras_ecg():
    # The latent layer is relu: non-negative codes.
    model = "tests/fixtures/import/keras_ecg_calibrated.safetensors"
    return variant(ecg5000, model, lcg_latents(8, 8, 0.0, 4.0, 6))


def activations():
    expected = json.loads((ROOT / "tests" / "fixtures" / "ecg.expected.json").read_text())
    return {
        "model": "tests/fixtures/ecg.safetensors",
        "source": "tests/fixtures/ecg.expected.json (inputs and latents of the parity tests)",
        "inputs": expected["inputs"],
        "latents": expected["latents"],
    }


def nab_stream():
    path = ROOT / "data" / "nab" / "realKnownCause" / "machine_temperature_system_failure.csv"
    with open(path, newline="") as f:
        values = [float(row["value"]) for row in csv.DictReader(f)]
    first = 15886  # the recipe's test_rows start (tinyae inspect / tinyae.data)
    return {
        "model": "models/nab_machine_temperature.safetensors",
        "source": f"{path.relative_to(ROOT)}: readings {first}..{first + 160}, one per row",
        "inputs": [[v] for v in values[first:first + 160]],
        "latents": [],
    }


def write(name, vectors):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(vectors, separators=(",", ":")) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path.relative_to(ROOT)}: {len(vectors['inputs'])} inputs, "
          f"{len(vectors['latents'])} latents")


def main():
    for name, make in [("sensor", sensor), ("ecg5000", ecg5000), ("mnist", mnist),
                       ("activations", activations), ("mnist_conv", mnist_conv),
                       ("ecg5000_lstm", ecg5000_lstm), ("keras_ecg", keras_ecg),
                       ("nab_stream", nab_stream)]:
        write(name, make())


if __name__ == "__main__":
    main()
