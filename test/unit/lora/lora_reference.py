"""PyTorch reference of a LoRA fine-tuning step: the hand-written HF task models of test/reference/bert_reference.py
with each adapted nn.Linear wrapped in a hand-written LoRA linear with PEFT's semantics (peft/tuners/lora/layer.py
Linear.forward without dropout):
    y = base(x) + lora_B(lora_A(x)) * scaling = x W^T + b + s * (x A^T) B^T,   s = alpha / r, or alpha / sqrt(r) (rsLoRA)
in float64, the base weights frozen, lora_A / lora_B and the saved modules trainable; HF's loss of the head, autograd.

Run with /usr/bin/python3 (Debian python3-torch). Request: a JSON list on stdin, each
  {"model_dir", "weights": safetensors with every parameter plus "<module>.lora_A.weight" [r, in] / ".lora_B.weight" [out, r],
   "head", "config_overrides", "problem_type"?, "input_ids", "attention_mask", "token_type_ids" (or null), "labels",
   "lora": {"modules": [...], "rank", "alpha", "use_rslora"}, "trainable": [parameter names, PEFT names for the factors]}
Reply: a list of {"loss": float, "grads": {name: {"shape", "data"}}} for the trainable parameters.
"""
import json
import math
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "test", "reference"))
from bert_reference import build_model, hf_loss, hf_state_dict_names  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402


class LoraLinear(nn.Module):
    """PEFT's lora.Linear: the frozen base layer plus the scaled low-rank path (lora_A: in -> r, lora_B: r -> out)."""

    def __init__(self, base, rank, alpha, use_rslora):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.Linear(base.in_features, rank, bias=False)
        self.lora_B = nn.Linear(rank, base.out_features, bias=False)
        self.scaling = alpha / math.sqrt(rank) if use_rslora else alpha / rank

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(x)) * self.scaling


def module_at(root, dotted):
    m = root
    for part in dotted.split("."):
        m = m[int(part)] if part.isdigit() else getattr(m, part)
    return m


def parent_and_leaf(root, dotted):
    head, _, leaf = dotted.rpartition(".")
    return (module_at(root, head) if head else root), leaf


def peft_name(name):
    """state-dict name -> the name PEFT saves (and our graph uses): the wrapped base keeps its original name."""
    return name.replace(".base_layer.", ".")


def run(req):
    torch.manual_seed(0)
    with open(os.path.join(req["model_dir"], "config.json")) as f:
        c = json.load(f)
    c.update(req.get("config_overrides") or {})
    head = req["head"]
    model = build_model(c, head)
    weights = load_safetensors(req["weights"])
    params = hf_state_dict_names(model)
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(weights[name].to(torch.float32))
    lora = req["lora"]
    for module in lora["modules"]:
        # HF prefixes (bert., roberta., ...) are attribute names of the task model; a bare model's encoder sits at "base".
        parent, leaf = parent_and_leaf(model, module)
        base = getattr(parent, leaf)
        if not isinstance(base, nn.Linear):
            raise SystemExit(f"reference: {module} is a {type(base).__name__}, not an nn.Linear")
        wrapped = LoraLinear(base, lora["rank"], lora["alpha"], lora["use_rslora"])
        with torch.no_grad():
            wrapped.lora_A.weight.copy_(weights[f"{module}.lora_A.weight"])
            wrapped.lora_B.weight.copy_(weights[f"{module}.lora_B.weight"])
        setattr(parent, leaf, wrapped)
    model = model.to(torch.float64).eval()  # eval: no dropout, as the graphs under test
    trainable = set(req["trainable"])
    named = {peft_name(k): v for k, v in hf_state_dict_names(model).items()}
    unknown = sorted(trainable - set(named))
    if unknown:
        raise SystemExit(f"reference: no parameters {unknown[:5]}")
    for name, p in named.items():
        p.requires_grad_(name in trainable)
    ids = torch.tensor(req["input_ids"], dtype=torch.long)
    mask = torch.tensor(req["attention_mask"], dtype=torch.long)
    types = torch.tensor(req["token_type_ids"], dtype=torch.long) if req.get("token_type_ids") is not None else None
    out = model(ids, mask, types)
    problem_type = req.get("problem_type") or c.get("problem_type") or "single_label_classification"
    loss = hf_loss(head, problem_type, out, torch.tensor(req["labels"]), c)
    loss.backward()
    grads = {n: {"shape": list(p.shape), "data": p.grad.reshape(-1).tolist()} for n, p in named.items() if n in trainable}
    return {"loss": loss.item(), "grads": grads}


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    json.dump([run(r) for r in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
