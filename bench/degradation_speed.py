#!/usr/bin/env python3
"""The degradation experiment in ResLab and in Python's torch as a notebook runs it, back to back.

ResLab: `reslab-cli compare --preset degradation --steps N`, timed from start to exit. Python
(Debian's python3-torch): the same four nets (plain-20, plain-56, resnet-20, resnet-56 with the
preset's widths), the same data (Fashion-MNIST averaged to 14 x 14), batch, learning-rate schedule,
SGD settings, evaluations and thread count, read back from the spec.json files ResLab wrote; the
nets step one after the other in one loop, as a notebook cell does it, on every core's intra-op
threads. Python does less: no probes, no run folder, no checkpoints. Prints both wall times and
their ratio; asserts nothing.

usage: bench/degradation_speed.py [path/to/reslab-cli] [--steps N] [--rounds R] [--threads T]
                                  [--device cuda] [--synthetic]
"""
import argparse
import gzip
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

from cifar_nets import CifarNet

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load(split, data_dir, downsample):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")).unsqueeze(1)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")).long()
    if downsample > 1:
        images = F.avg_pool2d(images.float(), downsample).round().to(torch.uint8)
    return images, labels


def lr_at(t, step, total):
    """ResLab's schedule (model/train/schedule.cpp) for the preset's cosine with linear warm-up."""
    warmup = t["warmup_steps"]
    if step < warmup:
        return t["warmup_lr"] if t["warmup_lr"] >= 0 else t["lr"] * (step + 1) / warmup
    if t["schedule"] == "cosine":
        frac = min(1.0, (step - warmup) / max(1, total - warmup))
        return t["lr"] * 0.5 * (1 + math.cos(math.pi * frac))
    if t["schedule"] == "constant":
        return t["lr"]
    milestones = t["milestones"] or [total // 2, total * 3 // 4]
    return t["lr"] * 0.1 ** sum(step >= m for m in milestones)


def synthetic(count, downsample, seed):
    """Images of the synthetic set's size (28 x 28, ten classes); for timing, any pixels do."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (count, 1, 28 // downsample, 28 // downsample), dtype=torch.uint8, generator=g)
    return images, torch.randint(0, 10, (count,), generator=g)


def python_experiment(specs, threads, data_dir, device="cpu"):
    """Seconds to train the runs the way a notebook does, data loading included."""
    start = time.perf_counter()
    torch.set_num_threads(threads)
    t = specs[0]["train"]
    if t["dataset"] == "synthetic":
        train_x, train_y = synthetic(t["synthetic_size"], t["downsample"], 1)
        test_x, test_y = synthetic(max(500, t["synthetic_size"] // 4), t["downsample"], 2)
    else:
        train_x, train_y = load("train", data_dir, t["downsample"])
        test_x, test_y = load("test", data_dir, t["downsample"])
    train_x, train_y, test_x, test_y = (v.to(device) for v in (train_x, train_y, test_x, test_y))
    mean, std = 0.2860, 0.3530  # Fashion-MNIST's, as ResLab normalises it

    def batch(images, idx):
        x = (images[idx].float() / 255 - mean) / std
        return x.contiguous(memory_format=torch.channels_last) if t["channels_last"] else x

    nets, opts = [], []
    for spec in specs:
        torch.manual_seed(spec["train"]["seed"])
        net = CifarNet(spec["net"]).to(device)
        if t["channels_last"]:
            net = net.to(memory_format=torch.channels_last)
        nets.append(net)
        opts.append(torch.optim.SGD(net.parameters(), lr=t["lr"], momentum=t["momentum"],
                                    weight_decay=t["weight_decay"], nesterov=t["nesterov"]))
    steps, b = t["steps"], t["batch_size"]
    per_epoch = len(train_x) // b
    subset = torch.randperm(len(test_x), generator=torch.Generator().manual_seed(1))[:t.get("eval_subset", 0)].to(device)
    order = None
    for step in range(steps):
        if step % per_epoch == 0:
            order = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(step // per_epoch)).to(device)
        idx = order[(step % per_epoch) * b:(step % per_epoch + 1) * b]
        x, y = batch(train_x, idx), train_y[idx]
        for net, opt in zip(nets, opts):
            for group in opt.param_groups:
                group["lr"] = lr_at(t, step, steps)
            loss = F.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()  # the notebook's running loss
        done = step + 1
        if (t["eval_every"] and done % t["eval_every"] == 0) or done == steps:
            whole = done == steps or len(subset) == 0
            idx_all = torch.arange(len(test_x), device=device) if whole else subset
            for net in nets:
                net.eval()
                with torch.no_grad():
                    for i in range(0, len(idx_all), 500):
                        chunk = idx_all[i:i + 500]
                        net(batch(test_x, chunk)).argmax(1).ne(test_y[chunk]).sum().item()
                net.train()
    return time.perf_counter() - start


def reslab_experiment(cli, steps, folder, extra=()):
    start = time.perf_counter()
    subprocess.run([cli, "compare", "--preset", "degradation", "--steps", str(steps), "--quiet",
                    "--out", folder, *extra], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    specs = []
    for name in ("plain20", "plain56", "resnet20", "resnet56"):
        with open(os.path.join(folder, name, "spec.json")) as f:
            specs.append(json.load(f))
    return seconds, specs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("cli", nargs="?", default=os.path.join(here, "..", "build", "app", "reslab-cli"))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--data-dir", default=FASHION)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (both sides)")
    parser.add_argument("--synthetic", action="store_true",
                        help="the synthetic set at Fashion-MNIST's size, for a machine without it")
    args = parser.parse_args()
    extra = ["--device", args.device] + (["--dataset", "synthetic"] if args.synthetic else [])
    print(f"degradation preset, {args.steps} steps, {args.threads} cores; ResLab as it chooses to share "
          f"them, Python on {args.threads} intra-op threads, the four nets one after another")
    ours, theirs = [], []
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory() as folder:
            seconds, specs = reslab_experiment(args.cli, args.steps, folder, extra)
        ours.append(seconds)
        theirs.append(python_experiment(specs, args.threads, args.data_dir, args.device))
        print(f"round {r + 1}: ResLab {ours[-1]:.1f} s, Python {theirs[-1]:.1f} s, "
              f"ratio {theirs[-1] / ours[-1]:.2f}", flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"median: ResLab {a:.1f} s, Python {b:.1f} s; ResLab is {b / a:.2f}x as fast")


if __name__ == "__main__":
    sys.exit(main())
