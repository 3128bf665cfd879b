// MPNet (HF MPNetModel + its task heads): RoBERTa's embeddings without token types and a T5-style relative attention
// bias — one [buckets, heads] table, read through log-bucketed distances and added to every layer's scores.
import { int, ints } from '../../onnx/ir';
import { activation, attentionBias, dropout, firstRows, layerNorm, linear, lookup, onlyFirstRow, positionRange, scoped, selfAttention } from './common';
import type { BuildContext } from './common';
import type { FamilyBuilder } from './family';
import { roberta, robertaPositionIds } from './roberta';

/**
 * MPNetEncoder.compute_position_bias with relative_position_bucket(num_buckets=32, max_distance=128): n = query − key;
 * the sign picks a half, |n| < 8 is its own bucket, beyond that log-spaced up to 15 — float32 log, truncated to int
 * as torch's .to(long) — then the table row per (query, key) as [1, heads, S, S].
 */
function positionBias(ctx: BuildContext, inputIds: string): string {
  const b = ctx.b;
  const half = 16;
  const exact = 8;
  const pos = positionRange(ctx, inputIds);
  const n = b.op('Sub', [b.op('Unsqueeze', [pos, b.int64s([1])]), b.op('Unsqueeze', [pos, b.int64s([0])])], {}, { name: 'relative_position_neg' });
  const i64 = (v: number) => b.constant(v, 'int64');
  const side = b.op('Mul', [b.op('Cast', [b.op('Less', [n, i64(0)])], { to: int(7) }), i64(half)]);
  const abs = b.op('Abs', [n]);
  const ratio = b.op('Div', [b.op('Log', [b.op('Div', [b.op('Cast', [abs], { to: int(1) }), b.constant(exact)])]), b.constant(Math.log(128 / exact))]);
  const large = b.op('Min', [b.op('Add', [i64(exact), b.op('Cast', [b.op('Mul', [ratio, b.constant(half - exact)])], { to: int(7) })]), i64(half - 1)]);
  const bucket = b.op('Add', [side, b.op('Where', [b.op('Less', [abs, i64(exact)]), abs, large])], {}, { name: 'rp_bucket' });
  const values = lookup(ctx, scoped(ctx, 'encoder.relative_attention_bias.weight'), bucket);
  return b.op('Unsqueeze', [b.op('Transpose', [values], { perm: ints([2, 0, 1]) }), b.int64s([0])], {}, { name: 'position_bias' });
}

function mpnetLayer(ctx: BuildContext, x: string, bias: string, prefix: string, firstOnly: boolean): string {
  const b = ctx.b;
  const a = `${prefix}.attention`;
  const rows = firstOnly ? firstRows(ctx, x) : x;
  // The first-token layer scores one query row: the position bias keeps only that row too.
  const rowBias = firstOnly ? b.op('Slice', [bias, b.int64s([0]), b.int64s([1]), b.int64s([2])]) : bias;
  const names = { query: `${a}.attn.q`, key: `${a}.attn.k`, value: `${a}.attn.v`, output: `${a}.attn.o` };
  const context = selfAttention(ctx, x, rowBias, names, rows);
  const h = layerNorm(ctx, b.op('Add', [dropout(ctx, linear(ctx, context, names.output), ctx.spec.hiddenDropout), rows]), `${a}.LayerNorm`);
  const inter = activation(ctx, linear(ctx, h, `${prefix}.intermediate.dense`), ctx.spec.hiddenAct);
  const out = dropout(ctx, linear(ctx, inter, `${prefix}.output.dense`), ctx.spec.hiddenDropout);
  return layerNorm(ctx, b.op('Add', [out, h]), `${prefix}.output.LayerNorm`);
}

export const mpnet: FamilyBuilder = {
  usesTokenTypes: () => false,
  encode(ctx, inputs) {
    const b = ctx.b;
    const e = scoped(ctx, 'embeddings');
    const sum = b.op('Add', [lookup(ctx, `${e}.word_embeddings.weight`, inputs.inputIds), lookup(ctx, `${e}.position_embeddings.weight`, robertaPositionIds(ctx, inputs.inputIds))]);
    let h = dropout(ctx, layerNorm(ctx, sum, `${e}.LayerNorm`), ctx.spec.hiddenDropout);
    // Position bias first, then the padding mask, as MPNetSelfAttention adds them.
    const bias = b.op('Add', [positionBias(ctx, inputs.inputIds), attentionBias(ctx, inputs.attentionMask)], {}, { name: 'attention_bias' });
    for (let i = 0; i < ctx.spec.numLayers; i++) h = mpnetLayer(ctx, h, bias, scoped(ctx, `encoder.layer.${i}`), onlyFirstRow(ctx, i));
    return h;
  },
  // MPNet's heads are RoBERTa's: MPNetClassificationHead (tanh), a token classifier, MPNetLMHead (exact GELU, tied).
  head: roberta.head,
};
