"""The loss surface (Li et al. 2018) computed by plain PyTorch, for ResLab's landscape test.

make DIR    torchvision resnet18 with seeded random weights and BN statistics (DIR/resnet18.pth),
            16 images DIR/x.pt and labels DIR/y.pt.
check DIR   reads ResLab's directions (DIR/directions.pth: "d1.<name>", "d2.<name>") and its grid
            (DIR/grid.json: coords, losses, errors, row by b, column by a); checks the filter
            normalisation itself and evaluates torchvision's resnet18 at every point in eval mode;
            prints JSON: the largest relative difference of the losses, the largest difference of
            the errors, the largest relative error of a filter's norm, and whether every BN and bias
            direction is zero.
"""
import json
import sys

import torch
import torch.nn.functional as F
import torchvision

from parity_reference import randomize_bn


def make(folder):
    torch.manual_seed(1)
    net = torchvision.models.resnet18()
    randomize_bn(net, torch.Generator().manual_seed(2))
    torch.save(net.state_dict(), f"{folder}/resnet18.pth")
    torch.manual_seed(3)
    torch.save(torch.randn(16, 3, 32, 32), f"{folder}/x.pt")
    torch.save(torch.randint(0, 1000, (16,)), f"{folder}/y.pt")


def check(folder):
    net = torchvision.models.resnet18()
    net.load_state_dict(torch.load(f"{folder}/resnet18.pth"))
    net.eval()
    x = torch.load(f"{folder}/x.pt")
    y = torch.load(f"{folder}/y.pt")
    directions = torch.load(f"{folder}/directions.pth")
    with open(f"{folder}/grid.json") as f:
        grid = json.load(f)

    # Filter normalisation, as the paper defines it, checked against the weights.
    theta = {n: p.detach().clone() for n, p in net.named_parameters()}
    worst_norm = 0.0
    biasbn_zero = True
    for n, w in theta.items():
        for which in ("d1", "d2"):
            d = directions[f"{which}.{n}"]
            if w.dim() <= 1:
                biasbn_zero = biasbn_zero and bool((d == 0).all())
                continue
            dn = d.reshape(d.shape[0], -1).norm(dim=1)
            wn = w.reshape(w.shape[0], -1).norm(dim=1)
            worst_norm = max(worst_norm, float(((dn - wn).abs() / wn).max()))

    coords = grid["coords"]
    n = len(coords)
    worst_loss = 0.0
    worst_error = 0.0
    with torch.no_grad():
        for ib, b in enumerate(coords):
            for ia, a in enumerate(coords):
                for name, p in net.named_parameters():
                    p.copy_(theta[name] + a * directions[f"d1.{name}"] + b * directions[f"d2.{name}"])
                logits = net(x)
                loss = float(F.cross_entropy(logits, y))
                error = float((logits.argmax(1) != y).float().mean())
                theirs = grid["losses"][ib * n + ia]
                worst_loss = max(worst_loss, abs(loss - theirs) / abs(loss))
                worst_error = max(worst_error, abs(error - grid["errors"][ib * n + ia]))
    print(json.dumps({"max_rel_loss_diff": worst_loss, "max_error_diff": worst_error,
                      "max_rel_filter_norm_diff": worst_norm, "biasbn_zero": biasbn_zero,
                      "points": n * n}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        sys.exit(__doc__)
