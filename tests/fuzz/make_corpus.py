#!/usr/bin/python3
"""Writes the fuzzers' seed corpora: a few small, valid files per reader, made here and never
committed. Usage: make_corpus.py OUT_DIR [RESLAB_CLI]   (OUT_DIR/<target>/ gets the seeds)

Needs Python's torch (torch.save in both formats); torchvision and Pillow, when present, add JPEG seeds.
RESLAB_CLI, when given and present, makes spec.json and metrics.jsonl the way ResLab writes them.
"""
import gzip
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import OrderedDict

import torch

MAX_SEED = 64 * 1024


def write(folder, name, data):
    assert len(data) < MAX_SEED, f"{name}: {len(data)} bytes"
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def idx(magic, sizes, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", s) for s in sizes) + payload


def idx_seeds(out):
    images = idx(0x803, [3, 4, 4], bytes(range(48)))
    labels = idx(0x801, [3], bytes([0, 9, 4]))
    write(out, "images.idx3", images)
    write(out, "labels.idx1", labels)
    write(out, "images.idx3.gz", gzip.compress(images, mtime=0))
    write(out, "labels.idx1.gz", gzip.compress(labels, mtime=0))
    write(out, "images.zlib", zlib.compress(images))


def cifar_seeds(out):
    records = b""
    for label in (3, 7):
        records += bytes([label]) + bytes((label * 31 + i) % 256 for i in range(3072))
    write(out, "data_batch_2.bin", records)
    write(out, "data_batch_1.bin", records[:3073])


def png(width, height, channels, pixels):
    colour = {1: 0, 3: 2}[channels]
    raw = b"".join(b"\x00" + pixels[y * width * channels:(y + 1) * width * channels]
                   for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))

    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bmp(width, height, channels, pixels):
    # 24-bit (or 8-bit with a grey palette) bottom-up rows, padded to 4 bytes.
    bits = 8 * channels
    row = (width * channels + 3) // 4 * 4
    palette = b"".join(bytes([i, i, i, 0]) for i in range(256)) if channels == 1 else b""
    body = b""
    for y in reversed(range(height)):
        line = pixels[y * width * channels:(y + 1) * width * channels]
        if channels == 3:
            line = b"".join(line[x * 3:x * 3 + 3][::-1] for x in range(width))  # BGR
        body += line + b"\x00" * (row - len(line))
    offset = 14 + 40 + len(palette)
    header = struct.pack("<2sIHHI", b"BM", offset + len(body), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, 0, len(body), 2835, 2835,
                       256 if channels == 1 else 0, 0)
    return header + info + palette + body


def image_seeds(out):
    side = 8
    for channels, name in ((1, "grey"), (3, "colour")):
        pixels = bytes((x * 29 + y * 7 + c * 80) % 256 for y in range(side) for x in range(side)
                       for c in range(channels))
        write(out, f"{name}.png", png(side, side, channels, pixels))
        write(out, f"{name}.bmp", bmp(side, side, channels, pixels))
        try:
            import torchvision.io
            t = torch.tensor(list(pixels), dtype=torch.uint8).view(side, side, channels)
            write(out, f"{name}.jpg",
                  bytes(torchvision.io.encode_jpeg(t.permute(2, 0, 1).contiguous()).tolist()))
        except Exception as e:  # no torchvision, or one built without libjpeg
            print(f"make_corpus: no JPEG seed ({e})", file=sys.stderr)
    # Progressive and 4:4:4 JPEGs take other paths through libjpeg-turbo than torchvision's baseline 4:2:0.
    try:
        from PIL import Image
        colour = Image.frombytes("RGB", (side, side), bytes((x * 29 + y * 7 + c * 80) % 256 for y in range(side)
                                                            for x in range(side) for c in range(3)))
        for name, options in (("progressive", {"progressive": True}), ("colour444", {"subsampling": 0})):
            buffer = io.BytesIO()
            colour.save(buffer, "JPEG", quality=75, **options)
            write(out, f"{name}.jpg", buffer.getvalue())
    except ImportError as e:
        print(f"make_corpus: no Pillow JPEG seeds ({e})", file=sys.stderr)


def saved(obj, legacy):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


def weights_seeds(out):
    torch.manual_seed(0)
    state = OrderedDict()
    state["conv1.weight"] = torch.randn(2, 1, 3, 3)
    state["bn1.weight"] = torch.ones(2)
    state["bn1.running_mean"] = torch.zeros(2, dtype=torch.float64)
    state["bn1.num_batches_tracked"] = torch.tensor(7)
    state["fc.weight"] = torch.randn(3, 2).t()  # a non-contiguous view
    state["fc.bias"] = torch.randn(6)[2:5]        # an offset into a larger storage
    for legacy in (False, True):
        kind = "legacy" if legacy else "zip"
        write(out, f"state_dict.{kind}.pth", saved(state, legacy))
        write(out, f"wrapped.{kind}.pth", saved({"state_dict": state, "epoch": 3}, legacy))
        write(out, f"tensor.{kind}.pth", saved(torch.arange(5, dtype=torch.int32), legacy))
        write(out, f"expanded.{kind}.pth", saved(torch.ones(1).expand(4, 3), legacy))
        write(out, f"half.{kind}.pth", saved(torch.ones(2, 2, dtype=torch.float16), legacy))


def pickle_seeds(out):
    objects = [
        {"a": 1, "b": [1.5, -2, "x"], "c": (True, False, None)},
        [1, 255, 256, 65535, 65536, -1, 2**31, 2**63 - 1, -2**63, 2**70, b"bytes", "unicodé"],
        (1, (2, (3, (4,)))),
        OrderedDict([("k", 1.0), ("l", [])]),
    ]
    for protocol in (2, 4):
        for i, obj in enumerate(objects):
            write(out, f"p{protocol}_{i}.pkl", pickle.dumps(obj, protocol=protocol))
    # The data.pkl of a zip torch.save: storages as persistent ids, tensors by _rebuild_tensor_v2.
    import zipfile
    state = OrderedDict(w=torch.randn(2, 3), b=torch.arange(3))
    with zipfile.ZipFile(io.BytesIO(saved(state, legacy=False))) as z:
        for name in z.namelist():
            if name.endswith("data.pkl"):
                write(out, "torch_data.pkl", z.read(name))


def runfolder_seeds(out, cli):
    spec = None
    if cli and os.access(cli, os.X_OK):
        with tempfile.TemporaryDirectory() as tmp:
            run = os.path.join(tmp, "run")
            cmd = [cli, "train", "--arch", "resnet20", "--dataset", "synthetic", "--steps", "4",
                   "--batch", "4", "--eval-every", "2", "--probe-every", "2", "--record-every",
                   "1", "--threads", "1", "--out", run, "--quiet"]
            try:
                subprocess.run(cmd, check=True, timeout=300, stdout=subprocess.DEVNULL)
                with open(os.path.join(run, "spec.json"), "rb") as f:
                    spec = f.read()
                with open(os.path.join(run, "metrics.jsonl"), "rb") as f:
                    metrics = f.read()
                write(out, "spec.json", spec)
                write(out, "metrics.jsonl", metrics[:MAX_SEED - 1])
                for i, line in enumerate(metrics.splitlines()[:3]):
                    write(out, f"line{i}.jsonl", line + b"\n")
            except (OSError, subprocess.SubprocessError) as e:
                print(f"make_corpus: {cli} made no run folder ({e})", file=sys.stderr)
    if spec is None:
        print("make_corpus: no reslab-cli; spec.json and metrics.jsonl seeds are hand-made",
              file=sys.stderr)
        write(out, "spec.json", b'{"name": "resnet20", "net": {}, "train": {}}')
        write(out, "metrics.jsonl",
              b'{"kind": "train", "step": 1, "epoch": 0.1, "loss": 2.3, "error": 0.9, "lr": 0.1,'
              b' "images_per_s": 100.0, "time": 0.5}\n'
              b'{"kind": "eval", "step": 1, "epoch": 0.1, "test_loss": 2.3, "test_error": 0.9,'
              b' "time": 0.6}\n')


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    cli = sys.argv[2] if len(sys.argv) == 3 else None
    idx_seeds(os.path.join(out, "fuzz_idx"))
    cifar_seeds(os.path.join(out, "fuzz_cifar"))
    image_seeds(os.path.join(out, "fuzz_image"))
    weights_seeds(os.path.join(out, "fuzz_weights"))
    pickle_seeds(os.path.join(out, "fuzz_pickle"))
    runfolder_seeds(os.path.join(out, "fuzz_runfolder"), cli)


if __name__ == "__main__":
    main()
