"""Hand-written PyTorch reference for BERT, RoBERTa/XLM-R, DistilBERT, ELECTRA (and DeBERTa-v2/v3 in deberta_reference.py) with Hugging Face semantics and
HF parameter names (state_dict keys equal HF's), so the ONNX graphs can be checked against it: forward outputs,
losses and per-parameter gradients.

Run with /usr/bin/python3 (Debian python3-torch) and OMP_NUM_THREADS=2. Request JSON on stdin (or a file as argv[1]):
  {"model_dir": DIR, "weights": optional safetensors overriding DIR/model.safetensors,
   "head": "sequence-classification"|"token-classification"|"masked-lm"|"sentence-embedding",
   "mode": "forward"|"grad", "dtype": "float32"|"float64", "config_overrides": {...},
   "input_ids": [[..]], "attention_mask": [[..]], "token_type_ids": [[..]] (optional),
   "labels": [...] (grad mode; HF loss of the head and problem_type), or "grad_output": nested list (loss = sum(out*g))}
A JSON list of such requests gets a list of replies. Reply JSON on stdout: {"output": nested list, "shape": [...], "loss": float?, "grads": {name: {"shape", "data"}}?}
"""
import json
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_safetensors  # noqa: E402


def activation(name):
    if name == "gelu":
        return lambda x: nn.functional.gelu(x)  # exact erf GELU
    if name == "gelu_new":
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "relu":
        return nn.functional.relu
    raise ValueError(f"unsupported activation {name}")


def extended_mask(mask, dtype):
    # HF get_extended_attention_mask: [B, 1, 1, S], (1 - m) * finfo.min
    m = mask[:, None, None, :].to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


# ---------------- BERT / RoBERTa / ELECTRA encoder ----------------

class Embeddings(nn.Module):
    def __init__(self, c, size, roberta=False):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], size)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], size)
        self.token_type_embeddings = nn.Embedding(c.get("type_vocab_size", 2), size)
        self.LayerNorm = nn.LayerNorm(size, eps=c.get("layer_norm_eps", 1e-12))
        self.roberta = roberta
        self.pad = c.get("pad_token_id", 1 if roberta else 0)

    def forward(self, input_ids, token_type_ids):
        if self.roberta:
            # create_position_ids_from_input_ids
            m = input_ids.ne(self.pad).int()
            pos = (torch.cumsum(m, dim=1).type_as(m) * m).long() + self.pad
        else:
            pos = torch.arange(input_ids.shape[1], dtype=torch.long)[None, :]
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids) + self.position_embeddings(pos)
        return self.LayerNorm(e)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.n = c["num_attention_heads"]
        self.d = h // self.n
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.n, self.d).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d) + mask
        ctx = torch.matmul(nn.functional.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[0], ctx.shape[1], -1)


class DenseNorm(nn.Module):
    """BertSelfOutput / BertOutput: dense → (+ residual) → LayerNorm."""

    def __init__(self, c, inp):
        super().__init__()
        self.dense = nn.Linear(inp, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c, c["hidden_size"])

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.act = activation(c.get("hidden_act", "gelu"))

    def forward(self, x):
        return self.act(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c, c["intermediate_size"])

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class BertLikeModel(nn.Module):
    def __init__(self, c, family, pooler):
        super().__init__()
        emb = c.get("embedding_size", c["hidden_size"]) if family == "electra" else c["hidden_size"]
        self.embeddings = Embeddings(c, emb, roberta=family == "roberta")
        if family == "electra" and emb != c["hidden_size"]:
            self.embeddings_project = nn.Linear(emb, c["hidden_size"])
        self.encoder = Encoder(c)
        if pooler:
            self.pooler = Pooler(c)

    def forward(self, input_ids, attention_mask, token_type_ids):
        x = self.embeddings(input_ids, token_type_ids)
        if hasattr(self, "embeddings_project"):
            x = self.embeddings_project(x)
        return self.encoder(x, extended_mask(attention_mask, x.dtype))


# ---------------- DistilBERT ----------------

class DistilEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["dim"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["dim"])
        self.LayerNorm = nn.LayerNorm(c["dim"], eps=1e-12)

    def forward(self, input_ids):
        pos = torch.arange(input_ids.shape[1], dtype=torch.long)[None, :]
        return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(pos))


class DistilAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.n = c["n_heads"]
        self.q_lin, self.k_lin, self.v_lin, self.out_lin = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, mask):
        b, s, d = x.shape
        hd = d // self.n
        sh = lambda t: t.view(b, s, self.n, hd).transpose(1, 2)  # noqa: E731
        q = sh(self.q_lin(x)) / math.sqrt(hd)
        scores = torch.matmul(q, sh(self.k_lin(x)).transpose(2, 3))
        # DistilBERT masks with masked_fill(mask == 0, finfo.min)
        scores = scores.masked_fill((mask == 0).view(b, 1, 1, s).expand_as(scores), torch.finfo(scores.dtype).min)
        ctx = torch.matmul(nn.functional.softmax(scores, dim=-1), sh(self.v_lin(x))).transpose(1, 2).reshape(b, s, d)
        return self.out_lin(ctx)


class FFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin1 = nn.Linear(c["dim"], c["hidden_dim"])
        self.lin2 = nn.Linear(c["hidden_dim"], c["dim"])
        self.act = activation(c.get("activation", "gelu"))

    def forward(self, x):
        return self.lin2(self.act(self.lin1(x)))


class TransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = DistilAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.ffn = FFN(c)
        self.output_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)

    def forward(self, x, mask):
        sa = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(c) for _ in range(c["n_layers"])])


class DistilBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = DistilEmbeddings(c)
        self.transformer = Transformer(c)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        x = self.embeddings(input_ids)
        for layer in self.transformer.layer:
            x = layer(x, attention_mask)
        return x


# ---------------- task models ----------------

def hidden_size(c):
    return c.get("hidden_size", c.get("dim"))


def num_labels(c):
    return len(c["id2label"]) if "id2label" in c else c.get("num_labels", 2)


def mean_pool(hs, mask):
    """sentence-transformers mean pooling: sum(h * mask) / max(sum(mask), 1e-9)."""
    m = mask.unsqueeze(-1).to(hs.dtype)
    return (hs * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


class HFTaskModel(nn.Module):
    """An HF task model's module tree: the encoder under HF's attribute name (`bert`, `deberta`, `model`, ...), or as
    `base` in a bare model (sentence embedding, whose checkpoint names carry no prefix; hf_state_dict_names strips it)."""

    def set_encoder(self, name, module, head):
        self.base_name = "" if head == "sentence-embedding" else name
        setattr(self, self.base_name or "base", module)

    def encoder(self):
        return getattr(self, self.base_name or "base")


class TaskModel(HFTaskModel):
    """Holds the encoder under HF's attribute name and the head modules with HF's names."""

    def __init__(self, c, head):
        super().__init__()
        family = {"xlm-roberta": "roberta", "camembert": "roberta"}.get(c["model_type"], c["model_type"])
        self.family, self.head, self.c = family, head, c
        h, L, V = hidden_size(c), num_labels(c), c["vocab_size"]
        pooler = family == "bert" and head == "sequence-classification"
        base = DistilBertModel(c) if family == "distilbert" else BertLikeModel(c, family, pooler)
        self.set_encoder(family, base, head)
        eps = c.get("layer_norm_eps", 1e-12)
        if head in ("sequence-classification", "token-classification"):
            if head == "sequence-classification" and family in ("roberta", "electra"):
                self.classifier = nn.Module()
                self.classifier.dense = nn.Linear(h, h)
                self.classifier.out_proj = nn.Linear(h, L)
            else:
                if head == "sequence-classification" and family == "distilbert":
                    self.pre_classifier = nn.Linear(h, h)
                self.classifier = nn.Linear(h, L)
        elif head == "masked-lm":
            if family == "bert":
                self.cls = nn.Module()
                self.cls.predictions = nn.Module()
                self.cls.predictions.transform = nn.Module()
                self.cls.predictions.transform.dense = nn.Linear(h, h)
                self.cls.predictions.transform.LayerNorm = nn.LayerNorm(h, eps=eps)
                self.cls.predictions.bias = nn.Parameter(torch.zeros(V))
            elif family == "roberta":
                self.lm_head = nn.Module()
                self.lm_head.dense = nn.Linear(h, h)
                self.lm_head.layer_norm = nn.LayerNorm(h, eps=eps)
                self.lm_head.bias = nn.Parameter(torch.zeros(V))
            elif family == "distilbert":
                self.vocab_transform = nn.Linear(h, h)
                self.vocab_layer_norm = nn.LayerNorm(h, eps=1e-12)
                self.vocab_projector = nn.Module()
                self.vocab_projector.bias = nn.Parameter(torch.zeros(V))
            elif family == "electra":
                e = c.get("embedding_size", h)
                self.generator_predictions = nn.Module()
                self.generator_predictions.dense = nn.Linear(h, e)
                self.generator_predictions.LayerNorm = nn.LayerNorm(e, eps=eps)
                self.generator_lm_head = nn.Module()
                self.generator_lm_head.bias = nn.Parameter(torch.zeros(V))

    def forward(self, input_ids, attention_mask, token_type_ids):
        base = self.encoder()
        hs = base(input_ids, attention_mask, token_type_ids)
        f, c = self.family, self.c
        if self.head == "sentence-embedding":
            return mean_pool(hs, attention_mask)
        if self.head == "token-classification":
            return self.classifier(hs)
        if self.head == "sequence-classification":
            if f == "bert":
                return self.classifier(base.pooler(hs))
            if f == "distilbert":
                return self.classifier(nn.functional.relu(self.pre_classifier(hs[:, 0])))
            x = self.classifier.dense(hs[:, 0])
            x = torch.tanh(x) if f == "roberta" else nn.functional.gelu(x)
            return self.classifier.out_proj(x)
        words = base.embeddings.word_embeddings.weight
        if f == "bert":
            t = self.cls.predictions.transform
            x = t.LayerNorm(activation(c.get("hidden_act", "gelu"))(t.dense(hs)))
            return x @ words.T + self.cls.predictions.bias
        if f == "roberta":
            x = self.lm_head.layer_norm(nn.functional.gelu(self.lm_head.dense(hs)))
            return x @ words.T + self.lm_head.bias
        if f == "distilbert":
            x = self.vocab_layer_norm(activation(c.get("activation", "gelu"))(self.vocab_transform(hs)))
            return x @ words.T + self.vocab_projector.bias
        g = self.generator_predictions
        x = g.LayerNorm(nn.functional.gelu(g.dense(hs)))
        return x @ words.T + self.generator_lm_head.bias


def build_model(c, head):
    """The reference task model of c's model_type: DeBERTa-v2 has its own module (deberta_reference.py)."""
    if c["model_type"] == "deberta-v2":
        from deberta_reference import DebertaTaskModel

        return DebertaTaskModel(c, head)
    if c["model_type"] == "mpnet":
        from mpnet_reference import MPNetTaskModel

        return MPNetTaskModel(c, head)
    if c["model_type"] == "modernbert":
        from modernbert_reference import ModernBertTaskModel

        return ModernBertTaskModel(c, head)
    return TaskModel(c, head)


def hf_state_dict_names(model):
    """state_dict keys with the bare-model prefix removed (a sentence-transformers checkpoint has none)."""
    return {(k[len("base."):] if k.startswith("base.") else k): v for k, v in model.named_parameters()}


def hf_loss(head, problem_type, logits, labels, c):
    if head in ("token-classification", "masked-lm"):
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long(), ignore_index=-100)
    if problem_type == "regression":
        return nn.functional.mse_loss(logits.squeeze(), labels.squeeze().to(logits.dtype)) if num_labels(c) == 1 else nn.functional.mse_loss(logits, labels.to(logits.dtype))
    if problem_type == "multi_label_classification":
        return nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
    return nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1).long())


def run(req):
    torch.manual_seed(0)
    with open(os.path.join(req["model_dir"], "config.json")) as f:
        c = json.load(f)
    c.update(req.get("config_overrides", {}))
    head = req.get("head", "sequence-classification")
    dtype = torch.float64 if req.get("dtype") == "float64" else torch.float32
    model = build_model(c, head)
    weights = load_safetensors(req.get("weights") or os.path.join(req["model_dir"], "model.safetensors"))
    params = hf_state_dict_names(model)
    missing = sorted(set(params) - set(weights))
    if missing:
        raise SystemExit(f"reference: weights lack {missing[:5]} ({len(missing)} missing)")
    with torch.no_grad():
        for name, p in params.items():
            if tuple(weights[name].shape) != tuple(p.shape):
                raise SystemExit(f"reference: {name} has shape {list(weights[name].shape)}, model expects {list(p.shape)}")
            p.copy_(weights[name].to(torch.float32))
    model = model.to(dtype).eval()  # eval: no dropout, so results are deterministic
    ids = torch.tensor(req["input_ids"], dtype=torch.long)
    mask = torch.tensor(req.get("attention_mask") or [[1] * ids.shape[1]] * ids.shape[0], dtype=torch.long)
    types = torch.tensor(req["token_type_ids"], dtype=torch.long) if req.get("token_type_ids") is not None else None
    mode = req.get("mode", "forward")
    if mode == "forward":
        with torch.no_grad():
            out = model(ids, mask, types)
        return {"output": out.tolist(), "shape": list(out.shape)}
    out = model(ids, mask, types)
    if "grad_output" in req:
        loss = (out * torch.tensor(req["grad_output"], dtype=dtype)).sum()
    else:
        problem_type = req.get("problem_type") or c.get("problem_type") or "single_label_classification"
        loss = hf_loss(head, problem_type, out, torch.tensor(req["labels"]), c)
    loss.backward()
    grads = {n: {"shape": list(p.shape), "data": p.grad.reshape(-1).tolist()} for n, p in hf_state_dict_names(model).items() if p.grad is not None}
    return {"output": out.tolist(), "shape": list(out.shape), "loss": loss.item(), "grads": grads}


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    req = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    # A list of requests is answered with a list of replies: one interpreter start (torch import ~1 s) for many checks.
    json.dump([run(r) for r in req] if isinstance(req, list) else run(req), sys.stdout)


if __name__ == "__main__":
    main()
