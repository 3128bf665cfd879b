"""PyTorch reference for the per-token task heads: XxxForTokenClassification and XxxForQuestionAnswering, loss and
every parameter's gradient, with Hugging Face semantics and HF parameter names.

Run with /usr/bin/python3 and OMP_NUM_THREADS=2. Request JSON list on stdin, each:
  {"model_dir": DIR, "weights": safetensors with the task model's tensors, "config_overrides": {...},
   "head": "token-classification"|"question-answering",
   "input_ids": [[..]], "attention_mask": [[..]], "token_type_ids": [[..]] or null,
   "labels": [[tag or -100, ..]] (token classification, [B, S]) or [[start, end], ..] (question answering, [B, 2])}
Reply: list of {"loss": float, "start_logits"?, "end_logits"?, "grads": {name: {"shape", "data"}}}.

The encoders come from bert_reference.py and its siblings (hand-written, HF names). The heads are written here:
  * BertForQuestionAnswering (and RoBERTa/ELECTRA/DistilBERT): qa_outputs = nn.Linear(hidden, 2) on the last hidden
    state. DistilBERT's dropout before it is inactive in eval mode, as every dropout here.
  * DeBERTa-v2 / MPNet / ModernBERT QA: their modules' token classifier built with 2 labels. In eval mode HF's QA heads
    are that same computation (DeBERTa-v2/MPNet: one Linear on the hidden state; ModernBERT: head → drop →
    classifier), only DeBERTa-v2 and MPNet name the Linear qa_outputs, so those names are mapped.
  * The span loss as HF's QA models compute it: start/end = logits.split(1, -1); positions clamped to [0, S];
    CrossEntropyLoss(ignore_index=S) for each; their mean.
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import BertLikeModel, DistilBertModel, HFTaskModel, build_model, hidden_size, hf_state_dict_names  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402

BERT_SHAPED = ("bert", "roberta", "xlm-roberta", "camembert", "distilbert", "electra")


class QuestionAnsweringModel(HFTaskModel):
    """BertForQuestionAnswering / RobertaForQuestionAnswering / ElectraForQuestionAnswering / DistilBertForQuestionAnswering."""

    def __init__(self, c):
        super().__init__()
        family = {"xlm-roberta": "roberta", "camembert": "roberta"}.get(c["model_type"], c["model_type"])
        # add_pooling_layer=False: the QA models have no pooler.
        base = DistilBertModel(c) if family == "distilbert" else BertLikeModel(c, family, pooler=False)
        self.set_encoder(family, base, "question-answering")
        self.qa_outputs = nn.Linear(hidden_size(c), 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.qa_outputs(self.encoder()(input_ids, attention_mask, token_type_ids))


def qa_model(c):
    """The QA model and a map from its parameter names to HF's."""
    if c["model_type"] in BERT_SHAPED:
        return QuestionAnsweringModel(c), {}
    c = dict(c, id2label={"0": "LABEL_0", "1": "LABEL_1"})
    model = build_model(c, "token-classification")
    renames = {} if c["model_type"] == "modernbert" else {"classifier.weight": "qa_outputs.weight", "classifier.bias": "qa_outputs.bias"}
    return model, renames


def span_loss(logits, positions):
    """HF's QuestionAnsweringModel loss (ForQuestionAnsweringLoss)."""
    start_logits, end_logits = (t.squeeze(-1) for t in logits.split(1, dim=-1))
    ignored = start_logits.size(1)
    start = positions[:, 0].clamp(0, ignored)
    end = positions[:, 1].clamp(0, ignored)
    ce = nn.CrossEntropyLoss(ignore_index=ignored)
    return (ce(start_logits, start) + ce(end_logits, end)) / 2, start_logits, end_logits


def run(req):
    torch.manual_seed(0)
    with open(os.path.join(req["model_dir"], "config.json")) as f:
        c = json.load(f)
    c.update(req.get("config_overrides", {}))
    head = req["head"]
    if head == "question-answering":
        model, renames = qa_model(c)
    elif head == "token-classification":
        model, renames = build_model(c, head), {}
    else:
        raise SystemExit(f"token_heads_reference: unknown head {head}")
    params = {renames.get(k, k): v for k, v in hf_state_dict_names(model).items()}
    weights = load_safetensors(req["weights"])
    missing = sorted(set(params) - set(weights))
    if missing:
        raise SystemExit(f"reference: weights lack {missing[:5]} ({len(missing)} missing)")
    with torch.no_grad():
        for name, p in params.items():
            if tuple(weights[name].shape) != tuple(p.shape):
                raise SystemExit(f"reference: {name} has shape {list(weights[name].shape)}, model expects {list(p.shape)}")
            p.copy_(weights[name].to(torch.float32))
    model = model.eval()  # eval: no dropout, so results are deterministic
    ids = torch.tensor(req["input_ids"], dtype=torch.long)
    mask = torch.tensor(req["attention_mask"], dtype=torch.long)
    types = torch.tensor(req["token_type_ids"], dtype=torch.long) if req.get("token_type_ids") is not None else None
    logits = model(ids, mask, types)
    labels = torch.tensor(req["labels"], dtype=torch.long)
    reply = {}
    if head == "question-answering":
        loss, start_logits, end_logits = span_loss(logits, labels)
        reply.update(start_logits=start_logits.tolist(), end_logits=end_logits.tolist())
    else:
        # XxxForTokenClassification: CrossEntropyLoss over [B·S, C], -100 ignored.
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    loss.backward()
    reply["loss"] = loss.item()
    reply["grads"] = {n: {"shape": list(p.shape), "data": p.grad.reshape(-1).tolist()} for n, p in params.items() if p.grad is not None}
    return reply


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    json.dump([run(r) for r in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
