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
import sys

import numpy as np

from fixture_file import Fixture, activation, fixture_names, write_expected


ACTIVATIONS = {
    # `x > 0 ? x : +0`: NaN and -0 give +0, as in docs/FORMAT.md.
    "relu": lambda: lambda x: np.where(x > 0, x, 0.0),
    "leaky_relu": lambda alpha: lambda x: np.where(x >= 0, x, alpha * x),
    "sigmoid": lambda: lambda x: 1.0 / (1.0 + np.exp(-x)),
    "hard_sigmoid": lambda slope, offset: lambda x: np.clip(slope * x + offset, 0.0, 1.0),
    "tanh": lambda: np.tanh,
    "elu": lambda alpha: lambda x: np.where(x > 0, x, alpha * np.expm1(x)),
    "softplus": lambda beta, threshold: lambda x: np.where(
        beta * x > threshold, x, np.log1p(np.exp(np.minimum(beta * x, threshold))) / beta
    ),
}


class Model(Fixture):
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
        return activation(spec.get("activation", "linear"), ACTIVATIONS)(y)

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
        return self.unscale(self.run(self.layers[self.latent + 1 :], np.asarray(z, float)))

    def score(self, x):
        xs = self.scale(x)
        return self.metric(xs - self.run(self.layers, xs))

    def sample_latent(self, x, eps):
        h = self.run(self.layers[: self.latent], self.scale(x))
        head = self.layers[self.latent]
        mu, log_var = self.layer(head, h, "mu"), self.layer(head, h, "log_var")
        return mu + np.exp(0.5 * log_var) * eps


def main(names):
    # By default the dense fixtures; the convolutional and recurrent ones are
    # torch_reference.py's.
    write_expected(names or fixture_names(dense_only=True), Model, lambda a: a.tolist())


if __name__ == "__main__":
    main(sys.argv[1:])
