"""Reference captures for ResLab's feature-map inspector, from torchvision's own forward hooks.

make DIR   torchvision resnet18 with seeded random weights (BN statistics too) saved as DIR/resnet18.pth,
           a seeded input DIR/x.pt (1 x 3 x 224 x 224), and what forward hooks saw in eval mode:
           DIR/layer3.pt (layer3's output), DIR/layer1_0_branch.pt (layer1.0's residual branch, bn2's
           output), DIR/gradcam.pt (Grad-CAM of class 7 on layer4, 224 x 224, scaled to [0, 1]);
           DIR/stds.json: the std of every 3x3 conv's BN output (the paper's Fig. 7);
           DIR/grey.png (a 1-channel PNG) and DIR/not_an_image.png (text).
"""
import json
import struct
import sys
import zlib

import torch

from parity_reference import randomize_bn
import torch.nn.functional as F
import torchvision


def write_png(path, rows, channels):
    """A plain PNG (8-bit grey or RGB) from a list of rows of byte values: no Pillow needed."""
    height, width = len(rows), len(rows[0]) // channels
    raw = b"".join(b"\x00" + bytes(r) for r in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    colour = {1: 0, 3: 2}[channels]
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def make(folder):
    torch.manual_seed(1)
    net = torchvision.models.resnet18()
    randomize_bn(net, torch.Generator().manual_seed(2))
    net.eval()
    torch.save(net.state_dict(), f"{folder}/resnet18.pth")
    torch.manual_seed(0)
    x = torch.randn(1, 3, 224, 224)
    torch.save(x, f"{folder}/x.pt")

    seen = {}
    def keep(name):
        def hook(module, inputs, output):
            seen[name] = output.detach().clone()
        return hook
    net.layer3.register_forward_hook(keep("layer3"))
    net.layer1[0].bn2.register_forward_hook(keep("layer1_0_branch"))
    stds = {}
    for name, m in net.named_modules():
        if isinstance(m, torchvision.models.resnet.BasicBlock):
            for conv, bn in (("conv1", "bn1"), ("conv2", "bn2")):
                getattr(m, bn).register_forward_hook(
                    lambda mod, i, o, key=f"{name}.{conv}": stds.__setitem__(key, o.std(unbiased=False).item()))
    with torch.no_grad():
        net(x)
    torch.save(seen["layer3"], f"{folder}/layer3.pt")
    torch.save(seen["layer1_0_branch"], f"{folder}/layer1_0_branch.pt")
    with open(f"{folder}/stds.json", "w") as f:
        json.dump(stds, f)

    # Grad-CAM, written out from the paper's definition (no library).
    feats = {}
    net.layer4.register_forward_hook(lambda m, i, o: feats.__setitem__("a", o))
    logits = net(x)
    a = feats["a"]
    g, = torch.autograd.grad(logits[0, 7], a)
    cam = F.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)
    cam = cam / cam.max()
    torch.save(cam.detach(), f"{folder}/gradcam.pt")

    write_png(f"{folder}/grey.png", [[(x * 8 + y * 3) % 256 for x in range(40)] for y in range(30)], 1)
    with open(f"{folder}/not_an_image.png", "w") as f:
        f.write("this is a text file, not a picture\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(__doc__)
