#!/usr/bin/env python3
"""Training speed of reslab-cli against Python's torch on the same net, batch, threads and input.

Runs `reslab-cli bench` and then the same training step in Python (Debian's python3-torch), one
after the other and each in a fresh process, alternating for a few rounds, for resnet20 and resnet56 (the paper's CIFAR layout, option A) on 1 x 28 x 28
inputs at batch 128, and prints both throughputs and their ratio. Figures only; asserts nothing.

The last column trains one copy of the net per core side by side, each on one thread (reslab-cli
bench --side-by-side, through the scheduler an experiment's runs train with) and gives their
images/s together: what an experiment of several small nets gets from the cores.

usage: bench/train_speed.py [path/to/reslab-cli] [--steps N] [--rounds R] [--threads T] [--depths 20,56]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

from cifar_nets import cifar_resnet


def python_images_per_s(depth, batch, steps, threads, channels_last):
    """Images/s from the median step, as reslab-cli bench reports it."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = cifar_resnet(depth)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    step()
    step()
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    return batch / statistics.median(seconds)


# What reslab's reuse_freed_memory() sets with mallopt, as glibc's environment tunables.
GLIBC_REUSE = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=2147483647"


def python_in_fresh_process(depth, steps, threads, channels_last, reuse_memory=False):
    """Python's figure from its own process, as reslab-cli gets one: no warm state shared."""
    args = [sys.executable, os.path.abspath(__file__), "--python-only", str(depth),
            "--steps", str(steps), "--threads", str(threads)]
    if channels_last:
        args.append("--channels-last")
    env = dict(os.environ)
    if reuse_memory:
        env["GLIBC_TUNABLES"] = GLIBC_REUSE
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout
    return float(out.split()[0])


def reslab_images_per_s(cli, depth, batch, steps, threads, channels_last):
    args = [cli, "bench", "--arch", f"resnet{depth}", "--batch", str(batch), "--steps", str(steps),
            "--threads", str(threads), "--input-size", "28", "--in-channels", "1"]
    if not channels_last:
        args.append("--nchw")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([0-9.]+) images/s", out).group(1)), out


def reslab_side_by_side(cli, depth, batch, steps, copies, channels_last):
    args = [cli, "bench", "--arch", f"resnet{depth}", "--batch", str(batch), "--steps", str(steps),
            "--input-size", "28", "--in-channels", "1", "--side-by-side", str(copies), "--threads", "1"]
    if not channels_last:
        args.append("--nchw")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([0-9.]+) images/s together", out).group(1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("cli", nargs="?", default=os.path.join(here, "..", "build", "app", "reslab-cli"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--depths", default="20,56")
    parser.add_argument("--python-only", type=int, metavar="DEPTH", help=argparse.SUPPRESS)
    parser.add_argument("--channels-last", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.python_only:
        print(python_images_per_s(args.python_only, 128, args.steps, args.threads, args.channels_last))
        return
    print(f"batch 128, 1x28x28, float32, {args.threads} threads; each figure is images/s from the median "
          f"of {args.steps} timed steps, ResLab and Python alternating for {args.rounds} rounds in fresh "
          f"processes; the ratio is of the medians over the rounds")
    print("Python is run as a notebook runs it, and again with glibc told to reuse freed memory as ResLab")
    print("does (GLIBC_TUNABLES), to show how much of the gap is the allocator rather than the C++.")
    print(f"side by side: {args.threads} copies of the net, one thread each, images/s together; its ratio is "
          f"against ResLab's one run on {args.threads} threads")
    print(f"{'net':10} {'layout':14} {'ResLab img/s':>13} {'Python img/s':>13} {'ratio':>6} "
          f"{'Python, reuse':>14} {'ratio':>6} {'side by side':>13} {'ratio':>6}  rounds (ResLab/Python/Python reuse)")
    for depth in (int(d) for d in args.depths.split(",")):
        for channels_last in (False, True):
            ours, theirs, reused, beside, report = [], [], [], [], ""
            for _ in range(args.rounds):
                value, report = reslab_images_per_s(args.cli, depth, 128, args.steps, args.threads,
                                                    channels_last)
                ours.append(value)
                theirs.append(python_in_fresh_process(depth, args.steps, args.threads, channels_last))
                reused.append(python_in_fresh_process(depth, args.steps, args.threads, channels_last, True))
                beside.append(reslab_side_by_side(args.cli, depth, 128, args.steps, args.threads, channels_last))
            a, b, c, d = (statistics.median(v) for v in (ours, theirs, reused, beside))
            layout = "channels-last" if channels_last else "NCHW"
            rounds = " ".join(f"{o:.0f}/{t:.0f}/{r:.0f}" for o, t, r in zip(ours, theirs, reused))
            print(f"resnet{depth:<4} {layout:14} {a:13.1f} {b:13.1f} {a / b:6.2f} {c:14.1f} {a / c:6.2f} "
                  f"{d:13.1f} {d / a:6.2f}  {rounds}", flush=True)
            if channels_last:
                for line in report.splitlines()[2:]:
                    print("    " + line)


if __name__ == "__main__":
    main()
