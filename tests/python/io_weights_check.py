"""For test_weights: loads with torch.load what the C++ side wrote into a folder, writes the
fixtures the C++ side loads next, and prints what PyTorch says about both as one JSON object.
Usage: io_weights_check.py <folder>"""
import collections
import json
import os
import sys

import torch

folder = sys.argv[1]
torch.manual_seed(1)


def path(name):
    return os.path.join(folder, name)


def describe(t):
    values = t.double().flatten().tolist() if t.is_floating_point() else t.flatten().tolist()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": values}


def small_net():
    # The same net test_weights builds in C++: Sequential(Conv2d(3, 4, 3, bias=False), BatchNorm2d(4)).
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4))


report = {}

# What the C++ side wrote.
sd = torch.load(path("cpp_sd.pth"))
report["cpp_sd_type"] = type(sd).__name__
report["cpp_sd"] = [[k, describe(v)] for k, v in sd.items()]
report["cpp_tensor"] = describe(torch.load(path("cpp_tensor.pth")))
net = small_net()
result = net.load_state_dict(torch.load(path("cpp_net.pth")), strict=True)
report["cpp_net_loaded"] = not result.missing_keys and not result.unexpected_keys
report["cpp_net"] = [[k, describe(v)] for k, v in net.state_dict().items()]

# Fixtures for the C++ side: a trained-looking state_dict, also as DataParallel saves it.
net = small_net()
net.train()
for _ in range(3):
    net(torch.randn(2, 3, 6, 6))
state = net.state_dict()
report["py_net_keys"] = list(state.keys())
report["py_net"] = [[k, describe(v)] for k, v in state.items()]
torch.save(state, path("py_net.pth"))
wrapped = collections.OrderedDict(("module." + k, v) for k, v in state.items())
torch.save(wrapped, path("py_net_dp.pth"), _use_new_zipfile_serialization=False)

print(json.dumps(report))
