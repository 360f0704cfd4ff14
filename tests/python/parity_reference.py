"""Reference files and checks for ResLab's parity with torchvision.

make DIR        torchvision resnet18/resnet50 with seeded random weights (BN statistics too), saved
                as DIR/<arch>.pth (zip) and DIR/<arch>_legacy.pth (pre-1.6 format), a wrapped copy
                DIR/resnet18_wrapped.pth ({"state_dict": {"module.<key>": ...}}), the input DIR/x.pt
                and PyTorch's logits DIR/<arch>_logits.pt (eval mode).
check DIR ARCH  loads DIR/ours.pth (written by ResLab) strictly into torchvision's ARCH, runs DIR/x.pt,
                prints {"max_abs_diff": ...} against DIR/ours_logits.pt (ResLab's logits).
"""
import json
import sys

import torch
import torchvision


def randomize_bn(net, gen):
    # Non-trivial BN parameters and statistics, so eval mode is really tested.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)
                m.running_mean.uniform_(-0.2, 0.2, generator=gen)
                m.running_var.uniform_(0.5, 2.0, generator=gen)
                m.num_batches_tracked.fill_(123)


def make(folder):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 224, 224)
    torch.save(x, f"{folder}/x.pt")
    for arch in ("resnet18", "resnet50"):
        torch.manual_seed(1)
        net = getattr(torchvision.models, arch)()
        randomize_bn(net, torch.Generator().manual_seed(2))
        net.eval()
        with torch.no_grad():
            torch.save(net(x), f"{folder}/{arch}_logits.pt")
        torch.save(net.state_dict(), f"{folder}/{arch}.pth")
        torch.save(net.state_dict(), f"{folder}/{arch}_legacy.pth", _use_new_zipfile_serialization=False)
        if arch == "resnet18":
            wrapped = {"epoch": 3, "best_prec1": 91.5,
                       "state_dict": {"module." + k: v for k, v in net.state_dict().items()}}
            torch.save(wrapped, f"{folder}/resnet18_wrapped.pth")


def check(folder, arch):
    net = getattr(torchvision.models, arch)()
    net.load_state_dict(torch.load(f"{folder}/ours.pth"), strict=True)
    net.eval()
    x = torch.load(f"{folder}/x.pt")
    with torch.no_grad():
        ours = torch.load(f"{folder}/ours_logits.pt")
        print(json.dumps({"max_abs_diff": (net(x) - ours).abs().max().item(),
                          "shape": list(ours.shape)}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
