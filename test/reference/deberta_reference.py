"""Hand-written PyTorch DeBERTa-v2/v3 with HF semantics and HF parameter names (modeling_deberta_v2.py): embeddings
multiplied by the mask, disentangled attention (c2p / p2c over log-bucketed relative positions), XSoftmax, the
ContextPooler and the task heads. bert_reference.build_model() hands model_type "deberta-v2" here.
"""
import torch
from torch import nn

from bert_reference import HFTaskModel, activation, mean_pool


def pos_att_types(c):
    t = c.get("pos_att_type") or []
    if isinstance(t, str):
        t = [x.strip() for x in t.lower().split("|")]
    return t


def make_log_bucket_position(relative_pos, bucket_size, max_position):
    sign = torch.sign(relative_pos)
    mid = bucket_size // 2
    abs_pos = torch.where((relative_pos < mid) & (relative_pos > -mid), torch.tensor(mid - 1).type_as(relative_pos), torch.abs(relative_pos))
    log_pos = torch.ceil(torch.log(abs_pos / mid) / torch.log(torch.tensor((max_position - 1) / mid)) * (mid - 1)) + mid
    return torch.where(abs_pos <= mid, relative_pos.type_as(log_pos), log_pos * sign)


def build_relative_position(q, k, bucket_size, max_position):
    rel = torch.arange(0, q)[:, None] - torch.arange(0, k)[None, :]
    if bucket_size > 0 and max_position > 0:
        rel = make_log_bucket_position(rel, bucket_size, max_position)
    return rel.to(torch.long)[:q, :].unsqueeze(0)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        e = c.get("embedding_size", h)
        self.word_embeddings = nn.Embedding(c["vocab_size"], e)
        self.biased = c.get("position_biased_input", True)
        if self.biased:
            self.position_embeddings = nn.Embedding(c["max_position_embeddings"], e)
        self.types = c.get("type_vocab_size", 0)
        if self.types > 0:
            self.token_type_embeddings = nn.Embedding(self.types, e)
        if e != h:
            self.embed_proj = nn.Linear(e, h, bias=False)
        self.LayerNorm = nn.LayerNorm(h, eps=c.get("layer_norm_eps", 1e-7))

    def forward(self, ids, types, mask):
        x = self.word_embeddings(ids)
        if self.biased:
            x = x + self.position_embeddings(torch.arange(ids.shape[1])[None, :])
        if self.types > 0:
            x = x + self.token_type_embeddings(types if types is not None else torch.zeros_like(ids))
        if hasattr(self, "embed_proj"):
            x = self.embed_proj(x)
        x = self.LayerNorm(x)
        return x * mask.unsqueeze(2).to(x.dtype)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.n = c["num_attention_heads"]
        self.query_proj, self.key_proj, self.value_proj = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.share = c.get("share_att_key", False)
        self.types = pos_att_types(c)
        max_rel = c.get("max_relative_positions", -1)
        if max_rel < 1:
            max_rel = c["max_position_embeddings"]
        buckets = c.get("position_buckets", -1)
        self.span = buckets if buckets > 0 else max_rel
        if not self.share:
            if "c2p" in self.types:
                self.pos_key_proj = nn.Linear(h, h)
            if "p2c" in self.types:
                self.pos_query_proj = nn.Linear(h, h)

    def t(self, x):
        # transpose_for_scores: [B, S, H] -> [B*n, S, d]
        x = x.view(x.size()[:-1] + (self.n, -1))
        return x.permute(0, 2, 1, 3).contiguous().view(-1, x.size(1), x.size(-1))

    def forward(self, x, mask4, rel_pos, rel_emb):
        q, k, v = self.t(self.query_proj(x)), self.t(self.key_proj(x)), self.t(self.value_proj(x))
        factor = 1 + len(self.types)
        scale = torch.sqrt(torch.tensor(q.size(-1), dtype=torch.float) * factor)
        scores = torch.bmm(q, k.transpose(-1, -2)) / torch.tensor(scale, dtype=q.dtype)
        rel = rel_pos.unsqueeze(1) if rel_pos.dim() == 3 else rel_pos
        emb = rel_emb[0 : self.span * 2, :].unsqueeze(0)
        reps = q.size(0) // self.n
        score = 0
        if "c2p" in self.types:
            pk = self.t(self.key_proj(emb) if self.share else self.pos_key_proj(emb)).repeat(reps, 1, 1)
            c2p = torch.bmm(q, pk.transpose(-1, -2))
            c2p_pos = torch.clamp(rel + self.span, 0, self.span * 2 - 1)
            c2p = torch.gather(c2p, dim=-1, index=c2p_pos.squeeze(0).expand([q.size(0), q.size(1), rel.size(-1)]))
            score = score + c2p / torch.tensor(scale, dtype=c2p.dtype)
        if "p2c" in self.types:
            pq = self.t(self.query_proj(emb) if self.share else self.pos_query_proj(emb)).repeat(reps, 1, 1)
            p2c_pos = torch.clamp(-rel + self.span, 0, self.span * 2 - 1)
            p2c = torch.bmm(k, pq.transpose(-1, -2))
            p2c = torch.gather(p2c, dim=-1, index=p2c_pos.squeeze(0).expand([q.size(0), k.size(-2), k.size(-2)])).transpose(-1, -2)
            score = score + p2c / torch.tensor(scale, dtype=p2c.dtype)
        scores = (scores + score).view(-1, self.n, scores.size(-2), scores.size(-1))
        # XSoftmax
        rmask = ~(mask4.to(torch.bool))
        probs = torch.softmax(scores.masked_fill(rmask, torch.finfo(scores.dtype).min), -1).masked_fill(rmask, 0)
        ctx = torch.bmm(probs.view(-1, probs.size(-2), probs.size(-1)), v)
        ctx = ctx.view(-1, self.n, ctx.size(-2), ctx.size(-1)).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (-1,))


class DenseNorm(nn.Module):
    def __init__(self, inp, out, eps):
        super().__init__()
        self.dense = nn.Linear(inp, out)
        self.LayerNorm = nn.LayerNorm(out, eps=eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i, eps = c["hidden_size"], c["intermediate_size"], c.get("layer_norm_eps", 1e-7)
        self.attention = nn.Module()
        self.attention.self = SelfAttention(c)
        self.attention.output = DenseNorm(h, h, eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(h, i)
        self.output = DenseNorm(i, h, eps)
        self.act = activation(c.get("hidden_act", "gelu"))

    def forward(self, x, mask4, rel_pos, rel_emb):
        a = self.attention.output(self.attention.self(x, mask4, rel_pos, rel_emb), x)
        return self.output(self.act(self.intermediate.dense(a)), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        max_rel = c.get("max_relative_positions", -1)
        if max_rel < 1:
            max_rel = c["max_position_embeddings"]
        self.max_rel = max_rel
        self.buckets = c.get("position_buckets", -1)
        rows = self.buckets * 2 if self.buckets > 0 else max_rel * 2
        self.rel_embeddings = nn.Embedding(rows, c["hidden_size"])
        self.norm = "layer_norm" in [x.strip() for x in c.get("norm_rel_ebd", "none").lower().split("|")]
        if self.norm:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], c.get("layer_norm_eps", 1e-7), elementwise_affine=True)

    def forward(self, x, mask):
        ext = mask.unsqueeze(1).unsqueeze(2)
        mask4 = (ext * ext.squeeze(-2).unsqueeze(-1)).byte()
        rel_pos = build_relative_position(x.size(-2), x.size(-2), self.buckets, self.max_rel)
        rel_emb = self.rel_embeddings.weight
        if self.norm:
            rel_emb = self.LayerNorm(rel_emb)
        for layer in self.layer:
            x = layer(x, mask4, rel_pos, rel_emb)
        return x


class DebertaV2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)

    def forward(self, ids, mask, types):
        return self.encoder(self.embeddings(ids, types, mask), mask)


class DebertaTaskModel(HFTaskModel):
    def __init__(self, c, head):
        super().__init__()
        self.head, self.c = head, c
        h = c["hidden_size"]
        labels = len(c["id2label"]) if "id2label" in c else c.get("num_labels", 2)
        self.set_encoder("deberta", DebertaV2Model(c), head)
        if head == "sequence-classification":
            self.pooler = nn.Module()
            self.pooler.dense = nn.Linear(h, h)
            self.classifier = nn.Linear(h, labels)
        elif head == "token-classification":
            self.classifier = nn.Linear(h, labels)
        elif head == "masked-lm":
            self.lm_predictions = nn.Module()
            self.lm_predictions.lm_head = nn.Module()
            lm = self.lm_predictions.lm_head
            lm.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
            lm.dense = nn.Linear(h, h)
            lm.LayerNorm = nn.LayerNorm(h, eps=c.get("layer_norm_eps", 1e-7))

    def forward(self, ids, mask, types):
        base = self.encoder()
        hs = base(ids, mask, types)
        if self.head == "sentence-embedding":
            return mean_pool(hs, mask)
        if self.head == "token-classification":
            return self.classifier(hs)
        if self.head == "sequence-classification":
            pooled = activation(self.c.get("pooler_hidden_act", "gelu"))(self.pooler.dense(hs[:, 0]))
            return self.classifier(pooled)
        lm = self.lm_predictions.lm_head
        x = lm.LayerNorm(activation(self.c.get("hidden_act", "gelu"))(lm.dense(hs)))
        return x @ base.embeddings.word_embeddings.weight.T + lm.bias
