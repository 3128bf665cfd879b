"""PyTorch reference for the optimizer graphs: applies torch.optim.AdamW / SGD to given gradients.

Run with /usr/bin/python3. Request JSON on stdin:
  {"optimizer": "adamw"|"sgd", "params": {name: {"shape", "data"}}, "grads": [{name: flat list} per step], "lrs": [...],
   "weight_decay", "no_decay": [names], "betas"?, "eps"?, "momentum"?, "max_grad_norm" (0 = none), "lr_multipliers"?, "grad_scale"?}
Reply: {"params": {name: flat list}, "grad_norms": [...]}. float64, so differences are the engine's.
"""
import json
import sys

import torch

req = json.load(sys.stdin)
params = {n: torch.tensor(p["data"], dtype=torch.float64).reshape(p["shape"]).requires_grad_() for n, p in req["params"].items()}
mult = req.get("lr_multipliers", {})
groups = [{"params": [p], "weight_decay": 0.0 if n in req["no_decay"] else req["weight_decay"], "mult": mult.get(n, 1.0)} for n, p in params.items()]
if req["optimizer"] == "adamw":
    opt = torch.optim.AdamW(groups, lr=req["lrs"][0], betas=tuple(req.get("betas", [0.9, 0.999])), eps=req.get("eps", 1e-8))
else:
    opt = torch.optim.SGD(groups, lr=req["lrs"][0], momentum=req.get("momentum", 0.0))
norms = []
for step, lr in enumerate(req["lrs"]):
    for g in opt.param_groups:
        g["lr"] = lr * g["mult"]
    for n, p in params.items():
        p.grad = torch.tensor(req["grads"][step][n], dtype=torch.float64).reshape(p.shape) * req.get("grad_scale", 1.0)
    if req.get("max_grad_norm", 0) > 0:
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), req["max_grad_norm"])))
    else:
        norms.append(float(torch.norm(torch.stack([p.grad.norm() for p in params.values()]))))
    opt.step()
json.dump({"params": {n: p.detach().reshape(-1).tolist() for n, p in params.items()}, "grad_norms": norms}, sys.stdout)
