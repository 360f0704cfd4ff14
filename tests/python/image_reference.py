"""Images and the pixels Pillow decodes from them: the reference for ResLab's image reader.

make DIR   writes JPEGs (4:2:0, 4:4:4, progressive, grey), PNGs with alpha, a 16-bit grey PNG
           and BMPs (bottom-up, top-down, 16-bit 5-6-5 and 5-5-5) into DIR, each
           with what Pillow makes of it as torchvision's transforms see it: NAME.rgb holds the bytes of
           Image.open(NAME).convert("RGB"), NAME.l those of convert("L"); prints a JSON list of
           {"file", "width", "height", "mode"}.
"""
import json
import struct
import sys

import torch
from PIL import Image


def photo(width, height, seed):
    """Smooth gradients with a little noise: an image with edges and colour, as photographs have."""
    g = torch.Generator().manual_seed(seed)
    y = torch.linspace(0, 1, height).view(-1, 1)
    x = torch.linspace(0, 1, width).view(1, -1)
    r = 200 * x + 40 * torch.sin(9 * y)
    gr = 180 * y + 60 * torch.cos(7 * x)
    b = 120 + 100 * torch.sin(5 * (x + y))
    rgb = torch.stack([r, gr, b], dim=-1) + 25 * torch.randn(height, width, 3, generator=g)
    return rgb.clamp(0, 255).round().to(torch.uint8)


def image(pixels, mode):
    h, w = pixels.shape[0], pixels.shape[1]
    return Image.frombytes(mode, (w, h), pixels.contiguous().numpy().tobytes())


def top_down_bmp(pixels, path):
    """A 24-bit BMP stored top row first (a negative height), which Pillow cannot write."""
    h, w = pixels.shape[0], pixels.shape[1]
    row = (w * 3 + 3) // 4 * 4
    data = bytearray()
    for y in range(h):
        line = pixels[y].flip(-1).contiguous().numpy().tobytes()  # BGR
        data += line + bytes(row - len(line))
    header = b"BM" + struct.pack("<IHHI", 54 + len(data), 0, 0, 54)
    header += struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(header + bytes(data))


def bmp16(pixels, path, bitfields):
    """A 16-bit BMP: 5-6-5 bit fields, or 5-5-5 stored plainly; Pillow scales each field by
    v * 255 / max, truncated, where stb repeats the high bits."""
    h, w = pixels.shape[0], pixels.shape[1]
    row = (w * 2 + 3) // 4 * 4
    data = bytearray()
    for y in reversed(range(h)):
        line = bytearray()
        for r, g, b in pixels[y].tolist():
            v = (r >> 3) << 11 | (g >> 2) << 5 | b >> 3 if bitfields else (r >> 3) << 10 | (g >> 3) << 5 | b >> 3
            line += struct.pack("<H", v)
        data += line + bytes(row - len(line))
    masks = struct.pack("<III", 0xF800, 0x07E0, 0x001F) if bitfields else b""
    offset = 54 + len(masks)
    header = b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
    header += struct.pack("<IiiHHIIiiII", 40, w, h, 1, 16, 3 if bitfields else 0, len(data), 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(header + masks + bytes(data))


def make(folder):
    rgb = photo(37, 23, seed=1)  # odd sizes: the chroma planes of 4:2:0 have a half-filled edge
    alpha = torch.randint(0, 256, (23, 37, 1), generator=torch.Generator().manual_seed(2), dtype=torch.uint8)
    files = {
        "photo.jpg": lambda p: image(rgb, "RGB").save(p, quality=85),  # Pillow's default 4:2:0
        "photo444.jpg": lambda p: image(rgb, "RGB").save(p, quality=95, subsampling=0),
        "progressive.jpg": lambda p: image(rgb, "RGB").save(p, quality=80, progressive=True, optimize=True),
        "grey.jpg": lambda p: image(rgb, "RGB").convert("L").save(p, quality=90),
        "rgba.png": lambda p: image(torch.cat([rgb, alpha], dim=-1), "RGBA").save(p),
        "la.png": lambda p: image(torch.cat([rgb[:, :, :1], alpha], dim=-1), "LA").save(p),
        "rgb.bmp": lambda p: image(rgb, "RGB").save(p),
        "topdown.bmp": lambda p: top_down_bmp(rgb, p),
        "rgb565.bmp": lambda p: bmp16(rgb, p, bitfields=True),
        "rgb555.bmp": lambda p: bmp16(rgb, p, bitfields=False),
        # 16-bit grey (Pillow's mode "I"), up to 1000: Pillow clips past 255 when it converts.
        "grey16.png": lambda p: Image.frombytes(
            "I;16", (37, 23),
            torch.randint(0, 1000, (23, 37), generator=torch.Generator().manual_seed(3),
                          dtype=torch.int32).numpy().astype("<u2").tobytes()).save(p),
    }
    listed = []
    for name, write in files.items():
        path = f"{folder}/{name}"
        write(path)
        with Image.open(path) as im:
            for mode, suffix in (("RGB", "rgb"), ("L", "l")):
                with open(f"{path}.{suffix}", "wb") as f:
                    f.write(im.convert(mode).tobytes())
            listed.append({"file": name, "width": im.width, "height": im.height, "mode": im.mode})
    print(json.dumps(listed))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "make":
        sys.exit(__doc__)
    make(sys.argv[2])
