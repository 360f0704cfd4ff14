"""Writes the fixtures of test_pickle into a folder and prints, as one JSON object, what PyTorch
itself says they hold. Usage: io_pickle_fixtures.py <folder>"""
import collections
import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import torch

out = sys.argv[1]
torch.manual_seed(0)


def path(name):
    return os.path.join(out, name)


def describe(t):
    # Integers as ints (JSON keeps int64 exact), floating point through float64 (exact for all).
    values = t.double().flatten().tolist() if t.is_floating_point() else t.flatten().tolist()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": values}


def write_zip(file, pkl, records=None):
    """A zip laid out as torch.save lays it out, around a pickle we made ourselves."""
    folder = os.path.splitext(os.path.basename(file))[0]
    with zipfile.ZipFile(path(file), "w", zipfile.ZIP_STORED) as z:
        z.writestr(folder + "/data.pkl", pkl)
        for key, data in (records or {}).items():
            z.writestr(folder + "/data/" + key, data)
        z.writestr(folder + "/version", "3\n")


def legacy_stream(pkl):
    """The legacy header (magic, protocol version, sys_info) followed by a pickle of ours."""
    f = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True, "type_sizes": {}}, f, protocol=2)
    f.write(pkl)
    return f.getvalue()


report = {}

# A state_dict of a real module (so it carries _metadata), with one tensor of every dtype we read,
# a Parameter, a 0-dim and an empty tensor, two tensors sharing one storage and a strided view.
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
net.train()
net(torch.randn(2, 3, 5, 5))
sd = net.state_dict()
sd["half"] = torch.randn(5).half()
sd["bf16"] = torch.randn(2, 3).bfloat16()
sd["double"] = torch.randn(3, dtype=torch.float64)
sd["long"] = torch.tensor([-(2**62), 2**40, -1, 0])
sd["int"] = torch.tensor([-7, 2**31 - 1], dtype=torch.int32)
sd["byte"] = torch.tensor([0, 255, 7], dtype=torch.uint8)
sd["bool"] = torch.tensor([True, False, True])
sd["scalar"] = torch.tensor(2.5)
sd["empty"] = torch.zeros(0, 3)
sd["param"] = torch.nn.Parameter(torch.randn(2, 2))
shared = torch.arange(10, dtype=torch.float32)
sd["shared_whole"] = shared
sd["shared_part"] = shared[2:5]
base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5)
view = base[1:, ::2, 1:4].transpose(0, 2)
assert not view.is_contiguous() and view.storage_offset() != 0
sd["view"] = view
sd["expanded"] = torch.tensor([3.5]).expand(2, 3)  # stride 0: saved as one element
report["state"] = [[k, describe(v)] for k, v in sd.items()]

torch.save(sd, path("sd_zip.pth"))
torch.save(sd, path("sd_legacy.pth"), _use_new_zipfile_serialization=False)
torch.save(sd, path("sd_p5.pth"), pickle_protocol=5)
torch.save(sd, path("sd_p4_legacy.pth"), pickle_protocol=4, _use_new_zipfile_serialization=False)
with zipfile.ZipFile(path("sd_zip.pth")) as z:
    with open(path("sd.pkl"), "wb") as f:
        f.write(z.read("sd_zip/data.pkl"))

# A checkpoint: numbers, strings, bytes, containers, and the state_dict under "state_dict".
small = collections.OrderedDict(w=torch.ones(2), b=torch.tensor([1.5, -2.0]))
torch.save({"epoch": 7, "best_prec1": 91.25, "name": "résnet ✓", "list": [1, 2.5, "x", None, True, False],
            "tuple": (1, (2, 3), ()), "bytes": b"\x00\xffab", "neg": -123456789012, "big": 2**70,
            "state_dict": small}, path("nested.pth"))
torch.save({"model": small, "epoch": 3}, path("model.pth"), _use_new_zipfile_serialization=False)
report["small"] = [[k, describe(v)] for k, v in small.items()]
torch.save([torch.ones(1)], path("list_top.pth"))
torch.save({"epoch": 1, "state_dict": [1, 2]}, path("bad_wrapper.pth"))

# Tensor files: a strided view, in both formats.
torch.save(view, path("tensor.pth"))
torch.save(view, path("tensor_legacy.pth"), _use_new_zipfile_serialization=False)
report["view"] = describe(view)


# Hand-made tensors whose size, stride or offset may not fit their storage.
class FakeStorage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def crafted(file, offset, size, stride, numel=4, record_floats=4):
    f = io.BytesIO()
    Pickler(f, protocol=2).dump(FakeTensor(FakeStorage("0", numel), offset, size, stride))
    data = torch.arange(record_floats, dtype=torch.float32).numpy().tobytes()
    write_zip(file, f.getvalue(), {"0": data})


crafted("ok_crafted.pth", 0, (2, 2), (1, 2))
report["ok_crafted"] = describe(torch.arange(4, dtype=torch.float32).as_strided((2, 2), (1, 2)))
crafted("oob_size.pth", 0, (10,), (1,))
crafted("oob_stride.pth", 0, (2, 2), (3, 1))
crafted("oob_offset.pth", 4, (1,), (1,))
crafted("oob_record.pth", 0, (100,), (1,), numel=100)


# Files that name code.
class Evil:
    def __reduce__(self):
        return (os.system, ("true",))


class EvalReduce:
    def __reduce__(self):
        return (eval, ("1+1",))


class GetattrReduce:
    def __reduce__(self):
        return (getattr, (1, "real"))


torch.save({"x": torch.ones(1), "y": Evil()}, path("evil_posix.pth"))
torch.save({"x": torch.ones(1), "y": Evil()}, path("evil_posix_legacy.pth"),
           _use_new_zipfile_serialization=False)
write_zip("evil_os.pth", b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.")
write_zip("evil_eval.pth", pickle.dumps(EvalReduce(), protocol=4))
write_zip("evil_getattr.pth", pickle.dumps(GetattrReduce(), protocol=2))
with open(path("evil_eval_legacy.pth"), "wb") as f:
    f.write(legacy_stream(pickle.dumps(EvalReduce(), protocol=4)))
torch.save({"best": np.float64(1.5)}, path("numpy.pth"))
report["posix_global"] = os.system.__module__ + ".system"
numpy_reducer = np.float64(1.5).__reduce__()[0]
report["numpy_global"] = numpy_reducer.__module__ + "." + numpy_reducer.__name__

# Damaged files.
with open(path("sd_zip.pth"), "rb") as f:
    zipped = f.read()
with open(path("sd_legacy.pth"), "rb") as f:
    legacy = f.read()
for name, data in {"trunc_zip_half.pth": zipped[: len(zipped) // 2],
                   "trunc_zip_tail.pth": zipped[:-10],
                   "trunc_legacy_data.pth": legacy[:-10],
                   "trunc_legacy_pickle.pth": legacy[:300],
                   "garbage.pth": b"hello, this is not a weights file\n",
                   "empty.pth": b"",
                   "plain_pickle.pth": pickle.dumps({"a": 1}, protocol=2)}.items():
    with open(path(name), "wb") as f:
        f.write(data)

# sd_zip.pth repacked with its records compressed and its first storage followed by 8 MiB of
# zeros: a few kilobytes that inflate to 8 MiB (torch.save itself never compresses).
with zipfile.ZipFile(path("sd_zip.pth")) as source, \
        zipfile.ZipFile(path("deflated.pth"), "w", zipfile.ZIP_DEFLATED) as z:
    padded = False
    for info in source.infolist():
        data = source.read(info.filename)
        if "/data/" in info.filename and not padded:
            data += bytes(8 << 20)
            padded = True
        # The version record stays stored, as PyTorch's reader wants it.
        stored = info.filename.endswith("/version")
        z.writestr(info.filename, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
report["deflated"] = {k: describe(v) for k, v in torch.load(path("deflated.pth")).items()}

print(json.dumps(report))
