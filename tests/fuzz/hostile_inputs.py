#!/usr/bin/python3
"""Hostile inputs for reslab-cli, made in a temporary folder and run one by one (issue 22's sweep).

Usage: hostile_inputs.py RESLAB_CLI [--keep DIR] [--only SUBSTRING]
       hostile_inputs.py RESLAB_CLI --window DIR

--window makes every case's files in DIR without running anything, and writes DIR/window.json: the
cases the window can be handed too (a run folder to open, weights or an image for the feature
maps), each with what the window must do (test_hostile_window reads it; see window_entries).

Each case makes its files, runs one command under `timeout 20` and judges what came back:
  ok       refused with exit status 1 and a message that names what the case expects (the file,
           the field, the limit), with nothing raw in it (std::bad_alloc, stoll, a LibTorch
           backtrace, allocator text), and whatever the case must leave untouched untouched;
  FAULT    anything else: a crash (signal, sanitizer report), a hang (killed after 20 s), exit 0
           where a refusal was due, a raw or unnamed message, files changed.
Prints one line a case and a table of the classes with counts; exits 1 if any case is a FAULT.
Needs Python's torch and Pillow (Debian: python3-torch, python3-pil). Downloads nothing.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import OrderedDict

import torch
from PIL import Image

RAW = ("bad_alloc", "stoll", "stoi", "frame #", "Exception raised from", "what():",
       "AddressSanitizer", "runtime error:", "terminate called", "c10::", "DefaultCPUAllocator",
       "Segmentation fault", "Aborted")


class Case:
    def __init__(self, klass, name, args, expect, make=None, keep=(), status=1, stdin=None):
        self.klass, self.name, self.args, self.expect = klass, name, args, expect
        self.make, self.keep, self.status = make, keep, status


def digest(path):
    """A file's hash, or a folder's: {relative path: hash} of every file in it."""
    if os.path.isdir(path):
        out = {}
        for root, dirs, files in os.walk(path):
            for f in files:
                p = os.path.join(root, f)
                out[os.path.relpath(p, path)] = digest(p)
        return out
    if not os.path.exists(path):
        return None
    if not os.path.isfile(path):
        return "special"
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def changed(before, after, refused):
    """What a command changed of what was there (and, where it refused, anything it added)."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = set(before) | set(after) if refused else set(before)
        return sorted(k for k in keys if before.get(k) != after.get(k))
    return [] if before == after else [""]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def fifo(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.remove(path)
    os.mkfifo(path)


def folder(path):
    os.makedirs(path, exist_ok=True)


def saved(obj, legacy=False):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


def idx(magic, sizes, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", s) for s in sizes) + payload


def png_raw(width, height, colour=0, depth=8, body=None):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    body = body if body is not None else zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def bmp_header(width, height, bpp=24, compression=0, pixels=b""):
    offset = 54
    header = struct.pack("<2sIHHI", b"BM", offset + len(pixels), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bpp, compression, len(pixels), 2835,
                       2835, 0, 0)
    return header + info + pixels


def pil_bytes(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def spec_with(base, edit):
    import json
    with open(os.path.join(base, "spec.json")) as f:
        j = json.load(f)
    edit(j)
    return json.dumps(j, indent=2).encode()


def run_folder_copy(base, dest, edit_spec=None, files=None):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(base, dest)
    if edit_spec:
        write(os.path.join(dest, "spec.json"), spec_with(base, edit_spec))
    for name, data in (files or {}).items():
        p = os.path.join(dest, name)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.lexists(p):
            os.remove(p)
        if data == "fifo":
            fifo(p)
        elif data == "dir":
            folder(p)
        elif data is not None:
            write(p, data)


def trainer_with(base_trainer, **changes):
    state = torch.load(base_trainer)
    for k, v in changes.items():
        state[k] = v
    return saved(state)


def cases(d, cli):
    base = os.path.join(d, "base")
    if not os.path.isdir(base):
        subprocess.run([cli, "train", "--arch", "resnet20", "--dataset", "synthetic", "--steps", "2",
                        "--quiet", "--out", base], check=True, capture_output=True)
    torch.manual_seed(0)
    r20 = os.path.join(d, "r20.pth")
    subprocess.run([cli, "init", "--arch", "resnet20", "--seed", "1", "--in-channels", "3",
                    "--out", r20], check=True, capture_output=True)
    x = os.path.join(d, "x.pt")
    write(x, saved(torch.rand(1, 3, 32, 32)))
    photo = os.path.join(d, "photo.png")
    write(photo, pil_bytes(Image.new("RGB", (40, 30), (200, 30, 60)), "PNG"))
    pred = ["predict", "--arch", "resnet20", "--in-channels", "3", "--weights", r20]
    P = lambda *a: [os.path.join(d, p) for p in a]
    f = lambda name: os.path.join(d, name)
    C = []

    # ---------- crashes and hangs ----------
    K = "crashes and hangs"
    for field, value, words in (
            ("blocks", [1000000000, 3, 3], "blocks"),
            ("blocks", [2000] * 3, "fits"),  # 194 M weights: a legitimate net
            ("widths", [16384, 16384, 16384], "at most"),
            ("classes", 100000, None),
            ("input_size", 8192, None),
            ("stem_width", 16384, "fits"),
            ("blocks", [1] * 17, "at most 16"),
            ("blocks", [], "stage"),
            ("widths", [16, 32], "widths"),
            ("in_channels", 0, "in_channels")):
        if words is None:
            continue
        name = f"spec-{field}-{str(value)[:20]}"
        dest = f(name)
        def make(dest=dest, field=field, value=value):
            run_folder_copy(base, dest, lambda j: j["net"].__setitem__(field, value))
        # Nets within every bound that trainer.pth does not fit: resume says so; info describes them.
        legit = words == "fits"
        C.append(Case(K, f"resume: spec.json net.{field} = {str(value)[:40]}", ["resume", dest],
                      ["trainer.pth", "do not fit"] if legit else [words, "spec.json"], make, keep=[dest]))
        C.append(Case(K, f"info --run: spec.json net.{field} = {str(value)[:40]}",
                      ["info", "--run", dest], [] if legit else [words, "spec.json"], make,
                      status=0 if legit else 1))
    wide = f("spec-wide-and-deep")
    C.append(Case(K, "resume: widths 4096 x3 and 2000 blocks a stage (each in bounds, 10^11 weights)",
                  ["resume", wide], ["spec.json", "parameters"],
                  lambda: run_folder_copy(base, wide, lambda j: (j["net"].__setitem__("widths", [4096] * 3),
                                                                j["net"].__setitem__("blocks", [2000] * 3))),
                  keep=[wide]))
    C.append(Case(K, "info --run: widths 4096 x3 and 2000 blocks a stage",
                  ["info", "--run", wide], ["spec.json", "parameters"]))
    wfc = f("spec-wide-fc")
    C.append(Case(K, "resume: stem/widths 16384 with 100000 classes (fc 1.6 G weights)",
                  ["resume", wfc], ["spec.json", "parameters"],
                  lambda: run_folder_copy(base, wfc, lambda j: (j["net"].__setitem__("widths", [16, 32, 16384]),
                                                               j["net"].__setitem__("classes", 100000))),
                  keep=[wfc]))
    syn = f("spec-synthetic-huge")
    C.append(Case(K, "resume: synthetic_size 1e7 at input_size 8192",
                  ["resume", syn], ["spec.json"],
                  lambda: run_folder_copy(base, syn, lambda j: (j["train"].__setitem__("synthetic_size", 10000000),
                                                               j["net"].__setitem__("input_size", 8192))),
                  keep=[syn]))
    for what, maker, word in (("FIFO", fifo, "named pipe"), ("folder", folder, "folder")):
        w = f(f"{what}.w")
        C.append(Case(K, f"predict --weights {what}", pred[:-1] + [w, "--input-tensor", x],
                      [w, word], lambda w=w, m=maker: m(w)))
        i = f(f"{what}.img")
        C.append(Case(K, f"predict --image {what}", pred + ["--image", i], [i, word],
                      lambda i=i, m=maker: m(i)))
        t = f(f"{what}.pt")
        C.append(Case(K, f"predict --input-tensor {what}", pred + ["--input-tensor", t], [t, word],
                      lambda t=t, m=maker: m(t)))
        lab = f(f"{what}.labels")
        C.append(Case(K, f"predict --labels {what}", pred + ["--input-tensor", x, "--labels", lab],
                      [lab, word], lambda p=lab, m=maker: m(p)))
        for name in ("spec.json", "metrics.jsonl", "trainer.pth", "checkpoint.pth", "status.json"):
            dest = f(f"{what}-{name}")
            target = os.path.join(dest, name)
            # The run has 2 of 4 steps to go, so resume reads and writes every file.
            C.append(Case(K, f"resume: {name} a {what}", ["resume", "--quiet", dest], [name, word],
                          lambda dest=dest, name=name, what=what: run_folder_copy(
                              base, dest, lambda j: j["train"].__setitem__("steps", 4),
                              files={name: "fifo" if what == "FIFO" else "dir"}),
                          # status.json and checkpoint.pth are replaced by a rename (a folder there
                          # fails the run, exit 3, with the reason)
                          status=None if name in ("status.json", "checkpoint.pth") else 1))
        dest = f(f"{what}-checkpoint-predict")
        C.append(Case(K, f"predict on a run folder whose checkpoint.pth is a {what}",
                      ["predict", "--weights", dest, "--image", photo], ["checkpoint.pth", word],
                      lambda dest=dest, what=what: run_folder_copy(
                          base, dest, files={"checkpoint.pth": "fifo" if what == "FIFO" else "dir"})))
        dest = f(f"{what}-spec-info")
        C.append(Case(K, f"info --run: spec.json a {what}", ["info", "--run", dest], ["spec.json", word],
                      lambda dest=dest, what=what: run_folder_copy(
                          base, dest, files={"spec.json": "fifo" if what == "FIFO" else "dir"})))
        data = f(f"{what}-fmnist")
        def make_idx(data=data, maker=maker):
            folder(data)
            for n in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"):
                write(os.path.join(data, n + ".gz"), gzip.compress(b""))
            maker(os.path.join(data, "train-images-idx3-ubyte.gz"))
        C.append(Case(K, f"train fashion-mnist: the training images a {what}",
                      ["train", "--arch", "resnet20", "--dataset", "fashion-mnist", "--data-dir", data,
                       "--steps", "1", "--out", f(f"{what}-fm-out")], ["train-images", word], make_idx))
        cif = f(f"{what}-cifar")
        def make_cifar(cif=cif, maker=maker):
            folder(cif)
            maker(os.path.join(cif, "data_batch_1.bin"))
        C.append(Case(K, f"train cifar10: data_batch_1.bin a {what}",
                      ["train", "--arch", "resnet20", "--dataset", "cifar10", "--data-dir", cif,
                       "--steps", "1", "--out", f(f"{what}-cifar-out")], ["data_batch_1", word], make_cifar))
        imf = f(f"{what}-imagefolder")
        def make_imf(imf=imf, maker=maker):
            for split in ("train", "test"):
                write(os.path.join(imf, split, "cat", "a.png"), pil_bytes(Image.new("RGB", (8, 8)), "PNG"))
                write(os.path.join(imf, split, "dog", "b.png"), pil_bytes(Image.new("RGB", (8, 8)), "PNG"))
            maker(os.path.join(imf, "train", "dog", "c.png"))
        C.append(Case(K, f"train folder: an image a {what}",
                      ["train", "--arch", "resnet20", "--dataset", "folder", "--data-dir", imf,
                       "--steps", "1", "--quiet", "--out", f(f"{what}-imf-out")], [], make_imf,
                      status=None))  # skipped as no image file, never opened
    C.append(Case(K, "predict --weights /dev/zero", pred[:-1] + ["/dev/zero", "--input-tensor", x],
                  ["/dev/zero", "device"]))
    C.append(Case(K, "predict --image /dev/stdin (a pipe)", pred + ["--image", "/dev/stdin"],
                  ["/dev/stdin"]))
    for opt, val, cmd in (("--threads", "1000", "train"), ("--parallel-runs", "1000", "train"),
                          ("--threads", "100000", "bench"), ("--threads", "-1", "bench"),
                          ("--warmup", "-5", "train"), ("--warmup", "99999999999", "train"),
                          ("--downsample", "0", "train"), ("--downsample", "1000", "train"),
                          ("--eval-every", "-1", "train"), ("--probe-every", "-1", "train"),
                          ("--record-every", "0", "train"), ("--seed", "-1", "train"),
                          ("--batch", "0", "train"), ("--input-size", "0", "info"),
                          ("--classes", "0", "info"), ("--in-channels", "65", "info"),
                          ("--topk", "0", "predict"), ("--grid", "100000", "landscape")):
        out = f(f"opt{opt}{val}{cmd}")
        if cmd == "train":
            args = ["train", "--arch", "resnet20", "--dataset", "synthetic", "--steps", "1", "--quiet",
                    "--out", out, opt, val]
        elif cmd == "bench":
            args = ["bench", "--arch", "resnet20", "--steps", "1", "--batch", "2", opt, val]
        elif cmd == "info":
            args = ["info", "--arch", "resnet20", opt, val]
        elif cmd == "predict":
            args = pred + ["--input-tensor", x, opt, val]
        else:
            args = ["landscape", base, opt, val]
        C.append(Case(K, f"{cmd} {opt} {val}", args, [opt],
                      status=None if (opt, val) in (("--threads", "1000"), ("--parallel-runs", "1000"),
                                                    ("--seed", "-1")) else 1))

    # ---------- decompression bombs ----------
    K = "decompression bombs"
    def zip_bomb(path):
        state = OrderedDict(torch.load(r20))
        raw = saved(state)
        zin = zipfile.ZipFile(io.BytesIO(raw))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
            for info in zin.infolist():
                zo.writestr(info.filename, zin.read(info.filename))
            zo.writestr("r20/data/999", b"\0" * (600 << 20))
        write(path, out.getvalue())
    bomb = f("bomb.pth")
    C.append(Case(K, "weights zip with a 600 MiB deflated record", pred[:-1] + [bomb, "--input-tensor", x],
                  [bomb], lambda: zip_bomb(bomb), status=None))
    def legacy_huge(path):
        # a legacy torch.save whose storage claims 2^40 floats in a few bytes
        t = torch.zeros(4)
        raw = bytearray(saved(OrderedDict(w=t), legacy=True))
        key = struct.pack("<q", 4)
        at = raw.rfind(key)
        raw[at:at + 8] = struct.pack("<q", 1 << 40)
        write(path, bytes(raw))
    leg = f("legacy-huge.pth")
    C.append(Case(K, "legacy weights whose storage claims 2^40 floats", pred[:-1] + [leg, "--input-tensor", x],
                  [leg], lambda: legacy_huge(leg)))
    big = f("huge-shape.pth")
    def huge_shape(path):
        t = torch.zeros(1).as_strided((1 << 20, 1 << 20), (0, 0))
        write(path, saved(OrderedDict([("conv1.weight", t)])))
    C.append(Case(K, "weights tensor of 2^40 elements on one float (stride 0)",
                  pred[:-1] + [big, "--input-tensor", x], [big], lambda: huge_shape(big)))
    exp = f("expanded.pt")
    C.append(Case(K, "input tensor 100000 x 3 x 224 x 224 on one float (stride 0)",
                  pred + ["--input-tensor", exp], [exp, "elements"],
                  lambda: write(exp, saved(torch.zeros(1).expand(100000, 3, 224, 224)))))
    exp2 = f("expanded-odd.pt")
    C.append(Case(K, "input tensor 2^28 elements on one float, in bounds, wrong shape",
                  pred + ["--input-tensor", exp2], [exp2],
                  lambda: write(exp2, saved(torch.zeros(1).expand(1, 3, 16384, 5461)))))
    gz = f("gzbomb")
    def gzip_bomb(gz=gz):
        folder(gz)
        payload = idx(0x803, [60000, 28, 28], b"")
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        blob = comp.compress(payload)
        zero = b"\0" * (1 << 24)
        for _ in range(600):  # ~10 GiB
            blob += comp.compress(zero)
        blob += comp.flush()
        write(os.path.join(gz, "train-images-idx3-ubyte.gz"), blob)
        for n in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"):
            write(os.path.join(gz, n + ".gz"), gzip.compress(idx(0x801, [0], b"")))
    C.append(Case(K, "IDX gzip bomb (10 GiB of zeros)",
                  ["train", "--arch", "resnet20", "--dataset", "fashion-mnist", "--data-dir", gz,
                   "--steps", "1", "--out", f("gz-out")], ["train-images", "bomb"], gzip_bomb))
    idxhuge = f("idx-huge")
    def idx_claims(idxhuge=idxhuge):
        folder(idxhuge)
        write(os.path.join(idxhuge, "train-images-idx3-ubyte"), idx(0x803, [0xffffffff, 0xffffffff, 0xffffffff], b"x"))
        write(os.path.join(idxhuge, "train-labels-idx1-ubyte"), idx(0x801, [0xffffffff], b""))
        write(os.path.join(idxhuge, "t10k-images-idx3-ubyte"), idx(0x803, [1, 28, 28], b"\0" * 784))
        write(os.path.join(idxhuge, "t10k-labels-idx1-ubyte"), idx(0x801, [1], b"\0"))
    C.append(Case(K, "IDX header claiming 2^32 x 2^32 x 2^32",
                  ["train", "--arch", "resnet20", "--dataset", "fashion-mnist", "--data-dir", idxhuge,
                   "--steps", "1", "--out", f("idxhuge-out")], ["train-images"], idx_claims))
    cgz = f("cifar-gz")
    def cifar_bomb(cgz=cgz):
        folder(cgz)
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        blob = comp.compress(b"\0" * (1 << 24)) * 1
        for _ in range(300):
            blob += comp.compress(b"\0" * (1 << 24))
        blob += comp.flush()
        write(os.path.join(cgz, "data_batch_1.bin"), blob)
    C.append(Case(K, "CIFAR batch that is a 5 GiB gzip bomb",
                  ["train", "--arch", "resnet20", "--dataset", "cifar10", "--data-dir", cgz,
                   "--steps", "1", "--out", f("cgz-out")], ["data_batch_1"], cifar_bomb))
    for w, h, label in ((100000, 100000, "PNG 100000 x 100000"), (8000, 1, "PNG 8000 x 1"),
                        (1, 8000, "PNG 1 x 8000"), (65535, 1024, "PNG 65535 x 1024 (64 M pixels)")):
        p = f(f"png{w}x{h}.png")
        C.append(Case(K, f"{label} (resnet18, ImageNet transform)",
                      ["predict", "--arch", "resnet18", "--weights", f("r18.pth"), "--image", p],
                      [p], lambda p=p, w=w, h=h: write(p, png_raw(w, h)), status=1))
    jp = f("jpeg-huge.jpg")
    def jpeg_huge(jp=jp):
        raw = bytearray(pil_bytes(Image.new("RGB", (16, 16)), "JPEG"))
        at = raw.find(b"\xff\xc0")
        raw[at + 5:at + 9] = struct.pack(">HH", 65000, 65000)
        write(jp, bytes(raw))
    C.append(Case(K, "JPEG claiming 65000 x 65000", pred + ["--image", jp], [jp], jpeg_huge))
    bm = f("bmp-huge.bmp")
    C.append(Case(K, "BMP claiming 2^31-1 x 2^31-1", pred + ["--image", bm], [bm],
                  lambda: write(bm, bmp_header(0x7fffffff, 0x7fffffff))))
    bm2 = f("bmp-neg-huge.bmp")
    C.append(Case(K, "BMP claiming height -2^31", pred + ["--image", bm2], [bm2],
                  lambda: write(bm2, bmp_header(16, -0x80000000))))
    pz = f("png-idat-bomb.png")
    C.append(Case(K, "PNG 8 x 8 whose IDAT inflates to 1 GiB", pred + ["--image", pz], [pz],
                  lambda: write(pz, png_raw(8, 8, body=zlib.compress(b"\0" * (1 << 30), 9))), status=None))

    # ---------- data lost ----------
    K = "data lost"
    A = f("exp-A")
    def make_exp(A=A):
        if os.path.exists(A):
            shutil.rmtree(A)
        folder(A)
        shutil.copytree(base, os.path.join(A, "run1"))
    C.append(Case(K, "resume A A/run1", ["resume", A, os.path.join(A, "run1")], [], make_exp, status=0))
    C.append(Case(K, "resume A/run1 A/./run1/", ["resume", os.path.join(A, "run1"), A + "/./run1/"],
                  [], make_exp, status=0))
    lk = f("exp-link")
    def make_link(lk=lk, A=A):
        make_exp()
        if os.path.lexists(lk):
            os.remove(lk)
        os.symlink(os.path.join(A, "run1"), lk)
    C.append(Case(K, "resume A/run1 and a symlink to it", ["resume", os.path.join(A, "run1"), lk],
                  [], make_link, status=0))
    for name in ("metrics.jsonl", "checkpoint.pth", "trainer.pth", "status.json", "snapshots",
                 "landscape-0.json"):
        dest = f(f"only-{name}")
        def make_only(dest=dest, name=name):
            if os.path.exists(dest):
                shutil.rmtree(dest)
            folder(dest)
            if name == "snapshots":
                folder(os.path.join(dest, name))
                write(os.path.join(dest, name, "step-0.pth"), b"x")
            else:
                write(os.path.join(dest, name), b"precious\n")
        C.append(Case(K, f"train --out a folder holding only {name}",
                      ["train", "--arch", "resnet20", "--dataset", "synthetic", "--steps", "1", "--quiet",
                       "--out", dest], [dest], make_only, keep=[dest]))
    trainer = os.path.join(base, "trainer.pth")
    for label, change in (("step -1", {"state.step": torch.tensor(-1)}),
                          ("step 1e15", {"state.step": torch.tensor(10 ** 15)}),
                          ("step [1, 2]", {"state.step": torch.tensor([1, 2])}),
                          ("step 1.5", {"state.step": torch.tensor(1.5)}),
                          ("seen -5", {"state.seen": torch.tensor(-5)}),
                          ("loss_sum nan", {"state.loss_sum": torch.tensor(float("nan"), dtype=torch.float64)}),
                          ("step a string", {"state.step": "two"})):
        dest = f(f"trainer-{label.replace(' ', '_')}")
        def make_t(dest=dest, change=change):
            run_folder_copy(base, dest, lambda j: j["train"].__setitem__("steps", 4))
            try:
                data = trainer_with(trainer, **change)
            except Exception:
                data = b"junk"
            write(os.path.join(dest, "trainer.pth"), data)
        C.append(Case(K, f"resume: trainer.pth {label}", ["resume", dest], ["trainer.pth"], make_t,
                      keep=[os.path.join(dest, "metrics.jsonl"), os.path.join(dest, "checkpoint.pth")]))
    for label, files in (("trainer.pth truncated", {"trainer.pth": None}),
                         ("trainer.pth junk", {"trainer.pth": b"PK\x03\x04junk"}),
                         ("checkpoint of another net", {"checkpoint.pth": "other"}),
                         ("trainer.pth of another net", {"trainer.pth": "other-trainer"}),
                         ("spec.json widths changed", {"spec": "widths"})):
        dest = f(f"damaged-{label.replace(' ', '_')}")
        def make_d(dest=dest, files=files):
            run_folder_copy(base, dest, lambda j: j["train"].__setitem__("steps", 4))
            for name, data in files.items():
                p = os.path.join(dest, name)
                if name == "spec":
                    write(os.path.join(dest, "spec.json"),
                          spec_with(base, lambda j: (j["net"].__setitem__("widths", [16, 32, 128]),
                                                     j["train"].__setitem__("steps", 4))))
                elif data is None:
                    with open(p, "rb") as fh:
                        raw = fh.read()
                    write(p, raw[:len(raw) // 2])
                elif data == "other":
                    write(p, open(r20, "rb").read())
                elif data == "other-trainer":
                    st = torch.load(trainer)
                    def grow(v):
                        return torch.zeros(7, 7) if isinstance(v, torch.Tensor) and v.dim() == 4 else v
                    st = {k: ([grow(t) for t in v] if isinstance(v, list) else grow(v)) for k, v in st.items()}
                    write(p, saved(st))
                else:
                    write(p, data)
        C.append(Case(K, f"resume: {label}", ["resume", "--quiet", dest], [dest], make_d,
                      status=None if label == "checkpoint of another net" else 1,
                      keep=[] if label == "checkpoint of another net" else
                      [os.path.join(dest, n) for n in ("metrics.jsonl", "checkpoint.pth", "trainer.pth")]))
    out_on_in = f("out-on-in.pth")
    C.append(Case(K, "predict --output-tensor over its own --weights",
                  pred[:-1] + [out_on_in, "--input-tensor", x, "--output-tensor", out_on_in],
                  [out_on_in], lambda: shutil.copy(r20, out_on_in), keep=[out_on_in]))
    xin = f("x-in.pt")
    C.append(Case(K, "predict --output-tensor over its own --input-tensor",
                  pred + ["--input-tensor", xin, "--output-tensor", xin],
                  [xin], lambda: shutil.copy(x, xin), keep=[xin]))
    runw = f("run-init-over")
    C.append(Case(K, "init --out over a run's checkpoint.pth",
                  ["init", "--arch", "resnet20", "--seed", "3", "--out", os.path.join(runw, "checkpoint.pth")],
                  [runw], lambda: run_folder_copy(base, runw), keep=[os.path.join(runw, "checkpoint.pth")]))

    # ---------- silently different from PIL ----------
    K = "different from PIL"
    g = torch.Generator().manual_seed(5)
    rgb = torch.randint(0, 256, (9, 11, 3), generator=g, dtype=torch.uint8)
    im = Image.frombytes("RGB", (11, 9), rgb.numpy().tobytes())
    pil_files = {
        "rgb16.png": lambda p: write(p, png16rgb(rgb)),
        "grey1bit.png": lambda p: im.convert("1").save(p),
        "grey4bit.png": lambda p: im.convert("L").quantize(16).save(p, bits=4),
        "palette.png": lambda p: im.convert("P", palette=Image.ADAPTIVE, colors=32).save(p),
        "palette-trns.png": lambda p: im.convert("P", palette=Image.ADAPTIVE, colors=32).save(p, transparency=3),
        "interlaced.png": lambda p: write(p, interlaced(im)),
        "grey-trns.png": lambda p: im.convert("L").save(p, transparency=40),
        "rgb-trns.png": lambda p: im.save(p, transparency=(1, 2, 3)),
        "cmyk.jpg": lambda p: im.convert("CMYK").save(p, quality=95),
        "grey.jpg": lambda p: im.convert("L").save(p, quality=90),
        "exif-rotated.jpg": lambda p: im.save(p, exif=exif_orientation(6)),
        "palette8.bmp": lambda p: im.convert("P", palette=Image.ADAPTIVE, colors=64).save(p),
        "grey8.bmp": lambda p: im.convert("L").save(p),
        "mono.bmp": lambda p: im.convert("1").save(p),
        "rgba32.bmp": lambda p: im.convert("RGBA").save(p),
        "rgb565.bmp": lambda p: write(p, bmp565(rgb)),
        "rle8.bmp": lambda p: write(p, bmp_rle8()),
        "truncated.png": lambda p: write(p, pil_bytes(im, "PNG")[:-30]),
        "badcrc.png": lambda p: write(p, bad_crc(pil_bytes(im, "PNG"))),
        "truncated.bmp": lambda p: write(p, pil_bytes(im, "BMP")[:-40]),
        "png-as.jpg": lambda p: im.save(p, "PNG"),
        "gif.gif": lambda p: im.save(p, "GIF"),
        "webp.webp": lambda p: im.save(p, "WEBP"),
        "apng.png": lambda p: im.save(p, save_all=True, append_images=[im.rotate(90)]),
        "trailing.jpg": lambda p: write(p, pil_bytes(im, "JPEG") + b"garbage" * 100),
        "empty.png": lambda p: write(p, b""),
        "zero-size.png": lambda p: write(p, png_raw(0, 0)),
    }
    for name, make in pil_files.items():
        p = f(os.path.join("pil", name))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        C.append(Case(K, f"{name}", ["pil-compare", p], [p], lambda p=p, make=make: make(p), status="pil"))

    # ---------- unclear messages ----------
    K = "unclear messages"
    for arch in ("resnet99999999999999999999", "plain-5", "resnet0", "", "resnet18 ", "RESNET18",
                 "resnet21", "plain1202x"):
        C.append(Case(K, f"info --arch '{arch}'", ["info", "--arch", arch], ["architecture"]))
    C.append(Case(K, "predict: weights for resnet18 given as resnet20", ["predict", "--arch", "resnet20",
                  "--weights", f("r18.pth"), "--input-tensor", x], [f("r18.pth")]))
    for label, tensor in (("1x3x1x1", torch.zeros(1, 3, 1, 1)), ("0x3x32x32", torch.zeros(0, 3, 32, 32)),
                          ("int64", torch.zeros(1, 3, 32, 32, dtype=torch.int64)),
                          ("bool", torch.zeros(1, 3, 32, 32, dtype=torch.bool)),
                          ("complex", torch.zeros(1, 3, 32, 32, dtype=torch.complex64)),
                          ("5-d", torch.zeros(1, 1, 3, 32, 32)), ("scalar", torch.tensor(1.0)),
                          ("a dict", {"x": torch.zeros(1)}), ("nan", torch.full((1, 3, 32, 32), float("nan")))):
        p = f(f"in-{label}.pt")
        C.append(Case(K, f"predict --input-tensor {label}", pred + ["--input-tensor", p], [p],
                      lambda p=p, t=tensor: write(p, saved(t)), status=0 if label in ("nan", "1x3x1x1", "int64", "bool") else 1))
    for label, data in (("empty", b""), ("binary", os.urandom(4096)), ("3 names", b"a\nb\nc\n"),
                        ("one huge line", b"x" * (50 << 20))):
        p = f(f"labels-{label.replace(' ', '_')}.txt")
        C.append(Case(K, f"predict --labels {label}", pred + ["--input-tensor", x, "--labels", p], [p],
                      lambda p=p, data=data: write(p, data), status=1))
    mdir = f("metrics-dir")
    C.append(Case(K, "info --run where metrics.jsonl is a folder (reads only spec)", ["info", "--run", mdir], [],
                  lambda: run_folder_copy(base, mdir, files={"metrics.jsonl": "dir"}), status=0))
    for label, edit in (("blocks a string", lambda j: j["net"].__setitem__("blocks", "three")),
                        ("lr -1", lambda j: j["train"].__setitem__("lr", -1)),
                        ("dataset 7", lambda j: j["train"].__setitem__("dataset", 7)),
                        ("block 'triple'", lambda j: j["net"].__setitem__("block", "triple")),
                        ("net missing", lambda j: j.pop("net")),
                        ("schedule 'zigzag'", lambda j: j["train"].__setitem__("schedule", "zigzag")),
                        ("device 'tpu'", lambda j: j["train"].__setitem__("device", "tpu")),
                        ("precision 'int4'", lambda j: j["train"].__setitem__("precision", "int4"))):
        dest = f(f"spec-{label.replace(' ', '_')}")
        C.append(Case(K, f"resume: spec.json {label}", ["resume", dest], ["spec.json"],
                      lambda dest=dest, edit=edit: run_folder_copy(base, dest, edit), keep=[dest]))
    C.append(Case(K, "resume a plain file", ["resume", x], [x]))
    C.append(Case(K, "resume a folder without runs", ["resume", d + "/pil"], ["pil"]))
    nofold = f("imf-empty")
    C.append(Case(K, "train --dataset folder on an empty folder",
                  ["train", "--arch", "resnet20", "--dataset", "folder", "--data-dir", nofold, "--steps", "1",
                   "--out", f("imf-empty-out")], [nofold], lambda: folder(nofold)))
    onecls = f("imf-one")
    C.append(Case(K, "train --dataset folder with one class of one image",
                  ["train", "--arch", "resnet20", "--dataset", "folder", "--data-dir", onecls, "--steps", "1",
                   "--quiet", "--out", f("imf-one-out")], [], lambda: write(os.path.join(onecls, "cat", "a.png"),
                                                                   pil_bytes(Image.new("RGB", (8, 8)), "PNG")),
                  status=None))
    C.append(Case(K, "train --out /dev/null", ["train", "--arch", "resnet20", "--dataset", "synthetic",
                                               "--steps", "1", "--out", "/dev/null"], ["/dev/null"]))
    C.append(Case(K, "train --out ''", ["train", "--arch", "resnet20", "--dataset", "synthetic",
                                        "--steps", "1", "--out", ""], ["--out"]))
    nock = f("nockpt")
    C.append(Case(K, "landscape on a run without a checkpoint", ["landscape", nock], ["checkpoint"],
                  lambda: run_folder_copy(base, nock) or os.remove(os.path.join(nock, "checkpoint.pth"))))
    return C


def png16rgb(rgb):
    h, w = rgb.shape[0], rgb.shape[1]
    wide = (rgb.to(torch.int32) * 257 + 7).clamp(0, 65535)
    raw = b"".join(b"\x00" + b"".join(struct.pack(">HHH", *[int(v) for v in wide[y, x]]) for x in range(w))
                   for y in range(h))
    return png_raw(w, h, colour=2, depth=16, body=zlib.compress(raw))


def interlaced(im):
    # Adam7 through a minimal encoder: Pillow cannot write interlaced PNGs.
    w, h = im.size
    px = im.tobytes()
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        xs = list(range(x0, w, dx))
        ys = list(range(y0, h, dy))
        if not xs or not ys:
            continue
        for y in ys:
            raw += b"\x00" + b"".join(px[(y * w + x) * 3:(y * w + x) * 3 + 3] for x in xs)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def exif_orientation(value):
    ex = Image.Exif()
    ex[0x0112] = value
    return ex.tobytes()


def bmp565(rgb):
    h, w = rgb.shape[0], rgb.shape[1]
    row = (w * 2 + 3) // 4 * 4
    data = b""
    for y in reversed(range(h)):
        line = b"".join(struct.pack("<H", (int(p[0]) >> 3) << 11 | (int(p[1]) >> 2) << 5 | int(p[2]) >> 3)
                        for p in rgb[y])
        data += line + b"\0" * (row - len(line))
    masks = struct.pack("<III", 0xF800, 0x07E0, 0x001F)
    offset = 14 + 40 + 12
    header = struct.pack("<2sIHHI", b"BM", offset + len(data), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 16, 3, len(data), 2835, 2835, 0, 0)
    return header + info + masks + data


def bmp_rle8():
    w, h = 8, 4
    palette = b"".join(bytes([i * 40 % 256, i * 80 % 256, i * 20 % 256, 0]) for i in range(256))
    data = b""
    for y in range(h):
        data += bytes([8, y + 1]) + b"\x00\x00"
    data += b"\x00\x01"
    offset = 14 + 40 + len(palette)
    header = struct.pack("<2sIHHI", b"BM", offset + len(data), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 1, len(data), 2835, 2835, 256, 0)
    return header + info + palette + data


def bad_crc(data):
    raw = bytearray(data)
    at = raw.find(b"IDAT")
    length = struct.unpack(">I", raw[at - 4:at])[0]
    raw[at + 4 + length] ^= 0xff
    return bytes(raw)


def pil_outcome(path):
    try:
        with Image.open(path) as im:
            im.load()
            return "reads", im.convert("RGB").tobytes(), im.size
    except Exception as e:
        return f"refuses ({type(e).__name__}: {str(e)[:60]})", None, None


def run(cli, case, d, inspect_bin):
    for p in case.keep:
        pass
    before = {p: digest(p) for p in case.keep}
    if case.status == "pil":
        pil, want, size = pil_outcome(case.args[1])
        t0 = time.time()
        r = subprocess.run(["timeout", "20", inspect_bin, case.args[1]], capture_output=True)
        dt = time.time() - t0
        err = r.stderr.decode(errors="replace")
        got = r.stdout
        if r.returncode == 0:
            ours = "reads"
            same = want is not None and got == want
            if pil == "reads":
                return ("ok" if same else "FAULT", f"both read; pixels {'equal' if same else 'DIFFER'}", dt)
            return ("FAULT", f"PIL {pil}; ResLab reads it", dt)
        if r.returncode in (124, 137) or r.returncode < 0 or r.returncode > 1:
            return ("FAULT", f"exit {r.returncode}: {err.strip()[-200:]}", dt)
        if pil == "reads" and ("not a PNG, JPEG or BMP" in err or "ResLab does not read" in err):
            return ("ok", f"PIL reads it; ResLab refuses it by name (a format it does not read): {err.strip()[:140]}", dt)
        if pil == "reads":
            return ("FAULT", f"PIL reads it; ResLab refuses: {err.strip()[:160]}", dt)
        return ("ok", f"both refuse: PIL {pil}; ResLab: {err.strip()[:120]}", dt)
    t0 = time.time()
    try:
        r = subprocess.run(["timeout", "20", cli] + case.args, capture_output=True, stdin=subprocess.DEVNULL)
        code, err = r.returncode, (r.stderr + r.stdout).decode(errors="replace")
    except Exception as e:
        code, err = -999, str(e)
    dt = time.time() - t0
    first = " | ".join(l for l in err.strip().splitlines() if "error" in l.lower())[:300] or err.strip()[-300:]
    faults = []
    if code in (124, 137):
        faults.append("HANG (killed after 20 s)")
    elif code < 0 or (code > 3 and not (100 <= code <= 120 and "Run with --help" in err)) or \
            (code == 3 and "error" not in err):  # 3: a run failed, saying why
        faults.append(f"CRASH (exit {code})")
    raw = [m for m in RAW if m in err]
    if raw:
        faults.append("raw text: " + ",".join(raw))
    if 100 <= code <= 120 and "Run with --help" in err:
        code = 1  # CLI11 refused the option itself, naming it
    if case.status is not None and code != case.status and not faults:
        faults.append(f"exit {code}, wanted {case.status}")
    if case.status == 1 and code == 1:
        missing = [w for w in case.expect if w not in err]
        if missing:
            faults.append("message lacks " + ", ".join(repr(m) for m in missing))
    for p, h in before.items():
        for c in changed(h, digest(p), case.status == 1):
            faults.append(f"CHANGED {os.path.join(os.path.basename(p), c)}")
    return ("FAULT" if faults else "ok", "; ".join(faults + [first.replace("\n", " ")]), dt)


def window_entries(C):
    """What the window must make of the cases it can be handed, in its own terms.

    kind "run" (File > Open run folder), "weights" or "image" (the feature maps), with
    outcome "refused" (a message that holds every word of `expect`, nothing raw, and what was shown
    before still shown), "opens", or "either" (the window does not read the damaged file, so it may
    open the folder; if it refuses, the message must still be clean).
    """
    out = []
    for c in C:
        a = c.args
        if c.status == "pil":
            pil, _, _ = pil_outcome(a[1])
            out.append({"case": c.name, "kind": "image", "path": a[1],
                        "outcome": "opens" if pil == "reads" else "refused", "expect": [a[1]],
                        "may_refuse_by_format": pil == "reads"})
        elif a[:2] == ["info", "--run"]:
            entry = {"case": c.name, "kind": "run", "path": a[2], "expect": c.expect,
                     "outcome": "opens" if c.status == 0 else "refused"}
            if "metrics.jsonl is a folder" in c.name:  # info reads only spec.json; the window reads both
                entry.update(outcome="refused", expect=["metrics.jsonl", "folder"])
            out.append(entry)
        elif a[0] == "resume" and len([x for x in a[1:] if not x.startswith("-")]) == 1:
            path = [x for x in a[1:] if not x.startswith("-")][0]
            if not os.path.isdir(path):
                continue
            reads = [w for w in c.expect if w in ("spec.json", "metrics.jsonl")]
            # A training set too big to build stops resume; the window shows the run, building
            # no data set, so it may open it.
            builds_data = "synthetic_size" in c.name
            if (reads or "without runs" in c.name) and c.status == 1 and not builds_data:
                out.append({"case": c.name, "kind": "run", "path": path, "outcome": "refused",
                            "expect": c.expect})
            else:
                out.append({"case": c.name, "kind": "run", "path": path, "outcome": "either",
                            "expect": []})
        elif a[0] == "predict" and c.status in (1, None) and "--output-tensor" not in a:
            outcome = "refused" if c.status == 1 else "either"  # None: any end but a fault
            arch = a[a.index("--arch") + 1] if "--arch" in a else ""
            w = a[a.index("--weights") + 1]
            image = a[a.index("--image") + 1] if "--image" in a else None
            if image and image in c.expect and image != "/dev/stdin":  # about the image
                out.append({"case": c.name, "kind": "image", "path": image, "outcome": outcome,
                            "expect": c.expect})
            elif os.path.basename(w) != "r20.pth":  # about the weights
                out.append({"case": c.name, "kind": "weights", "path": w, "arch": arch,
                            "outcome": outcome, "expect": c.expect})
    return out


def make_for_window(cli, d):
    os.makedirs(d, exist_ok=True)
    C = cases(d, cli)
    made = []
    for c in C:
        if not (c.status == "pil" or c.args[:2] == ["info", "--run"] or
                c.args[0] in ("resume", "predict")):
            continue  # nothing the window is handed: data sets, options, outputs
        try:
            t0 = time.time()
            if c.make:
                c.make()
            if time.time() - t0 > 1:
                print(f"  made '{c.name}' in {time.time() - t0:.1f} s", file=sys.stderr)
            made.append(c)
        except Exception as e:
            print(f"  (could not make '{c.name}': {e})", file=sys.stderr)
    entries = window_entries(made)
    good = {"run": os.path.join(d, "base"), "weights": os.path.join(d, "r20.pth"),
            "image": os.path.join(d, "photo.png")}
    with open(os.path.join(d, "window.json"), "w") as f:
        json.dump({"good": good, "raw": RAW, "cases": entries}, f, indent=1)
    print(f"{len(entries)} cases for the window in {d}/window.json")


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[1] == "--window":
        make_for_window(os.path.abspath(args[0]), args[2])
        return
    if not args:
        sys.exit(__doc__)
    cli = os.path.abspath(args[0])
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    only = args[args.index("--only") + 1] if "--only" in args else None
    inspect_bin = os.path.join(os.path.dirname(cli), "..", "tests", "image_dump")
    d = keep or tempfile.mkdtemp(prefix="reslab-hostile-")
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "r18.pth")):
        subprocess.run([cli, "init", "--arch", "resnet18", "--seed", "1", "--out", os.path.join(d, "r18.pth")],
                       check=True, capture_output=True)
    counts = OrderedDict()
    bad = 0
    for case in cases(d, cli):
        if only and only not in case.name and only not in case.klass:
            continue
        try:
            if case.make:
                case.make()
        except Exception as e:
            print(f"  (could not make '{case.name}': {e})", file=sys.stderr)
            continue
        verdict, what, dt = run(cli, case, d, inspect_bin)
        tried, faults = counts.get(case.klass, (0, 0))
        counts[case.klass] = (tried + 1, faults + (verdict != "ok"))
        bad += verdict != "ok"
        print(f"{verdict:5} [{case.klass}] {case.name} ({dt:.1f} s): {what}", flush=True)
    print("\n| class | inputs tried | faults |\n| --- | --- | --- |")
    for k, (tried, faults) in counts.items():
        print(f"| {k} | {tried} | {faults} |")
    if not keep:
        shutil.rmtree(d, ignore_errors=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
