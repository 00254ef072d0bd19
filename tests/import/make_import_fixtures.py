#!/usr/bin/env python3
"""Models from Keras and PyTorch, exported the way users export them, with the outputs of the
frameworks' own runtimes: the fixtures of tinyae's import tests (tests/tests/import_parity.rs).

Trains each model briefly (seeded, a small slice of the bundled data: the weights only need to
be non-trivial), exports it, and writes into tests/fixtures/import/:

    <name>.onnx | <name>.tflite        the exported model
    <name>_<onnx|tflite>.expected.json {"source", "runtime", "inputs", "outputs"} (+ int8 params)

Expected outputs come from onnxruntime (CPU) and from the TFLite interpreter with its reference
kernels (`OpResolverType.BUILTIN_REF`: XNNPACK and the optimized kernels off). int8 fixtures hold
int8 inputs and outputs, the bytes the interpreter consumed and produced.

Models (the seeds' tutorials, ../shared/seeds, plus PyTorch equivalents):
  keras_mnist_dense   784-128-64-32-64-128-784, relu, sigmoid output (tutorial shape): int8
                      .tflite; f32 .tflite and ONNX at 784-32-16-8 to keep the files small
  keras_mnist_conv    Conv2D 32/16 same, MaxPooling2D, UpSampling2D, sigmoid (tutorial shape)
  keras_ecg_dense     140-32-16-8-16-32-140 (TensorFlow's ECG tutorial shape), BatchNormalization
  keras_ecg_lstm      LSTM 16, RepeatVector, LSTM 16, TimeDistributed Dense: .tflite, and ONNX
                      (a `Loop`, which tinyae rejects with the route that works)
  torch_dense         nn.Sequential with input normalization, BatchNorm1d, Dropout and every
                      activation tinyae has
  torch_conv          Conv2d, BatchNorm2d, MaxPool2d, ConvTranspose2d, Upsample
  torch_lstm          nn.LSTM encoder (last hidden state), repeat, nn.LSTM decoder, Linear

Usage: python tests/import/make_import_fixtures.py   (a venv with numpy, torch, tensorflow-cpu,
tf2onnx, onnx, onnxruntime, ai-edge-litert; versions are recorded in each expected.json).
"""
import gzip
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "import"
ROWS = 8  # test vectors per fixture
LOG = []  # what happened on the way (written to OUT/EXPORT_LOG.md)


def note(text):
    print(text)
    if text not in LOG:
        LOG.append(text)


# ---------------------------------------------------------------- data

def ecg(n):
    """Normal beats (class 1) of the bundled ECG5000 training file, min-max scaled per beat set."""
    rows = [l.split() for l in (ROOT / "data/ecg5000/ECG5000_TRAIN.tsv").read_text().splitlines()]
    x = np.array([[float(v) for v in r[1:]] for r in rows if float(r[0]) == 1.0], np.float32)
    lo, hi = x.min(), x.max()
    return ((x - lo) / (hi - lo))[:n]


def seq_of(x, steps):
    """The first `steps` values of each row, as [rows, steps, 1] sequences."""
    return x[:, :steps, None]


def mnist(n):
    """The first n training images, scaled to [0, 1] (the tutorials' `/ 255.0`)."""
    raw = gzip.decompress((ROOT / "data/mnist/train-images-idx3-ubyte.gz").read_bytes())
    return (np.frombuffer(raw[16:], np.uint8)[: n * 784].reshape(n, 28, 28) / 255.0).astype(np.float32)


# ---------------------------------------------------------------- writing

def vectors(x):
    """Rows of numbers, f32 values in their shortest round-trip form (ints stay ints)."""
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        return [[int(v) for v in row.reshape(-1)] for row in x]
    return [[float(str(np.float32(v))) for v in row.reshape(-1)] for row in x]


def write_expected(name, source, runtime, inputs, outputs, extra=None):
    doc = {"source": source, "runtime": runtime, "inputs": vectors(inputs), "outputs": vectors(outputs)}
    doc.update(extra or {})
    (OUT / f"{name}.expected.json").write_text(json.dumps(doc) + "\n")
    note(f"{name}: {source}, {len(inputs)} vectors from {runtime}")


def ort_outputs(path, x):
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])


def tflite_interpreter(path):
    """The reference kernels (XNNPACK off); where the reference resolver lacks an op version
    the converter wrote (TILE v3 in int8 models), the built-in kernels without delegates."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    try:
        it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        kind = "tflite-ref"
    except ValueError as e:
        note(f"{path.name}: the reference resolver refused it ({str(e).splitlines()[0]}); "
             "expected outputs from the built-in kernels without delegates")
        it = Interpreter(model_path=str(path),
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        kind = "tflite-builtin-no-delegates"
    it.allocate_tensors()
    it.kind = kind
    return it


def tflite_outputs(path, x):
    it = tflite_interpreter(path)
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    ys = []
    for row in x:
        it.set_tensor(inp["index"], row.reshape(inp["shape"]).astype(inp["dtype"]))
        it.invoke()
        ys.append(it.get_tensor(out["index"]).copy())
    return np.stack(ys), inp, out, it.kind


# ---------------------------------------------------------------- Keras

def keras_fit(model, x, epochs):
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, epochs=epochs, batch_size=32, verbose=0)
    return model


def to_tflite(model, calib=None, name=""):
    """TFLiteConverter.from_keras_model; where it fails (a dynamic batch leaves UpSampling2D's
    output size unknown and Conv2D unconvertible), a batch-1 SavedModel, as users fall back to."""
    import tensorflow as tf

    def convert(conv):
        if calib is not None:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.representative_dataset = lambda: ([calib[i : i + 1]] for i in range(len(calib)))
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        return conv.convert()

    try:
        return convert(tf.lite.TFLiteConverter.from_keras_model(model))
    except Exception as e:
        note(f"{name}: TFLiteConverter.from_keras_model failed ({type(e).__name__}: "
             f"{str(e).splitlines()[0][:100]}); converted a batch-1 SavedModel instead")
        import tempfile

        spec = tf.TensorSpec((1,) + tuple(model.input_shape[1:]), tf.float32)
        with tempfile.TemporaryDirectory() as d:
            try:  # Keras 3
                model.export(d, format="tf_saved_model", input_signature=[spec], verbose=False)
            except TypeError:  # tf_keras: the TensorFlow LSTM-fusion recipe
                fn = tf.function(lambda x: model(x)).get_concrete_function(spec)
                model.save(d, save_format="tf", signatures=fn)
            return convert(tf.lite.TFLiteConverter.from_saved_model(d))


def to_onnx_keras(model, path, opset=15):
    """tf2onnx as Keras 3 users run it: `from_keras` first, `from_function` when it fails."""
    import tensorflow as tf
    import tf2onnx

    spec = [tf.TensorSpec((1,) + tuple(model.input_shape[1:]), tf.float32, name="input")]
    try:
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset)
        note(f"{path.name}: tf2onnx.convert.from_keras worked")
    except Exception as e:  # Keras 3: from_keras fails; users fall back to from_function
        note(f"{path.name}: tf2onnx.convert.from_keras failed ({type(e).__name__}: {str(e)[:120]}); used from_function")
        fn = tf.function(lambda x: model(x, training=False))
        proto, _ = tf2onnx.convert.from_function(fn, input_signature=spec, opset=opset)
    path.write_bytes(proto.SerializeToString())


def export_keras(name, model, x_train, x_test, formats, source):
    """Writes the requested formats of a trained Keras model with their expected outputs."""
    if "tflite" in formats:
        path = OUT / f"{name}.tflite"
        path.write_bytes(to_tflite(model, name=name))
        y, _, _, kind = tflite_outputs(path, x_test)
        write_expected(name + "_tflite", source + " → .tflite f32", kind, x_test, y)
    if "int8" in formats:
        path = OUT / f"{name}_int8.tflite"
        path.write_bytes(to_tflite(model, calib=x_train[:200], name=name + "_int8"))
        it = tflite_interpreter(path)
        (s_in, z_in) = it.get_input_details()[0]["quantization"]
        q = np.clip(np.round(x_test / s_in) + z_in, -128, 127).astype(np.int8)
        y, _, out, kind = tflite_outputs(path, q)
        s_out, z_out = out["quantization"]
        write_expected(
            name + "_int8_tflite", source + " → .tflite full-integer int8", kind, q, y,
            {"input_quantization": [float(s_in), int(z_in)], "output_quantization": [float(s_out), int(z_out)]},
        )
    if "onnx" in formats:
        path = OUT / f"{name}.onnx"
        to_onnx_keras(model, path)
        write_expected(name + "_onnx", source + " → ONNX (tf2onnx)", "onnxruntime", x_test, ort_outputs(path, x_test))


def keras_models():
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    digits = mnist(1200)
    flat = digits.reshape(-1, 784)
    src = "Keras {}".format(keras.__version__)

    def dense_mnist(widths):
        inp = keras.Input((784,))
        h = inp
        for w in widths:
            h = layers.Dense(w, activation="relu")(h)
        for w in reversed(widths[:-1]):
            h = layers.Dense(w, activation="relu")(h)
        return keras.Model(inp, layers.Dense(784, activation="sigmoid")(h))

    big = keras_fit(dense_mnist([128, 64, 32]), flat[:1000], 3)
    export_keras("keras_mnist_dense", big, flat, flat[1000:1000 + ROWS], {"int8"}, src + " dense MNIST 784-128-64-32")
    small = keras_fit(dense_mnist([32, 16, 8]), flat[:1000], 3)
    export_keras("keras_mnist_dense_small", small, flat, flat[1000:1000 + ROWS], {"tflite", "onnx"},
                 src + " dense MNIST 784-32-16-8")

    img = digits[..., None]
    inp = keras.Input((28, 28, 1))
    h = layers.Conv2D(32, 3, activation="relu", padding="same")(inp)
    h = layers.MaxPooling2D(2, padding="same")(h)
    h = layers.Conv2D(16, 3, activation="relu", padding="same")(h)
    h = layers.MaxPooling2D(2, padding="same")(h)
    h = layers.Conv2D(16, 3, activation="relu", padding="same")(h)
    h = layers.UpSampling2D(2)(h)
    h = layers.Conv2D(32, 3, activation="relu", padding="same")(h)
    h = layers.UpSampling2D(2)(h)
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(h)
    conv = keras_fit(keras.Model(inp, out), img[:400], 1)
    export_keras("keras_mnist_conv", conv, img, img[1000:1000 + ROWS], {"tflite", "int8", "onnx"},
                 src + " conv MNIST (Conv2D 32/16, MaxPooling2D, UpSampling2D)")

    beats = ecg(292)
    inp = keras.Input((140,))
    h = layers.Dense(32, activation="relu")(inp)
    h = layers.BatchNormalization()(h)
    h = layers.Dense(16, activation="relu")(h)
    h = layers.Dropout(0.1)(h)
    h = layers.Dense(8, activation="relu")(h)
    h = layers.Dense(16, activation="relu")(h)
    h = layers.Dense(32, activation="relu")(h)
    dense_ecg = keras_fit(keras.Model(inp, layers.Dense(140, activation="sigmoid")(h)), beats[:250], 20)
    export_keras("keras_ecg_dense", dense_ecg, beats, beats[250:250 + ROWS], {"tflite", "int8", "onnx"},
                 src + " dense ECG 140-32-16-8 (BatchNormalization, Dropout)")

    # Keras 3's LSTM: a WHILE loop in .tflite, a Loop in ONNX; tinyae refuses both, naming the
    # route that works (tests/tests/import_errors.rs). A tiny one keeps the files small.
    inp = keras.Input((8, 1))
    h = layers.LSTM(4, return_sequences=True)(inp)
    tiny = keras_fit(keras.Model(inp, layers.TimeDistributed(layers.Dense(1))(h)), seq_of(beats, 8)[:64], 1)
    (OUT / "keras3_lstm.tflite").write_bytes(to_tflite(tiny, name="keras3_lstm"))
    to_onnx_keras(tiny, OUT / "keras3_lstm.onnx")

    # Keras 3's LSTM converts to a WHILE loop; the converter fuses Keras 2's (tf_keras) into
    # UNIDIRECTIONAL_SEQUENCE_LSTM. Run in a child process: TF_USE_LEGACY_KERAS must be set
    # before TensorFlow is imported.
    import subprocess

    env = dict(os.environ, TF_USE_LEGACY_KERAS="1")
    subprocess.run([sys.executable, __file__, "keras2-lstm"], env=env, check=True)


def keras2_lstm():
    import tf_keras as keras
    from tf_keras import layers

    keras.utils.set_random_seed(1)
    seq = ecg(292)[..., None]
    inp = keras.Input((140, 1))
    h = layers.LSTM(16)(inp)
    h = layers.RepeatVector(140)(h)
    h = layers.LSTM(16, return_sequences=True)(h)
    out = layers.TimeDistributed(layers.Dense(1))(h)
    lstm = keras_fit(keras.Model(inp, out), seq[:100], 1)
    export_keras("keras_ecg_lstm", lstm, seq, seq[250:250 + ROWS], {"tflite", "onnx"},
                 f"tf_keras {keras.__version__} LSTM ECG (LSTM 16, RepeatVector, LSTM 16, TimeDistributed Dense)")
    # The log of a child process: appended to the parent's.
    with open(OUT / "EXPORT_LOG.child", "w") as f:
        f.write("\n".join(LOG) + "\n")


# ---------------------------------------------------------------- PyTorch

def torch_models():
    import torch
    from torch import nn

    torch.manual_seed(1)
    src = "PyTorch {}".format(torch.__version__)

    def fit(model, x, epochs):
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        for _ in range(epochs):
            for i in range(0, len(x), 32):
                b = x[i : i + 32]
                opt.zero_grad()
                nn.functional.mse_loss(model(b), b).backward()
                opt.step()
        return model.eval()

    def export(name, model, x_test, source):
        path = OUT / f"{name}.onnx"
        torch.onnx.export(model, (x_test[:1],), str(path), input_names=["input"], output_names=["output"],
                          dynamo=False, opset_version=17)
        write_expected(name + "_onnx", source + " → ONNX (torch.onnx.export)", "onnxruntime", x_test.numpy(),
                       ort_outputs(path, x_test.numpy()))

    class Normalize(nn.Module):
        """(x - mean) / std with constants: what a user's preprocessing module looks like."""

        def __init__(self, mean, std):
            super().__init__()
            self.register_buffer("mean", torch.tensor(mean))
            self.register_buffer("std", torch.tensor(std))

        def forward(self, x):
            return (x - self.mean) / self.std

    beats = torch.from_numpy(ecg(292) * 4.0 - 1.0)  # user units the normalization undoes
    dense = nn.Sequential(
        Normalize(-1.0, 4.0),
        nn.Linear(140, 32), nn.BatchNorm1d(32), nn.LeakyReLU(0.2), nn.Dropout(0.1),
        nn.Linear(32, 16), nn.ELU(),
        nn.Linear(16, 8), nn.Tanh(),
        nn.Linear(8, 16), nn.Softplus(),
        nn.Linear(16, 32), nn.Hardsigmoid(),
        nn.Linear(32, 140), nn.Sigmoid(),
    )
    export("torch_dense", fit(dense, beats[:250], 10), beats[250:250 + ROWS],
           src + " nn.Sequential dense ECG with normalization, BatchNorm1d, Dropout")

    digits = torch.from_numpy(mnist(600))[:, None]
    conv = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.ConvTranspose2d(4, 8, 2, stride=2), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(8, 1, 3, padding=1), nn.Sigmoid(),
    )
    export("torch_conv", fit(conv, digits[:500], 1), digits[500:500 + ROWS],
           src + " nn.Sequential conv MNIST (Conv2d, BatchNorm2d, MaxPool2d, ConvTranspose2d, Upsample)")

    class LastHidden(nn.Module):
        def forward(self, out):
            return out[1][0][-1]  # h_n of the last layer: [batch, hidden]

    class Sequence(nn.Module):
        def forward(self, out):
            return out[0]  # every step's hidden state: [batch, steps, hidden]

    class Repeat(nn.Module):
        def __init__(self, times):
            super().__init__()
            self.times = times

        def forward(self, x):
            return x.unsqueeze(1).repeat(1, self.times, 1)

    seq = torch.from_numpy(ecg(292)[..., None])
    lstm = nn.Sequential(
        nn.LSTM(1, 16, batch_first=True), LastHidden(), Repeat(140),
        nn.LSTM(16, 16, batch_first=True), Sequence(), nn.Linear(16, 1),
    )
    export("torch_lstm", fit(lstm, seq[:64], 1), seq[250:250 + ROWS],
           src + " nn.Sequential LSTM ECG (nn.LSTM, repeat, nn.LSTM, Linear)")


def main():
    which = set(sys.argv[1:]) or {"keras", "torch"}
    if which == {"keras2-lstm"}:
        return keras2_lstm()
    if which == {"keras", "torch"} and OUT.exists():
        for f in OUT.iterdir():  # a full run rewrites everything it owns
            if f.suffix in (".onnx", ".tflite", ".json", ".md"):
                f.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    if "torch" in which:
        torch_models()
    if "keras" in which:
        keras_models()
    import onnx, onnxruntime, tensorflow, torch, tf2onnx, ai_edge_litert  # noqa: E401

    versions = (f"numpy {np.__version__}, torch {torch.__version__}, tensorflow {tensorflow.__version__}, "
                f"tf2onnx {tf2onnx.__version__}, onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}, "
                f"ai-edge-litert {getattr(ai_edge_litert, '__version__', '?')}")
    child = OUT / "EXPORT_LOG.child"
    if child.exists():
        LOG.extend(child.read_text().splitlines())
        child.unlink()
    text = "# How the import fixtures were made\n\n" + versions + "\n\n" + "\n".join(f"- {l}" for l in LOG) + "\n"
    (OUT / ("EXPORT_LOG.md" if which == {"keras", "torch"} else "EXPORT_LOG.partial.md")).write_text(text)


if __name__ == "__main__":
    main()
