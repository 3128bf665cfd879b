"""Fine-tunes a fixture model for extractive QA in PyTorch (the HF-named reference model of bert_reference.py with a
2-way token head as HF's qa_outputs) on features made by the engine's qaFeatures, and returns the evaluation
features' start/end logits. It checks that the QA fixtures are learnable and that features, labels and
postprocessing agree end to end, before the ONNX QA head exists to do the same in the engine.

Run with /usr/bin/python3 (Debian python3-torch), OMP_NUM_THREADS=2. Request JSON on stdin:
  {"model_dir", "train": [{"ids", "typeIds", "start", "end"}], "eval": [{"ids", "typeIds"}], "epochs", "lr",
   "batch_size", "pad_id", "seed"}
Reply: {"losses": [mean loss per epoch], "start": [[...]], "end": [[...]]} (eval logits, each row its feature's length).
HF semantics: loss = (CE(start) + CE(end)) / 2 over the sequence, AdamW, linear decay, no dropout (deterministic).
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import build_model, hf_state_dict_names  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402


def batch(rows, pad_id):
    seq = max(len(r["ids"]) for r in rows)
    ids = torch.full((len(rows), seq), pad_id, dtype=torch.long)
    types = torch.zeros((len(rows), seq), dtype=torch.long)
    mask = torch.zeros((len(rows), seq), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["ids"])
        ids[i, :n] = torch.tensor(r["ids"])
        types[i, :n] = torch.tensor(r["typeIds"])
        mask[i, :n] = 1
    return ids, mask, types


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    req = json.load(sys.stdin)
    torch.manual_seed(req.get("seed", 0))
    with open(os.path.join(req["model_dir"], "config.json")) as f:
        c = json.load(f)
    c["id2label"] = {"0": "start", "1": "end"}
    model = build_model(c, "token-classification")
    weights = load_safetensors(os.path.join(req["model_dir"], "model.safetensors"))
    with torch.no_grad():
        for name, p in hf_state_dict_names(model).items():
            if name in weights and tuple(weights[name].shape) == tuple(p.shape):
                p.copy_(weights[name].to(torch.float32))
            elif name.startswith("classifier."):
                p.normal_(0, 0.02) if name.endswith("weight") else p.zero_()
    model.eval()  # no dropout
    train, pad_id, bs = req["train"], req["pad_id"], req.get("batch_size", 16)
    steps = req["epochs"] * ((len(train) + bs - 1) // bs)
    opt = torch.optim.AdamW(model.parameters(), lr=req["lr"], weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
    ce = nn.CrossEntropyLoss()
    losses = []
    for _ in range(req["epochs"]):
        order = torch.randperm(len(train)).tolist()
        total, n = 0.0, 0
        for k in range(0, len(order), bs):
            rows = [train[i] for i in order[k:k + bs]]
            ids, mask, types = batch(rows, pad_id)
            logits = model(ids, mask, types)
            # Padding positions may not win: HF leaves them in, but they carry no label and the mask keeps them inert.
            start, end = logits[..., 0], logits[..., 1]
            loss = (ce(start, torch.tensor([r["start"] for r in rows])) + ce(end, torch.tensor([r["end"] for r in rows]))) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(rows)
            n += len(rows)
        losses.append(total / n)
    out = {"losses": losses, "start": [], "end": []}
    with torch.no_grad():
        for k in range(0, len(req["eval"]), 64):
            rows = req["eval"][k:k + 64]
            logits = model(*batch(rows, pad_id))
            for i, r in enumerate(rows):
                out["start"].append(logits[i, :len(r["ids"]), 0].tolist())
                out["end"].append(logits[i, :len(r["ids"]), 1].tolist())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
