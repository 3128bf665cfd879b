"""PyTorch reference training loop for the engine's artifacts: the hand-written HF-named model of bert_reference.py,
torch.optim.AdamW with the HF Trainer's decay/no-decay parameter groups, clip_grad_norm_, a per-step learning rate.

Run with /usr/bin/python3 (Debian python3-torch), OMP_NUM_THREADS=2. Request JSON on stdin:
  {"model_dir", "weights", "head", "problem_type"?, "config_overrides"?,
   "trainable": [names] (others frozen), "batches": [{"input_ids", "attention_mask", "token_type_ids"?, "labels"}],
   "lrs": [lr per step] (step i uses batches[i % len(batches)]), "weight_decay", "betas": [b1, b2], "eps",
   "max_grad_norm" (0 = none), "lr_multipliers"?: {name: m}}
Reply: {"losses": [...], "grad_norms": [...], "params": {name: flat list}} (params after the last step).
"""
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import build_model, hf_loss, hf_state_dict_names  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402


def no_decay(name):
    n = name.lower()
    return "bias" in n or re.search(r"(layernorm|layer_norm|rmsnorm)", n) is not None or n.endswith("norm.weight")


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    req = json.load(sys.stdin)
    with open(os.path.join(req["model_dir"], "config.json")) as f:
        c = json.load(f)
    c.update(req.get("config_overrides", {}))
    head = req.get("head", "sequence-classification")
    model = build_model(c, head)
    weights = load_safetensors(req["weights"])
    params = hf_state_dict_names(model)
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(weights[name].to(torch.float32))
    model = model.eval()  # no dropout: the artifacts under test are built without it
    trainable = set(req["trainable"])
    for name, p in params.items():
        p.requires_grad_(name in trainable)
    mult = req.get("lr_multipliers", {})
    groups = []
    for name in req["trainable"]:
        groups.append({"params": [params[name]], "weight_decay": 0.0 if no_decay(name) else req["weight_decay"], "mult": mult.get(name, 1.0)})
    opt = torch.optim.AdamW(groups, lr=req["lrs"][0], betas=tuple(req.get("betas", [0.9, 0.999])), eps=req.get("eps", 1e-8))
    problem_type = req.get("problem_type") or c.get("problem_type") or "single_label_classification"
    losses, norms = [], []
    batches = req["batches"]
    for step, lr in enumerate(req["lrs"]):
        b = batches[step % len(batches)]
        for g in opt.param_groups:
            g["lr"] = lr * g["mult"]
        ids = torch.tensor(b["input_ids"], dtype=torch.long)
        mask = torch.tensor(b["attention_mask"], dtype=torch.long)
        types = torch.tensor(b["token_type_ids"], dtype=torch.long) if b.get("token_type_ids") is not None else None
        opt.zero_grad()
        out = model(ids, mask, types)
        loss = hf_loss(head, problem_type, out, torch.tensor(b["labels"]), c)
        loss.backward()
        trained = [params[n] for n in req["trainable"]]
        if req.get("max_grad_norm", 0) > 0:
            norm = torch.nn.utils.clip_grad_norm_(trained, req["max_grad_norm"])
        else:
            norm = torch.norm(torch.stack([p.grad.norm() for p in trained]))
        opt.step()
        losses.append(loss.item())
        norms.append(float(norm))
    json.dump({"losses": losses, "grad_norms": norms, "params": {n: params[n].detach().reshape(-1).tolist() for n in req["trainable"]}}, sys.stdout)


if __name__ == "__main__":
    main()
