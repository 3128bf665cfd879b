"""Hand-written PyTorch ModernBERT with HF semantics and parameter names (modeling_modernbert.py, the padded eager path):
rotary embeddings (global / local theta), sliding-window masks on the local layers, fused Wqkv, GeGLU, bias-free
LayerNorms, final_norm, the prediction head and CLS / mean pooling. bert_reference.build_model() dispatches here.
"""
import torch
from torch import nn

from bert_reference import HFTaskModel, activation, mean_pool


class LayerNorm(nn.Module):
    """nn.LayerNorm(bias=norm_bias), which torch 1.13 cannot build: weight, and a bias only when norm_bias."""

    def __init__(self, c, h):
        super().__init__()
        self.eps = c.get("norm_eps", 1e-5)
        self.weight = nn.Parameter(torch.ones(h))
        if c.get("norm_bias", False):
            self.bias = nn.Parameter(torch.zeros(h))
        else:
            self.bias = None

    def forward(self, x):
        return nn.functional.layer_norm(x, (x.shape[-1],), self.weight, self.bias, self.eps)


def rotary(d, theta, s, dtype):
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    freqs = torch.arange(s).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


class Layer(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        h, inter = c["hidden_size"], c["intermediate_size"]
        self.i, self.c = i, c
        if i > 0:
            self.attn_norm = LayerNorm(c, h)
        self.attn = nn.Module()
        self.attn.Wqkv = nn.Linear(h, 3 * h, bias=c.get("attention_bias", False))
        self.attn.Wo = nn.Linear(h, h, bias=c.get("attention_bias", False))
        self.mlp_norm = LayerNorm(c, h)
        self.mlp = nn.Module()
        self.mlp.Wi = nn.Linear(h, 2 * inter, bias=c.get("mlp_bias", False))
        self.mlp.Wo = nn.Linear(inter, h, bias=c.get("mlp_bias", False))
        self.is_global = i % c.get("global_attn_every_n_layers", 3) == 0

    def forward(self, x, global_mask, sliding_mask, ropes):
        c = self.c
        n = c["num_attention_heads"]
        b, s, h = x.shape
        d = h // n
        a = x if self.i == 0 else self.attn_norm(x)
        qkv = self.attn.Wqkv(a).view(b, -1, 3, n, d)
        q, k, v = qkv.transpose(3, 1).unbind(dim=2)
        cos, sin = ropes["global" if self.is_global else "local"]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(-1, -2)) * d ** -0.5 + (global_mask if self.is_global else sliding_mask)
        o = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).contiguous().view(b, -1, h)
        x = x + self.attn.Wo(o)
        inp, gate = self.mlp.Wi(self.mlp_norm(x)).chunk(2, dim=-1)
        return x + self.mlp.Wo(activation(c.get("hidden_activation", "gelu"))(inp) * gate)


class ModernBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.c = c
        self.embeddings = nn.Module()
        self.embeddings.tok_embeddings = nn.Embedding(c["vocab_size"], h)
        self.embeddings.norm = LayerNorm(c, h)
        self.layers = nn.ModuleList([Layer(c, i) for i in range(c["num_hidden_layers"])])
        self.final_norm = LayerNorm(c, h)

    def forward(self, ids, mask):
        c = self.c
        x = self.embeddings.norm(self.embeddings.tok_embeddings(ids))
        b, s = ids.shape
        dt = x.dtype
        global_mask = ((1.0 - mask[:, None, None, :].to(dt)) * torch.finfo(dt).min).expand(b, 1, s, s)
        rows = torch.arange(s).unsqueeze(0)
        window = (torch.abs(rows - rows.T) <= c.get("local_attention", 128) // 2).unsqueeze(0).unsqueeze(0)
        sliding_mask = global_mask.masked_fill(window.logical_not(), torch.finfo(dt).min)
        d = c["hidden_size"] // c["num_attention_heads"]
        g = c.get("global_rope_theta", 160000.0)
        loc = c.get("local_rope_theta") if c.get("local_rope_theta") is not None else g
        ropes = {"global": rotary(d, g, s, dt), "local": rotary(d, loc, s, dt)}
        for layer in self.layers:
            x = layer(x, global_mask, sliding_mask, ropes)
        return self.final_norm(x)


class ModernBertTaskModel(HFTaskModel):
    def __init__(self, c, head):
        super().__init__()
        self.head_kind, self.c = head, c
        h = c["hidden_size"]
        labels = len(c["id2label"]) if "id2label" in c else c.get("num_labels", 2)
        self.set_encoder("model", ModernBertModel(c), head)
        if head != "sentence-embedding":
            self.head = nn.Module()
            self.head.dense = nn.Linear(h, h, bias=c.get("classifier_bias", False))
            self.head.norm = LayerNorm(c, h)
        if head in ("sequence-classification", "token-classification"):
            self.classifier = nn.Linear(h, labels)
        elif head == "masked-lm" and c.get("decoder_bias", True):
            self.decoder = nn.Module()
            self.decoder.bias = nn.Parameter(torch.zeros(c["vocab_size"]))

    def predict(self, x):
        return self.head.norm(activation(self.c.get("classifier_activation", "gelu"))(self.head.dense(x)))

    def forward(self, ids, mask, types=None):
        base = self.encoder()
        hs = base(ids, mask)
        if self.head_kind == "sentence-embedding":
            return mean_pool(hs, mask)
        if self.head_kind == "token-classification":
            return self.classifier(self.predict(hs))
        if self.head_kind == "sequence-classification":
            # ModernBertForSequenceClassification's mean: sum / count, without mean_pool's clamp.
            m = mask.unsqueeze(-1).to(hs.dtype)
            pooled = hs[:, 0] if self.c.get("classifier_pooling", "cls") == "cls" else (hs * m).sum(dim=1) / m.sum(dim=1)
            return self.classifier(self.predict(pooled))
        logits = self.predict(hs) @ base.embeddings.tok_embeddings.weight.T
        return logits + self.decoder.bias if hasattr(self, "decoder") else logits
