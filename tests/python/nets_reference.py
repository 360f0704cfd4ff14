"""torchvision's ResNets as the reference for ResLab's: state_dict keys and shapes, and the
parameters held by shortcut projections (so a plain twin's count follows from torchvision's)."""
import json
import sys

import torchvision

out = {"keys": {}, "downsample_params": {}, "params": {}}
for arch in sys.argv[1:]:
    net = getattr(torchvision.models, arch)()
    out["keys"][arch] = [[k, list(v.shape)] for k, v in net.state_dict().items()]
    out["params"][arch] = sum(p.numel() for p in net.parameters())
    out["downsample_params"][arch] = sum(
        p.numel() for n, p in net.named_parameters() if ".downsample." in n)
print(json.dumps(out))
