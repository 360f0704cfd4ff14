"""PyTorch's DistributedDataParallel as the reference for ResLab's data-parallel training.

data DIR           a tiny MNIST-format set (IDX files): Fashion-MNIST's first 256 training and 64 test
                   images (seeded noise with a band for the label where it is not installed).
sampler N W S E   torch.utils.data.DistributedSampler's indices for N items, W ranks, seed S, epoch
                   E: {"padded": [rank 0's, ...], "drop_last": [...]}.
train RUN WORLD    trains, with WORLD processes (torch.distributed on Gloo and
                   torch.nn.parallel.DistributedDataParallel; WORLD 1: one process, no DDP), the net
                   that ResLab's run folder RUN describes (spec.json), from the initial weights that
                   run kept (snapshots/step-00000000.pth), on the data it names, in its data order
                   and batch split, with torch.optim.SGD at its settings, for its steps. Prints
                   {"losses": the global batch's loss at each step, "max_abs_diff": over every
                   parameter and buffer against RUN/checkpoint.pth (ResLab's rank 0), "max_abs_diff_params": over the
                   parameters alone, "buffers_equal":
                   whether the integer buffers agree}.

ResLab's data order is its own permutation of each epoch (epoch_order in model/data/augment.cpp:
torch.randperm under a generator seeded by splitmix64 of the seed and epoch); its global batch b of
an epoch is order[b*B:(b+1)*B]. DistributedSampler (shuffle off) over that epoch's order, batched at
B / WORLD per rank, gives rank r the images r, r + WORLD, ... of each global batch, which is how
ResLab splits it.
"""
import gzip
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, DistributedSampler

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # model/data/facts.cpp


def write_idx(path, array, kind):
    header = (b"\x00\x00\x08\x03" + len(array).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
              if kind == "images" else b"\x00\x00\x08\x01" + len(array).to_bytes(4, "big"))
    with open(path, "wb") as f:
        f.write(header + bytes(array.flatten().tolist()))


def make_data(folder):
    # Real images train better conditioned than noise: Fashion-MNIST's first images where Debian's
    # dataset-fashion-mnist is installed (bootstrap installs it), else seeded bands over noise.
    source = "/usr/share/datasets/fashion-mnist"
    g = torch.Generator().manual_seed(19)
    for prefix, count in (("train", 256), ("t10k", 64)):
        if os.path.exists(f"{source}/{prefix}-images-idx3-ubyte.gz"):
            images = read_idx(f"{source}/{prefix}-images-idx3-ubyte.gz")[:count]
            labels = read_idx(f"{source}/{prefix}-labels-idx1-ubyte.gz")[:count]
        else:
            labels = torch.randint(0, 10, (count,), generator=g)
            images = torch.randint(0, 90, (count, 28, 28), generator=g)
            for i, label in enumerate(labels.tolist()):
                images[i, 2 + 2 * label:4 + 2 * label, :] += 150
        write_idx(f"{folder}/{prefix}-images-idx3-ubyte", images.clamp(0, 255).to(torch.uint8), "images")
        write_idx(f"{folder}/{prefix}-labels-idx1-ubyte", labels.to(torch.uint8), "labels")


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def epoch_order(n, seed, epoch):
    # model/data/augment.cpp: splitmix64 of (seed, epoch) seeds the generator of torch.randperm.
    mask = (1 << 64) - 1
    z = (seed + 0x9E3779B97F4A7C15 * (epoch + 1)) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return torch.randperm(n, generator=torch.Generator().manual_seed(z ^ (z >> 31)))


class Block(nn.Module):
    """A CIFAR BasicBlock with option A's shortcut (the paper's; model/nets/blocks.cpp)."""

    def __init__(self, in_planes, planes, stride, residual):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride, self.extra, self.residual = stride, planes - in_planes, residual

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            identity = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
            if self.extra:
                identity = F.pad(identity, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
            out = out + identity
        return F.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, spec):
        super().__init__()
        assert spec["stem"] == "cifar" and spec["block"] == "basic" and spec["shortcut"] == "A"
        self.conv1 = nn.Conv2d(spec["in_channels"], spec["stem_width"], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(spec["stem_width"])
        planes = spec["stem_width"]
        for s, (count, width) in enumerate(zip(spec["blocks"], spec["widths"])):
            blocks = []
            for b in range(count):
                blocks.append(Block(planes, width, 2 if s > 0 and b == 0 else 1, spec["residual"]))
                planes = width
            setattr(self, f"layer{s + 1}", nn.ModuleList(blocks))
        self.layers = len(spec["blocks"])
        self.fc = nn.Linear(planes, spec["classes"])

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        for s in range(self.layers):
            for block in getattr(self, f"layer{s + 1}"):
                out = block(out)
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))


class InOrder(Dataset):
    """The training set in one epoch's order: DistributedSampler then shards it as ResLab does."""

    def __init__(self, images, labels, order):
        self.images, self.labels, self.order = images, labels, order

    def __len__(self):
        return len(self.order)

    def __getitem__(self, i):
        j = self.order[i]
        return self.images[j], self.labels[j]


def train(rank, world, run, port, results, channels_last=False):
    torch.set_num_threads(1)
    with open(f"{run}/spec.json") as f:
        spec = json.load(f)
    t = spec["train"]
    assert t["dataset"] == "mnist" and t["schedule"] == "constant" and t["warmup_steps"] == 0
    assert not t["augment_crop"] and not t["augment_flip"] and t["downsample"] == 1
    images = read_idx(f"{t['data_dir']}/train-images-idx3-ubyte")
    labels = read_idx(f"{t['data_dir']}/train-labels-idx1-ubyte").long()
    # model/data/augment.cpp's make_batch: uint8 -> float32 / 255, then (x - mean) / std.
    x_all = ((images.unsqueeze(1).float().div(255.0) - torch.tensor(MNIST_MEAN))
             / torch.tensor(MNIST_STD))
    net = CifarResNet(spec["net"])
    net.load_state_dict(torch.load(f"{run}/snapshots/step-00000000.pth"), strict=True)
    if channels_last:  # the same run, rounded otherwise: PyTorch's own spread
        net = net.to(memory_format=torch.channels_last)
        x_all = x_all.contiguous(memory_format=torch.channels_last)
    if world > 1:
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
        dist.init_process_group("gloo", rank=rank, world_size=world)
        model = nn.parallel.DistributedDataParallel(net)
    else:
        model = net
    opt = torch.optim.SGD(net.parameters(), lr=t["lr"], momentum=t["momentum"],
                          weight_decay=t["weight_decay"], nesterov=t["nesterov"])
    batch, n = t["batch_size"], len(labels)
    per_epoch = n // batch
    losses = []
    step, epoch = 0, 0
    while step < t["steps"]:
        data = InOrder(x_all, labels, epoch_order(n, t["seed"], epoch).tolist())
        sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=False)
        loader = DataLoader(data, batch_size=batch // world, sampler=sampler, drop_last=True)
        for i, (x, y) in enumerate(loader):
            if i >= per_epoch or step >= t["steps"]:
                break
            model.train()
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total = loss.detach().double() * len(y)
            if world > 1:
                dist.all_reduce(total)
            losses.append(total.item() / batch)
            step += 1
        epoch += 1
    if rank == 0:
        results["state"] = {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
        results["losses"] = losses
    if rank == 0 and not channels_last:
        ours = torch.load(f"{run}/checkpoint.pth")
        theirs = net.state_dict()
        assert set(ours) == set(theirs), set(ours) ^ set(theirs)
        floats = [k for k in theirs if theirs[k].is_floating_point()]
        results["max_abs_diff"] = max((ours[k] - theirs[k]).abs().max().item() for k in floats)
        params = [k for k, _ in net.named_parameters()]
        results["max_abs_diff_params"] = max((ours[k] - theirs[k]).abs().max().item() for k in params)
        results["worst"] = max(floats, key=lambda k: (ours[k] - theirs[k]).abs().max().item())
        results["buffers_equal"] = all(torch.equal(ours[k], theirs[k])
                                       for k in theirs if not theirs[k].is_floating_point())
    if world > 1:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    if sys.argv[1] == "data":
        make_data(sys.argv[2])
    elif sys.argv[1] == "sampler":
        n, world, seed, epoch = (int(a) for a in sys.argv[2:6])
        out = {}
        for name, drop_last in (("padded", False), ("drop_last", True)):
            out[name] = []
            for rank in range(world):
                sampler = DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=True,
                                             seed=seed, drop_last=drop_last)
                sampler.set_epoch(epoch)
                out[name].append(list(sampler))
        print(json.dumps(out))
    elif sys.argv[1] == "train":
        # train RUN WORLD [spread]: with "spread", PyTorch trains the run a second time with its
        # net and images channels-last, a change of rounding alone, and adds how far that run ends
        # from the first: "spread_losses" (the largest difference of a step's loss),
        # "spread_params" (of a parameter). Measured on the machine the test runs on, it is the
        # scale of rounding differences after so many steps there.
        run, world = sys.argv[2], int(sys.argv[3])
        spread = len(sys.argv) > 4 and sys.argv[4] == "spread"
        outcome = {}
        with mp.Manager() as manager:
            for cl in ((False, True) if spread else (False,)):
                results = manager.dict()
                if world > 1:
                    mp.spawn(train, args=(world, run, free_port(), results, cl), nprocs=world)
                else:
                    train(0, 1, run, 0, results, cl)
                if not cl:
                    outcome = dict(results)
                    continue
                outcome["spread_losses"] = max(abs(a - b) for a, b in
                                               zip(outcome["losses"], results["losses"]))
                first, second = outcome["state"], results["state"]
                params = [k for k in first if k.endswith(".weight") or k.endswith(".bias")]
                outcome["spread_params"] = max((first[k] - second[k]).abs().max().item()
                                               for k in params)
        outcome.pop("state", None)
        print(json.dumps(outcome))
