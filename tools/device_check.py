#!/usr/bin/env python3
"""The checks tools/device-check runs on a GPU machine, after it has built reslab-cli there.

Each check prints what it measured and PASS or FAIL; a failed check does not stop the others. The
exit status is the number of failures. Python's torch on the same GPU is the reference.

usage: tools/device_check.py path/to/reslab-cli [--quick | --rehearse]

--rehearse runs every check on the CPU at a small size, for a machine without a GPU: it tries the
script, the CLI calls and the PyTorch references before a GPU's few minutes are spent on them. Its
figures are not GPU figures, and the CUDA graph's check is skipped.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import degradation_speed  # noqa: E402  (the notebook-style reference loop)

failures = []
DEVICE = "cuda"  # "cpu" in a rehearsal


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def report(name, ok, detail):
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
    if not ok:
        failures.append(name)


def cli(*args, env=None, check=True):
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise RuntimeError(f"reslab-cli {' '.join(map(str, args))} exited {p.returncode}: {p.stderr[-2000:]}")
    return p


def metrics(folder):
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def check(name, fn):
    try:
        fn()
    except Exception as e:  # a broken check is a failed check, and the others still run
        report(name, False, f"{type(e).__name__}: {e}")


def parity(tmp):
    """torchvision's resnet50 and ResLab's on the same weights and input, on the GPU and the CPU."""
    import torchvision
    weights, x_path, y_path = (os.path.join(tmp, n) for n in ("w.pth", "x.pt", "y.pt"))
    cli("init", "--arch", "resnet50", "--seed", 3, "--out", weights)
    net = torchvision.models.resnet50()
    net.load_state_dict(torch.load(weights, weights_only=True))
    torch.manual_seed(0)
    x = torch.randn(4, 3, 224, 224)
    torch.save(x, x_path)
    for device in dict.fromkeys((DEVICE, "cpu")):
        with torch.no_grad():
            ref = net.to(device).eval()(x.to(device)).cpu()
        cli("predict", "--arch", "resnet50", "--weights", weights, "--input-tensor", x_path,
            "--output-tensor", y_path, "--device", device)
        ours = torch.load(y_path, weights_only=True)
        diff = (ours - ref).abs().max().item()
        scale = ref.abs().max().item()
        # TF32 convolutions on the GPU (on by default in cuDNN) round to 10 mantissa bits.
        tol = 2e-2 * scale if device == "cuda" else 1e-4 * scale
        report(f"parity resnet50 on {device}", diff <= tol, f"max |ResLab - torchvision| {diff:.3g} (logits up to {scale:.3g})")


def trainer(tmp):
    """A short run on the GPU learns, is repeatable, and a stopped run resumes to the same end."""
    args = ["train", "--device", DEVICE, "--arch", "resnet20", "--dataset", "synthetic", "--steps", 60,
            "--batch", 64, "--record-every", 5, "--eval-every", 20, "--probe-every", 20, "--seed", 1, "--quiet"]
    a, b, c, d = (os.path.join(tmp, n) for n in ("a", "b", "eager", "resumed"))
    p = cli(*args, "--out", a)
    graph_note = [line for line in p.stderr.splitlines() if "CUDA graph" in line]
    print("      " + (graph_note[0] if graph_note else "no CUDA graph note from reslab-cli"))
    if DEVICE == "cuda":
        report("CUDA graph captured", any("replayed" in line for line in graph_note),
               graph_note[0] if graph_note else "reslab-cli said nothing about a graph")
    else:
        report("no CUDA graph off the GPU", not graph_note, "no note, as a CPU run should give")
    ra = metrics(a)
    train = [r for r in ra if r["kind"] == "train"]
    evals = [r for r in ra if r["kind"] == "eval"]
    report(f"training on {DEVICE} learns", train[0]["loss"] > 1.5 * train[-1]["loss"] and evals[-1]["test_error"] < 0.5,
           f"loss {train[0]['loss']:.3f} -> {train[-1]['loss']:.3f}, test error {100 * evals[-1]['test_error']:.1f}%")

    def numbers(records):
        keep = ("kind", "step", "loss", "error", "lr", "test_loss", "test_error", "grad_norm")
        return [{k: r.get(k) for k in keep} for r in records]

    cli(*args, "--out", b)
    report(f"the same seed twice on {DEVICE}", numbers(metrics(b)) == numbers(ra),
           "records identical" if numbers(metrics(b)) == numbers(ra) else "records differ (non-deterministic kernels?)")
    env = dict(os.environ, RESLAB_NO_CUDA_GRAPH="1")
    cli(*args, "--out", c, env=env)
    eager = [r for r in metrics(c) if r["kind"] == "train"]
    worst = max(abs(x["loss"] - y["loss"]) for x, y in zip(train, eager))
    report("graph replay equals eager steps" if DEVICE == "cuda" else "RESLAB_NO_CUDA_GRAPH changes nothing off the GPU",
           worst <= 1e-3 * max(1.0, train[-1]["loss"]),
           f"largest loss difference over {len(eager)} records: {worst:.3g}")
    # Stopped part-way (SIGINT after some records), then resumed.
    proc = subprocess.Popen([CLI, *map(str, args), "--out", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and (not os.path.exists(os.path.join(d, "metrics.jsonl")) or len(metrics(d)) < 6):
        time.sleep(0.01)
    proc.send_signal(2)
    proc.wait()
    cli("resume", d, "--quiet")
    resumed = numbers(metrics(d))
    report(f"stop and resume on {DEVICE}", resumed == numbers(ra),
           "records equal the uninterrupted run's" if resumed == numbers(ra) else "records differ from the uninterrupted run")


def resnet_speed(steps, arch="resnet50", batch=256, side=224):
    """Training images/s of a net (resnet50 at 224 x 224, batch 256 on the GPU), bfloat16 and float32,
    channels-last: ResLab's bench against PyTorch eager."""
    import torchvision
    shape = f"{side}x{side} batch {batch}"
    for precision in ("bfloat16", "float32"):
        out = cli("bench", "--device", DEVICE, "--arch", arch, "--batch", batch, "--input-size", side,
                  "--in-channels", 3, "--precision", precision, "--steps", steps).stdout
        ours = float(out.split("images/s")[0].split()[-1])
        net = getattr(torchvision.models, arch)(num_classes=10).to(DEVICE).to(memory_format=torch.channels_last)
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        x = torch.randn(batch, 3, side, side, device=DEVICE).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, 10, (batch,), device=DEVICE)
        times = []
        for i in range(steps + 3):
            sync()
            t0 = time.perf_counter()
            with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=precision == "bfloat16"):
                loss = F.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sync()
            if i >= 3:
                times.append(time.perf_counter() - t0)
        theirs = batch / statistics.median(times)
        print(f"      {arch} {shape} {precision} channels-last on {DEVICE}: ResLab {ours:.0f} img/s, "
              f"PyTorch eager {theirs:.0f} img/s, ratio {ours / theirs:.2f}", flush=True)
        report(f"{arch} {precision} speed", ours > 0, f"ratio {ours / theirs:.2f}")


def preset_speed(steps):
    """The degradation preset on the device (synthetic data of Fashion-MNIST's size) against a notebook."""
    with tempfile.TemporaryDirectory() as folder:
        ours, specs = degradation_speed.reslab_experiment(CLI, steps, folder, ["--device", DEVICE, "--dataset", "synthetic"])
    theirs = degradation_speed.python_experiment(specs, os.cpu_count(), degradation_speed.FASHION, DEVICE)
    print(f"      degradation preset, {steps} steps on {DEVICE}: ResLab {ours:.1f} s, PyTorch eager {theirs:.1f} s, "
          f"ratio {theirs / ours:.2f}", flush=True)
    report(f"degradation preset on {DEVICE}", ours > 0, f"{theirs / ours:.2f}x PyTorch eager")


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv[1])
    quick = "--quick" in sys.argv
    if "--rehearse" in sys.argv:
        DEVICE = "cpu"
        print(f"device_check: a rehearsal on the CPU, torch {torch.__version__}: these are not GPU figures", flush=True)
    elif not torch.cuda.is_available():
        print("device_check: torch sees no GPU (--rehearse runs the checks on the CPU)")
        sys.exit(1)
    else:
        print(f"device_check: {torch.cuda.get_device_name()}, torch {torch.__version__}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        check("parity", lambda: parity(tmp))
        check("trainer", lambda: trainer(tmp))
    if DEVICE == "cpu":
        check("resnet speed", lambda: resnet_speed(4, "resnet18", batch=2, side=32))
        check("degradation speed", lambda: preset_speed(20))
    else:
        check("resnet50 speed", lambda: resnet_speed(10 if quick else 30))
        check("degradation speed", lambda: preset_speed(100 if quick else 300))
    print(f"device_check: {len(failures)} failed" + (f": {', '.join(failures)}" if failures else ""))
    sys.exit(len(failures))
