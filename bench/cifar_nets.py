"""The paper's CIFAR-style nets in Python's torch, for the benchmarks that time ResLab against it.

Option A shortcuts (stride, then zero-padded channels half before and half after), as ResLab's
CIFAR nets have them; residual=False is the plain twin.
"""
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride, residual=True):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.extra, self.residual = stride, cout - cin, residual

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if not self.residual:
            return F.relu(out)
        short = x
        if self.stride != 1 or self.extra:
            short = F.pad(x[:, :, ::self.stride, ::self.stride],
                          (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return F.relu(out + short)


class CifarNet(nn.Module):
    """A net of ResLab's spec.json "net" fields: stem_width, widths, blocks, residual, in_channels, classes."""

    def __init__(self, spec):
        super().__init__()
        self.conv1 = nn.Conv2d(spec["in_channels"], spec["stem_width"], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(spec["stem_width"])
        layers, cin = [], spec["stem_width"]
        for stage, (width, n) in enumerate(zip(spec["widths"], spec["blocks"])):
            for b in range(n):
                layers.append(Block(cin, width, 2 if stage > 0 and b == 0 else 1, spec["residual"]))
                cin = width
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, spec["classes"])

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def cifar_resnet(depth, width=16, residual=True, in_channels=1, classes=10):
    """resnetN (or plainN) of the paper's 6n+2 family at base width `width`."""
    n = (depth - 2) // 6
    return CifarNet({"in_channels": in_channels, "stem_width": width, "widths": [width, 2 * width, 4 * width],
                     "blocks": [n, n, n], "residual": residual, "classes": classes})
