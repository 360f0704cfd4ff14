"""Draws ResLab's sample images (no downloads, no third-party pictures): run it from anywhere with
python3 make_samples.py; it writes the PNGs beside itself. Standard library only."""
import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write_png(name, pixels, width, height, channels):
    """pixels(x, y) -> tuple of `channels` bytes; 8-bit grey (1) or RGB (3) PNG."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            row.extend(pixels(x, y))
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, {1: 0, 3: 2}[channels], 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(b"".join(rows), 9)))
        f.write(chunk(b"IEND", b""))


def clamp(v):
    return max(0, min(255, int(round(v))))


def shapes(x, y):
    # A sky-to-grass gradient with a red disc, a blue square and a yellow triangle: edges, colours
    # and corners for the early layers to pick up.
    w = 256
    r, g, b = (120 + 60 * y / w, 170 + 40 * y / w, 235 - 80 * y / w) if y < 170 else (70, 150, 60)
    if (x - 80) ** 2 + (y - 90) ** 2 < 45 ** 2:
        r, g, b = 210, 40, 40
    if 150 <= x < 220 and 110 <= y < 180:
        r, g, b = 40, 70, 200
    if 170 <= y < 240 and abs(x - 60) < (y - 170) * 0.6:
        r, g, b = 240, 210, 40
    return clamp(r), clamp(g), clamp(b)


def gratings(x, y):
    # Four quadrants of sinusoidal stripes at 0, 45, 90 and 135 degrees: orientation-tuned filters
    # light up in their own quadrant.
    angle = [0, 45, 90, 135][(x >= 128) + 2 * (y >= 128)]
    a = math.radians(angle)
    v = 0.5 + 0.5 * math.sin(2 * math.pi * (x * math.cos(a) + y * math.sin(a)) / 16)
    return (clamp(255 * v),) * 3


def face(x, y):
    # A smiling face: round, symmetric, with small dark features.
    cx, cy = 112, 112
    d = math.hypot(x - cx, y - cy)
    r, g, b = 245, 245, 250
    if d < 90:
        r, g, b = 250, 200, 60
    for ex in (80, 144):
        if math.hypot(x - ex, y - 90) < 12:
            r, g, b = 40, 30, 20
    if 55 < d < 62 and y > cy + 20 and abs(x - cx) < 50:
        r, g, b = 120, 40, 20
    return clamp(r), clamp(g), clamp(b)


def shirt(x, y):
    # A T-shirt silhouette, light on black, 28 x 28 like a Fashion-MNIST image.
    body = 8 <= x <= 19 and 6 <= y <= 25
    sleeves = 3 <= x <= 24 and 6 <= y <= 11 and abs(x - 13.5) - (y - 6) * 0.2 < 11
    neck = math.hypot(x - 13.5, y - 5) < 3.2
    v = 200 if (body or sleeves) and not neck else 0
    if v and (x + y) % 5 == 0:
        v = 170  # a little texture, as real photographs of cloth have
    return (v,)


def boot(x, y):
    # An ankle boot, 28 x 28 grey: a shaft, a foot and a heel.
    shaft = 10 <= x <= 18 and 4 <= y <= 20
    foot = 4 <= x <= 24 and 17 <= y <= 22 and not (x < 10 and y < 19)
    heel = 16 <= x <= 24 and 22 < y <= 24
    v = 0
    if shaft or foot or heel:
        v = 150 + 3 * y
    return (clamp(v),)


if __name__ == "__main__":
    write_png("shapes.png", shapes, 256, 256, 3)
    write_png("gratings.png", gratings, 256, 256, 3)
    write_png("face.png", face, 224, 224, 3)
    write_png("shirt.png", shirt, 28, 28, 1)
    write_png("boot.png", boot, 28, 28, 1)
