"""The peers of trainer/benches/train_throughput (main.rs, peer.rs): the same three models in Keras
(TensorFlow) and PyTorch, trained on the same rows (written by the Rust side as raw
little-endian f32) with the same optimizer, loss and batch size, on --threads threads (TensorFlow: intra-op
pool of --threads, inter-op 1; PyTorch: the same).

    python3 peers.py --engine keras --model conv --data rows.f32 --rows 3840 --epochs 1 \
        --batch 128 --optimizer adam --lr 0.002 --loss mse --threads 2

Prints `params=<n>` (checked against tinyae's count), `samples_per_s=<x>` of the timed
epochs (wall clock) and `samples_per_cpu_s=<x>` (per second of CPU time, all threads), after
one warm-up epoch over the first --warmup rows (graph tracing, allocation).

Models (configs/mnist.toml, configs/mnist_conv.toml, configs/ecg5000_lstm.toml):
  dense  784-128-64-32-64-128-784, relu, sigmoid output
  conv   [1,28,28] conv3x3(16, same, relu) pool2 conv3x3(16, same, relu) pool2
         convT2x2/2(16, relu) convT2x2/2(8, relu) conv3x3(1, same, sigmoid)
  lstm   [140,1] LSTM(32) (last state) repeat(140) LSTM(32, sequences) dense(1, sigmoid)
         at every step

Install: pip install numpy torch tensorflow-cpu
"""
import argparse
import os
import sys
import time

import numpy as np

SHAPES = {"dense": (784,), "conv": (28, 28, 1), "lstm": (140, 1)}


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["keras", "torch"], required=True)
    p.add_argument("--model", choices=list(SHAPES), required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--warmup", type=int, default=512)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--optimizer", choices=["adam", "adamax"], required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--loss", choices=["mse", "mae"], required=True)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args()


def load(a):
    x = np.fromfile(a.data, dtype="<f4")
    return x.reshape((a.rows,) + SHAPES[a.model])


def keras_model(a):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    # N threads computing, like tinyae's rayon pool: each op on a pool of N, ops one at a time.
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(1)
    L = tf.keras.layers
    if a.model == "dense":
        layers = [L.Input((784,))] + [L.Dense(w, activation="relu") for w in (128, 64, 32, 64, 128)]
        layers.append(L.Dense(784, activation="sigmoid"))
    elif a.model == "conv":
        layers = [
            L.Input((28, 28, 1)),
            L.Conv2D(16, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(16, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2DTranspose(16, 2, strides=2, activation="relu"),
            L.Conv2DTranspose(8, 2, strides=2, activation="relu"),
            L.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    else:
        layers = [
            L.Input((140, 1)),
            L.LSTM(32),
            L.RepeatVector(140),
            L.LSTM(32, return_sequences=True),
            L.Dense(1, activation="sigmoid"),
        ]
    model = tf.keras.Sequential(layers)
    opt = {"adam": tf.keras.optimizers.Adam, "adamax": tf.keras.optimizers.Adamax}[a.optimizer]
    model.compile(optimizer=opt(learning_rate=a.lr, epsilon=1e-7), loss=a.loss)
    version = f"tensorflow {tf.__version__}, keras {tf.keras.__version__}"

    def epochs(x, n):
        model.fit(x, x, batch_size=a.batch, epochs=n, shuffle=True, verbose=0)

    return model.count_params(), version, epochs


def torch_model(a):
    import torch
    from torch import nn

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)

    class ToImage(nn.Module):
        def forward(self, x):  # NHWC rows → NCHW (one channel: the same values)
            return x.reshape(x.shape[0], 1, 28, 28)

    class LstmAe(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.LSTM(1, 32, batch_first=True)
            self.dec = nn.LSTM(32, 32, batch_first=True)
            self.out = nn.Linear(32, 1)

        def forward(self, x):
            _, (h, _) = self.enc(x)
            code = h[-1].unsqueeze(1).expand(-1, x.shape[1], -1)
            y, _ = self.dec(code)
            return torch.sigmoid(self.out(y))

    if a.model == "dense":
        widths = [784, 128, 64, 32, 64, 128]
        mods = []
        for i, o in zip(widths, widths[1:]):
            mods += [nn.Linear(i, o), nn.ReLU()]
        model = nn.Sequential(*mods, nn.Linear(128, 784), nn.Sigmoid())
    elif a.model == "conv":
        model = nn.Sequential(
            ToImage(),
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.ConvTranspose2d(16, 16, 2, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(16, 8, 2, stride=2), nn.ReLU(),
            nn.Conv2d(8, 1, 3, padding=1), nn.Sigmoid(),
        )
    else:
        model = LstmAe()
    opt_class = {"adam": torch.optim.Adam, "adamax": torch.optim.Adamax}[a.optimizer]
    opt = opt_class(model.parameters(), lr=a.lr, eps=1e-7)
    loss_fn = {"mse": nn.MSELoss(), "mae": nn.L1Loss()}[a.loss]

    def epochs(x, n):
        data = torch.from_numpy(x)
        target = data.reshape(data.shape[0], 1, 28, 28) if a.model == "conv" else data
        for _ in range(n):
            order = torch.randperm(data.shape[0])
            for i in range(0, data.shape[0], a.batch):
                idx = order[i : i + a.batch]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(data[idx]), target[idx]).backward()
                opt.step()

    count = sum(p.numel() for p in model.parameters())
    return count, f"torch {torch.__version__}", epochs


def main():
    a = parse()
    x = load(a)
    params, version, epochs = (keras_model if a.engine == "keras" else torch_model)(a)
    epochs(x[: min(a.warmup, a.rows)], 1)
    start, cpu = time.perf_counter(), time.process_time()
    epochs(x, a.epochs)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(version)
    print(f"params={params}")
    print(f"samples_per_s={a.rows * a.epochs / seconds:.1f}")
    print(f"samples_per_cpu_s={a.rows * a.epochs / cpu:.1f}")


if __name__ == "__main__":
    sys.exit(main())
