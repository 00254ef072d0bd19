"""The MNIST autoencoder of train_throughput.rs in PyTorch (CPU): 784-128-64-32-64-128-784,
relu, sigmoid output, Adamax (lr 1e-3, eps 1e-7 as in the tinyae trainer), MSE, one shuffled
epoch over the first --rows images after --warmup warm-up batches. Prints samples_per_s=<x>.

Install: pip install torch numpy
"""
import argparse
import gzip
import time

import numpy as np
import torch
from torch import nn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--images", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    with gzip.open(a.images, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784)[: a.rows]
    data = torch.from_numpy(x.astype(np.float32) / 255.0)

    model = nn.Sequential(
        nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(),
        nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid(),
    )
    opt = torch.optim.Adamax(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.MSELoss()

    def epoch(rows):
        order = torch.randperm(rows.shape[0])
        for i in range(0, rows.shape[0], a.batch):
            b = rows[order[i : i + a.batch]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(b), b)
            loss.backward()
            opt.step()

    epoch(data[: a.warmup * a.batch])
    start = time.perf_counter()
    epoch(data)
    seconds = time.perf_counter() - start
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"samples_per_s={data.shape[0] / seconds:.1f}")


if __name__ == "__main__":
    main()
