#!/usr/bin/env python3
"""Independent reference outputs for the convolutional and recurrent fixtures, from PyTorch.

Reads tests/fixtures/<name>.safetensors by parsing the container by hand (8-byte header
length, JSON header, raw little-endian tensors), builds each layer from PyTorch's own modules
(nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d, nn.Upsample, nn.LSTM, F.linear) with the file's
tensors loaded unchanged -- the layouts docs/FORMAT.md promises are PyTorch's -- evaluates in
float64 on the CPU, and writes tests/fixtures/<name>.expected.json with the keys of
numpy_reference.py:

    {"inputs", "encode", "reconstruct", "score", "is_anomaly"?, "latents", "decode",
     "eps"?, "sample_latent"?, "layers"}

where "layers" holds, for the first four inputs, every layer's output with each layer fed the
previous one's (float64) output: the parity test feeds the same values to each layer alone.

Nothing here shares code with the Rust implementation. `padding: "same"` uses PyTorch's own
padding="same" where PyTorch allows it (stride 1) and, for larger strides, the split the format
specifies (smaller half before) with F.pad.

Usage: python3 tests/reference/torch_reference.py [fixture names...]
       (default: every fixture with an op other than dense and gaussian_head)
"""
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fixture_file import Fixture, activation, fixture_names, write_expected


def pair(v):
    return tuple(v) if isinstance(v, list) else (v, v)


ACTIVATIONS = {
    "relu": lambda: F.relu,
    "leaky_relu": lambda alpha: lambda x: F.leaky_relu(x, alpha),
    "sigmoid": lambda: torch.sigmoid,
    "hard_sigmoid": lambda slope, offset: lambda x: torch.clamp(slope * x + offset, 0.0, 1.0),
    "tanh": lambda: torch.tanh,
    "elu": lambda alpha: lambda x: F.elu(x, alpha),
    "softplus": lambda beta, threshold: lambda x: F.softplus(x, beta, threshold),
}


class Model(Fixture):
    def __init__(self, path):
        super().__init__(path)
        self.t = {key: torch.from_numpy(array) for key, array in self.tensors.items()}

    def bias(self, key):
        return self.t[key] if key else None

    def linear(self, spec, x):
        w, b = self.t[spec["weight"]], self.bias(spec.get("bias"))
        if x.dim() > 1 and x.shape[-1] == w.shape[1] and x.numel() != w.shape[1]:
            return F.linear(x, w, b)  # every step of a sequence
        return F.linear(x.reshape(-1), w, b)

    def conv2d(self, s, x):
        k, stride = pair(s["kernel_size"]), pair(s.get("stride", 1))
        padding = s.get("padding", "valid")
        bias = bool(s.get("bias"))
        if padding == "same" and stride == (1, 1):
            pad = "same"  # PyTorch's own rule
        elif padding == "same":
            # PyTorch refuses "same" with strides: pad as the format specifies, then convolve.
            pads = []
            for n, kk, ss in zip(x.shape[1:], k, stride):
                total = max((math.ceil(n / ss) - 1) * ss + kk - n, 0)
                pads.append((total // 2, total - total // 2))
            x = F.pad(x, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
            pad = 0
        elif padding == "valid":
            pad = 0
        else:
            pad = pair(padding)
        conv = nn.Conv2d(s["in_channels"], s["out_channels"], k, stride, padding=pad, bias=bias).double()
        with torch.no_grad():
            conv.weight.copy_(self.t[s["weight"]])
            if bias:
                conv.bias.copy_(self.t[s["bias"]])
        return conv(x[None])[0]

    def conv_transpose2d(self, s, x):
        conv = nn.ConvTranspose2d(
            s["in_channels"], s["out_channels"], pair(s["kernel_size"]), pair(s.get("stride", 1)),
            padding=pair(s.get("padding", 0)), output_padding=pair(s.get("output_padding", 0)),
            bias=bool(s.get("bias"))).double()
        with torch.no_grad():
            conv.weight.copy_(self.t[s["weight"]])
            if s.get("bias"):
                conv.bias.copy_(self.t[s["bias"]])
        return conv(x[None])[0]

    def lstm(self, s, x):
        has_bias = bool(s.get("bias_ih") or s.get("bias_hh"))
        lstm = nn.LSTM(s["input_size"], s["hidden_size"], batch_first=True, bias=has_bias).double()
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(self.t[s["weight_ih"]])
            lstm.weight_hh_l0.copy_(self.t[s["weight_hh"]])
            if has_bias:
                g = 4 * s["hidden_size"]
                zero = torch.zeros(g, dtype=torch.float64)
                lstm.bias_ih_l0.copy_(self.t[s["bias_ih"]] if s.get("bias_ih") else zero)
                lstm.bias_hh_l0.copy_(self.t[s["bias_hh"]] if s.get("bias_hh") else zero)
        out, (h, _) = lstm(x[None])
        return out[0] if s["return_sequences"] else h[0, 0]

    def layer(self, s, x, head="mu"):
        op = s["op"]
        if op == "dense":
            y = self.linear(s, x)
        elif op == "gaussian_head":
            y = self.linear(s[head], x)
        elif op == "conv2d":
            y = self.conv2d(s, x)
        elif op == "conv_transpose2d":
            y = self.conv_transpose2d(s, x)
        elif op == "max_pool2d":
            k = pair(s["kernel_size"])
            y = nn.MaxPool2d(k, pair(s.get("stride", k)))(x[None])[0]
        elif op == "upsample2d":
            y = nn.Upsample(scale_factor=tuple(float(f) for f in pair(s["scale_factor"])), mode="nearest")(x[None])[0]
        elif op == "flatten":
            y = x.reshape(-1)
        elif op == "reshape":
            y = x.reshape(s["shape"])
        elif op == "lstm":
            y = self.lstm(s, x)
        elif op == "repeat":
            y = x.reshape(1, -1).repeat(s["times"], 1)
        else:
            raise ValueError(op)
        return activation(s.get("activation", "linear"), ACTIVATIONS)(y)

    def run(self, layers, x):
        with torch.no_grad():
            for s in layers:
                x = self.layer(s, x)
        return x

    def scale(self, x):
        return torch.from_numpy(((x - self.offset) / self.range).reshape(self.input_shape))

    def unscale(self, y):
        return y.reshape(-1).numpy() * self.range + self.offset

    def encode(self, x):
        return self.run(self.layers[: self.latent + 1], self.scale(x))

    def latent_shape(self):
        return list(self.encode(np.zeros(self.n)).shape)

    def decode(self, z):
        z = torch.tensor(z, dtype=torch.float64).reshape(self.latent_shape())
        return self.unscale(self.run(self.layers[self.latent + 1 :], z))

    def score(self, x):
        xs = self.scale(x)
        return self.metric((xs - self.run(self.layers, xs)).reshape(-1).numpy())

    def layer_outputs(self, x):
        """Every layer's output for raw input `x`, each layer fed the previous layer's output."""
        outs, h = [], self.scale(x)
        with torch.no_grad():
            for s in self.layers:
                h = self.layer(s, h)
                outs.append(flat(h))
        return outs

    def sample_latent(self, x, eps):
        with torch.no_grad():
            h = self.run(self.layers[: self.latent], self.scale(x))
            head = self.layers[self.latent]
            mu, log_var = self.layer(head, h, "mu"), self.layer(head, h, "log_var")
            return (mu + torch.exp(0.5 * log_var) * torch.from_numpy(eps)).numpy()


def flat(t):
    return t.reshape(-1).tolist()


def main(names):
    torch.set_default_dtype(torch.float64)
    note = f" (PyTorch {torch.__version__})"
    write_expected(names or fixture_names(dense_only=False), Model, flat, per_layer=True, note=note)


if __name__ == "__main__":
    main(sys.argv[1:])
