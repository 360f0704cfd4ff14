"""Fixtures and references for reslab-cli's tests.

make DIR         r18.pth / r34.pth (torchvision, seeded), x.pt (1x3x224x224) with PyTorch's logits
                 x_logits.pt, photo.png (320x240 RGB) with the logits of torchvision's tensor
                 transforms (Resize(256, antialias) + CenterCrop(224) + ImageNet Normalize)
                 photo_logits.pt, notimage.png (text, not an image), expanded.pt (one number
                 expanded by stride 0 to 100000 x 3 x 224 x 224) and wide.pth (a resnet18 taking
                 100 input channels).
strict FILE ARCH loads FILE strictly into torchvision's ARCH; prints {"params": N}.
"""
import json
import sys

import torch
import torchvision
import torchvision.transforms as T


def make(folder):
    torch.manual_seed(0)
    net = torchvision.models.resnet18().eval()
    torch.save(net.state_dict(), f"{folder}/r18.pth")
    # A resnet18 whose first conv takes 100 channels: more than reslab-cli's --in-channels allows.
    wide = torchvision.models.resnet18()
    wide.conv1 = torch.nn.Conv2d(100, 64, 7, 2, 3, bias=False)
    torch.save(wide.state_dict(), f"{folder}/wide.pth")
    # One number seen as 100000 images by stride 0: a few hundred bytes on disk.
    torch.save(torch.zeros(1).expand(100000, 3, 224, 224), f"{folder}/expanded.pt")
    torch.save(torchvision.models.resnet34().state_dict(), f"{folder}/r34.pth")
    x = torch.randn(1, 3, 224, 224)
    torch.save(x, f"{folder}/x.pt")
    # A smooth colour pattern, so resizing has something to do.
    yy, xx = torch.meshgrid(torch.linspace(0, 6, 240), torch.linspace(0, 9, 320), indexing="ij")
    img = torch.stack([torch.sin(xx) * 0.5 + 0.5, torch.cos(yy) * 0.5 + 0.5, (xx + yy) / 15.0])
    img8 = (img.clamp(0, 1) * 255).round().to(torch.uint8)
    torchvision.io.write_png(img8, f"{folder}/photo.png")
    pre = T.Compose([T.Resize(256, antialias=True), T.CenterCrop(224),
                     T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    with torch.no_grad():
        torch.save(net(x), f"{folder}/x_logits.pt")
        torch.save(net(pre(img8.float() / 255).unsqueeze(0)), f"{folder}/photo_logits.pt")
    with open(f"{folder}/notimage.png", "w") as f:
        f.write("this is not an image\n")


def strict(path, arch):
    net = getattr(torchvision.models, arch)()
    net.load_state_dict(torch.load(path), strict=True)
    print(json.dumps({"params": sum(p.numel() for p in net.parameters())}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        strict(sys.argv[2], sys.argv[3])
