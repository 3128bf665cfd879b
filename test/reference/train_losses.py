"""PyTorch reference values of the engine's losses: loss and d loss / d prediction for each request.

Run with /usr/bin/python3. Request JSON list on stdin, each:
  {"kind": "cross-entropy"|"masked-lm"|"bce-with-logits"|"mse"|"cosine-similarity"|"span", "pred": nested list, "labels": nested list,
   "class_weights"?, "label_smoothing"?, "ignore_index"?, "pos_weight"?}
Reply: list of {"loss": float, "grad": flat list}. float64 throughout, so differences are the engine's.
"""
import json
import sys

import torch
from torch import nn


def run(r):
    pred = torch.tensor(r["pred"], dtype=torch.float64, requires_grad=True)
    kind = r["kind"]
    if kind in ("cross-entropy", "masked-lm"):
        w = torch.tensor(r["class_weights"], dtype=torch.float64) if r.get("class_weights") else None
        labels = torch.tensor(r["labels"], dtype=torch.long)
        loss = nn.functional.cross_entropy(pred.reshape(-1, pred.shape[-1]), labels.reshape(-1), weight=w,
                                           ignore_index=r.get("ignore_index", -100), label_smoothing=r.get("label_smoothing", 0.0))
    elif kind == "bce-with-logits":
        pw = torch.tensor(r["pos_weight"], dtype=torch.float64) if r.get("pos_weight") else None
        loss = nn.functional.binary_cross_entropy_with_logits(pred, torch.tensor(r["labels"], dtype=torch.float64), pos_weight=pw)
    elif kind == "mse":
        labels = torch.tensor(r["labels"], dtype=torch.float64)
        loss = nn.functional.mse_loss(pred.squeeze(), labels.squeeze()) if pred.shape[-1] == 1 else nn.functional.mse_loss(pred, labels)
    elif kind == "cosine-similarity":
        # sentence-transformers CosineSimilarityLoss over pairs laid out as [u_1..u_P, v_1..v_P]
        p = pred.shape[0] // 2
        cos = torch.cosine_similarity(pred[:p], pred[p:])
        loss = nn.functional.mse_loss(cos, torch.tensor(r["labels"], dtype=torch.float64))
    elif kind == "span":
        # HF *ForQuestionAnswering: pred [B, S, 2], labels [B, 2]; positions clamped to [0, S], S ignored.
        start, end = (t.squeeze(-1) for t in pred.split(1, dim=-1))
        labels = torch.tensor(r["labels"], dtype=torch.long)
        s = start.size(1)
        ce = nn.CrossEntropyLoss(ignore_index=s)
        loss = (ce(start, labels[:, 0].clamp(0, s)) + ce(end, labels[:, 1].clamp(0, s))) / 2
    else:
        raise SystemExit(f"unknown loss {kind}")
    loss.backward()
    return {"loss": loss.item(), "grad": pred.grad.reshape(-1).tolist()}


if __name__ == "__main__":
    json.dump([run(r) for r in json.load(sys.stdin)], sys.stdout)
