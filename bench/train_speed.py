#!/usr/bin/env python3
"""Training speed of reslab-cli against Python's torch on the same net, batch, threads and input.

Runs `reslab-cli bench` and then the same training step in Python (Debian's python3-torch), one
after the other, for resnet20 and resnet56 (the paper's CIFAR layout, option A) on 1 x 28 x 28
inputs at batch 128, and prints both throughputs and their ratio. Figures only; asserts nothing.

usage: bench/train_speed.py [path/to/reslab-cli] [--steps N] [--threads T]
"""
import argparse
import os
import re
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        short = x
        if self.stride != 1 or self.extra:
            short = F.pad(x[:, :, ::self.stride, ::self.stride],
                          (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return F.relu(out + short)


class CifarResNet(nn.Module):
    def __init__(self, n, in_channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for stage, width in enumerate((16, 32, 64)):
            for b in range(n):
                layers.append(Block(cin, width, 2 if stage > 0 and b == 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def python_images_per_s(depth, batch, steps, channels_last):
    torch.manual_seed(0)
    net = CifarResNet((depth - 2) // 6)
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
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - start)


def reslab_images_per_s(cli, depth, batch, steps, threads, channels_last):
    args = [cli, "bench", "--arch", f"resnet{depth}", "--batch", str(batch), "--steps", str(steps),
            "--threads", str(threads), "--input-size", "28", "--in-channels", "1"]
    if not channels_last:
        args.append("--nchw")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([0-9.]+) images/s", out).group(1)), out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("cli", nargs="?", default=os.path.join(here, "..", "build", "app", "reslab-cli"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"batch 128, 1x28x28, float32, {args.threads} threads, {args.steps} timed steps")
    print(f"{'net':10} {'layout':14} {'ResLab img/s':>13} {'Python img/s':>13} {'ratio':>6}")
    for depth in (20, 56):
        for channels_last in (False, True):
            ours, report = reslab_images_per_s(args.cli, depth, 128, args.steps, args.threads, channels_last)
            theirs = python_images_per_s(depth, 128, args.steps, channels_last)
            layout = "channels-last" if channels_last else "NCHW"
            print(f"resnet{depth:<4} {layout:14} {ours:13.1f} {theirs:13.1f} {ours / theirs:6.2f}")
            if channels_last:
                for line in report.splitlines()[2:]:
                    print("    " + line)


if __name__ == "__main__":
    main()
