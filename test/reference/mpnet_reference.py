"""Hand-written PyTorch MPNet with HF semantics and parameter names (modeling_mpnet.py): RoBERTa-style position ids,
attention.attn.{q,k,v,o}, the relative attention bias (relative_position_bucket, 32 buckets, max_distance 128) added to
every layer's scores before the padding mask, and the RoBERTa-shaped heads. bert_reference.build_model() dispatches here.
"""
import math

import torch
from torch import nn

from bert_reference import HFTaskModel, mean_pool


def relative_position_bucket(relative_position, num_buckets=32, max_distance=128):
    ret = 0
    n = -relative_position
    num_buckets //= 2
    ret += (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    val_if_large = max_exact + (torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)).to(torch.long)
    val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
    ret += torch.where(is_small, n, val_if_large)
    return ret


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.n = c["num_attention_heads"]
        self.d = h // self.n
        self.q, self.k, self.v, self.o = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.n, self.d).permute(0, 2, 1, 3)

    def forward(self, x, mask, position_bias):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d)
        scores = scores + position_bias
        scores = scores + mask
        probs = nn.functional.softmax(scores, dim=-1)
        c = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return self.o(c.view(c.size()[:-2] + (self.n * self.d,)))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i, eps = c["hidden_size"], c["intermediate_size"], c.get("layer_norm_eps", 1e-12)
        self.attention = nn.Module()
        self.attention.attn = Attn(c)
        self.attention.LayerNorm = nn.LayerNorm(h, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(h, i)
        self.output = nn.Module()
        self.output.dense = nn.Linear(i, h)
        self.output.LayerNorm = nn.LayerNorm(h, eps=eps)

    def forward(self, x, mask, position_bias):
        a = self.attention.LayerNorm(self.attention.attn(x, mask, position_bias) + x)
        return self.output.LayerNorm(self.output.dense(nn.functional.gelu(self.intermediate.dense(a))) + a)


class MPNetModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.pad = c.get("pad_token_id", 1)
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(c["vocab_size"], h)
        self.embeddings.position_embeddings = nn.Embedding(c["max_position_embeddings"], h)
        self.embeddings.LayerNorm = nn.LayerNorm(h, eps=c.get("layer_norm_eps", 1e-12))
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.encoder.relative_attention_bias = nn.Embedding(c.get("relative_attention_num_buckets", 32), c["num_attention_heads"])

    def forward(self, ids, mask, _types=None):
        m = ids.ne(self.pad).int()
        pos = (torch.cumsum(m, dim=1).type_as(m) * m).long() + self.pad
        e = self.embeddings
        x = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(pos))
        s = ids.shape[1]
        rel = torch.arange(s, dtype=torch.long)[None, :] - torch.arange(s, dtype=torch.long)[:, None]
        values = self.encoder.relative_attention_bias(relative_position_bucket(rel, num_buckets=32))
        position_bias = values.permute([2, 0, 1]).unsqueeze(0).expand((ids.shape[0], -1, s, s)).contiguous()
        ext = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.encoder.layer:
            x = layer(x, ext, position_bias)
        return x


class MPNetTaskModel(HFTaskModel):
    def __init__(self, c, head):
        super().__init__()
        self.head, self.c = head, c
        h = c["hidden_size"]
        labels = len(c["id2label"]) if "id2label" in c else c.get("num_labels", 2)
        self.set_encoder("mpnet", MPNetModel(c), head)
        if head == "sequence-classification":
            self.classifier = nn.Module()
            self.classifier.dense = nn.Linear(h, h)
            self.classifier.out_proj = nn.Linear(h, labels)
        elif head == "token-classification":
            self.classifier = nn.Linear(h, labels)
        elif head == "masked-lm":
            self.lm_head = nn.Module()
            self.lm_head.dense = nn.Linear(h, h)
            self.lm_head.layer_norm = nn.LayerNorm(h, eps=c.get("layer_norm_eps", 1e-12))
            self.lm_head.bias = nn.Parameter(torch.zeros(c["vocab_size"]))

    def forward(self, ids, mask, types=None):
        base = self.encoder()
        hs = base(ids, mask)
        if self.head == "sentence-embedding":
            return mean_pool(hs, mask)
        if self.head == "token-classification":
            return self.classifier(hs)
        if self.head == "sequence-classification":
            return self.classifier.out_proj(torch.tanh(self.classifier.dense(hs[:, 0])))
        x = self.lm_head.layer_norm(nn.functional.gelu(self.lm_head.dense(hs)))
        return x @ base.embeddings.word_embeddings.weight.T + self.lm_head.bias
