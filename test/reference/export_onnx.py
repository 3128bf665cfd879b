"""torch.onnx export of the HF-named reference model, to check that scripts/fixtures/optimumExport.ts names and lays
out weights as a real torch.onnx (Optimum) export does.

Usage: /usr/bin/python3 export_onnx.py MODEL_DIR TASK OUT.onnx   (TASK: text-classification | feature-extraction)
text-classification exports the *ForSequenceClassification (output logits); feature-extraction the bare model
(state_dict names without the "bert." prefix, output last_hidden_state), as `optimum-cli export onnx --task` does.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import TaskModel, hf_state_dict_names  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402


def main():
    model_dir, task, out = sys.argv[1:4]
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    head = "sequence-classification" if task == "text-classification" else "sentence-embedding"
    model = TaskModel(c, head)
    weights = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    with torch.no_grad():
        for name, p in hf_state_dict_names(model).items():
            src = name if name in weights else next(k for k in weights if k.endswith("." + name))
            p.copy_(weights[src].to(torch.float32))
    # DistilBERT and RoBERTa exports take no token_type_ids (as Optimum's): the task model's forward defaults it.
    TaskModel.forward.__defaults__ = (None,)
    module = model if head == "sequence-classification" else model.base
    module.eval()
    ids = torch.tensor([[2, 134, 150, 136, 3, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0]])
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if c["model_type"] not in ("distilbert", "roberta", "xlm-roberta", "camembert") else [])
    args = (ids, mask, torch.zeros_like(ids)) if "token_type_ids" in names else (ids, mask)
    output = "logits" if head == "sequence-classification" else "last_hidden_state"
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    axes[output] = {0: "batch_size"} if output == "logits" else {0: "batch_size", 1: "sequence_length"}
    torch.onnx.export(module, args, out, input_names=names, output_names=[output], dynamic_axes=axes, opset_version=14, do_constant_folding=True)


if __name__ == "__main__":
    main()
