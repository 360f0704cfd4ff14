"""References for ResLab's ONNX export (tests/test_onnx.cpp).

weights ARCH PTH            torchvision's ARCH, seeded, with every batch norm's scale, shift and
                            statistics drawn at random too (fresh ones are all ones and zeros,
                            which torch.onnx.export would fold into one shared initializer).
check FILE...               onnx.checker (full check, shape inference included) on each file;
                            prints one JSON line per file: {"file", "nodes", "ops"}.
torchvision ARCH PTH OURS   torch.onnx.export of torchvision's ARCH with the weights PTH (opset
                            13, eval, batch norm kept as a node, no constant folding) beside
                            OURS: the same operators in the same order and equal initializers.
                            Prints {"ops": N, "initializers": M} or exits 1 saying what differs.
run MODEL INPUT OUTPUT      evaluates MODEL's nodes one by one with plain PyTorch functional ops
                            on the tensor INPUT (torch.load) and saves the logits to OUTPUT.
"""
import io
import json
import sys

import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F
import torchvision


def check(files):
    for path in files:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        print(json.dumps({"file": path, "nodes": len(model.graph.node),
                          "ops": sorted({n.op_type for n in model.graph.node})}))


def weights(arch, pth):
    torch.manual_seed(0)
    net = getattr(torchvision.models, arch)()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    torch.save(net.state_dict(), pth)


def torchvision_export(arch, pth, ours_path):
    net = getattr(torchvision.models, arch)().eval()
    net.load_state_dict(torch.load(pth))
    buffer = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, 3, 224, 224), buffer, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"])
    theirs = onnx.load_from_string(buffer.getvalue())
    ours = onnx.load(ours_path)
    ops_theirs = [n.op_type for n in theirs.graph.node]
    ops_ours = [n.op_type for n in ours.graph.node]
    if ops_theirs != ops_ours:
        for i, (a, b) in enumerate(zip(ops_theirs, ops_ours)):
            if a != b:
                sys.exit(f"operator {i} differs: torch.onnx.export has {a}, ResLab {b}")
        sys.exit(f"{len(ops_theirs)} operators from torch.onnx.export, {len(ops_ours)} from ResLab")
    init_theirs = {t.name: onnx.numpy_helper.to_array(t) for t in theirs.graph.initializer}
    init_ours = {t.name: onnx.numpy_helper.to_array(t) for t in ours.graph.initializer}
    # torch.onnx.export names weights after the state dict; ResLab names its own the same way.
    # Batch norm's step counter is no input of any node, so neither file holds it.
    if set(init_theirs) != set(init_ours):
        sys.exit(f"initializers differ: only in torch.onnx.export: "
                 f"{sorted(set(init_theirs) - set(init_ours))[:5]}, only in ResLab: "
                 f"{sorted(set(init_ours) - set(init_theirs))[:5]}")
    for name, value in init_theirs.items():
        if value.shape != init_ours[name].shape or not (value == init_ours[name]).all():
            sys.exit(f"initializer {name} differs")
    print(json.dumps({"ops": len(ops_ours), "initializers": len(init_ours)}))


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run(model_path, input_path, output_path):
    model = onnx.load(model_path)
    values = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy())
              for t in model.graph.initializer}
    values[model.graph.input[0].name] = torch.load(input_path).float()
    for node in model.graph.node:
        a = attributes(node)
        x = [values[name] for name in node.input]
        op = node.op_type
        if op == "Conv":
            pads = a["pads"]
            assert pads[:2] == pads[2:], "asymmetric padding"
            y = F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, stride=a["strides"],
                         padding=pads[:2], dilation=a["dilations"], groups=a["group"])
        elif op == "BatchNormalization":
            y = F.batch_norm(x[0], x[3], x[4], x[1], x[2], training=False, eps=a["epsilon"])
        elif op == "Relu":
            y = F.relu(x[0])
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "MaxPool":
            y = F.max_pool2d(x[0], a["kernel_shape"], a["strides"], a["pads"][:2])
        elif op == "Slice":
            data, starts, ends, axes, steps = x[0], x[1], x[2], x[3], x[4]
            index = [slice(None)] * data.dim()
            for s, e, ax, st in zip(starts.tolist(), ends.tolist(), axes.tolist(), steps.tolist()):
                index[ax] = slice(s, min(e, data.shape[ax]), st)
            y = data[tuple(index)]
        elif op == "Pad":
            p = x[1].tolist()  # ONNX: begin of every axis, then end of every axis
            n = len(p) // 2
            torch_pads = []
            for axis in reversed(range(n)):  # F.pad: last axis first, (begin, end) pairs
                torch_pads += [p[axis], p[axis + n]]
            y = F.pad(x[0], torch_pads)
        elif op == "GlobalAveragePool":
            y = x[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Flatten":
            y = torch.flatten(x[0], a["axis"])
        elif op == "Gemm":
            assert a.get("transB", 0) == 1 and a.get("transA", 0) == 0
            y = a.get("alpha", 1.0) * x[0] @ x[1].t() + a.get("beta", 1.0) * x[2]
        else:
            sys.exit(f"no interpreter for {op}")
        values[node.output[0]] = y
    torch.save(values[model.graph.output[0].name], output_path)


if __name__ == "__main__":
    with torch.no_grad():
        if sys.argv[1] == "weights":
            weights(*sys.argv[2:4])
        elif sys.argv[1] == "check":
            check(sys.argv[2:])
        elif sys.argv[1] == "torchvision":
            torchvision_export(*sys.argv[2:5])
        elif sys.argv[1] == "run":
            run(*sys.argv[2:5])
        else:
            sys.exit(__doc__)
