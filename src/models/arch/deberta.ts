// DeBERTa-v2/v3 (HF DebertaV2Model + its task heads): disentangled attention, where each layer's scores add
// content→position (c2p) and position→content (p2c) terms read from relative-position embeddings through log-bucketed
// relative distances, and a ContextPooler head. Follows HF's modeling_deberta_v2.py operation for operation, including
// float32 bucket arithmetic and XSoftmax (probabilities of padded query rows and keys are zero).
import { int, ints } from '../../onnx/ir';
import { activation, attentionBias, dropout, firstToken, layerNorm, linear, lookup, meanPool, param, positionRange, scoped, tiedDecoder } from './common';
import type { BuildContext } from './common';
import { debertaOf } from './debertaParameters';
import type { FamilyBuilder, GraphInputs } from './family';

/** DebertaV2Embeddings: words (+ absolute positions, + token types) → embed_proj → LayerNorm → × mask → dropout. */
function embeddings(ctx: BuildContext, inputs: GraphInputs, positions: string, maskF: string): string {
  const b = ctx.b;
  const { spec } = ctx;
  const e = scoped(ctx, 'embeddings');
  let x = lookup(ctx, `${e}.word_embeddings.weight`, inputs.inputIds);
  if (debertaOf(spec).positionBiasedInput) x = b.op('Add', [x, lookup(ctx, `${e}.position_embeddings.weight`, positions)]);
  if (spec.typeVocabSize > 0) x = b.op('Add', [x, lookup(ctx, `${e}.token_type_embeddings.weight`, inputs.tokenTypeIds ?? b.constant(0, 'int64', 'token_type_zero'))]);
  // DebertaV2Embeddings.embed_proj has no bias.
  if (spec.embeddingSize !== spec.hiddenSize) x = linear(ctx, x, `${e}.embed_proj`, false);
  x = layerNorm(ctx, x, `${e}.LayerNorm`);
  x = b.op('Mul', [x, b.op('Unsqueeze', [maskF, b.int64s([2])])]);
  return dropout(ctx, x, spec.hiddenDropout);
}

/**
 * build_relative_position + make_log_bucket_position: q − k for every query/key pair [S, S] (int64), log-bucketed
 * beyond ±position_buckets/2 exactly as HF computes it in float32 (both logs by the same kernel, so a ratio that is
 * exactly 1 stays 1 and ceil does not step over).
 */
function relativePositions(ctx: BuildContext, positions: string): string {
  const b = ctx.b;
  const d = debertaOf(ctx.spec);
  const rel = b.op('Sub', [b.op('Unsqueeze', [positions, b.int64s([1])]), b.op('Unsqueeze', [positions, b.int64s([0])])], {}, { name: 'relative_pos' });
  if (d.positionBuckets <= 0 || d.maxRelativePositions <= 0) return rel;
  const mid = Math.floor(d.positionBuckets / 2);
  const f = b.op('Cast', [rel], { to: int(1) });
  const c = (v: number) => b.constant(v);
  const sign = b.op('Sign', [f]);
  const inside = b.op('And', [b.op('Less', [f, c(mid)]), b.op('Greater', [f, c(-mid)])]);
  const absPos = b.op('Where', [inside, c(mid - 1), b.op('Abs', [f])]);
  const logMax = b.op('Log', [c((d.maxRelativePositions - 1) / mid)]);
  const ratio = b.op('Div', [b.op('Log', [b.op('Div', [absPos, c(mid)])]), logMax]);
  const logPos = b.op('Add', [b.op('Ceil', [b.op('Mul', [ratio, c(mid - 1)])]), c(mid)]);
  const bucket = b.op('Where', [b.op('LessOrEqual', [absPos, c(mid)]), f, b.op('Mul', [logPos, sign])]);
  return b.op('Cast', [bucket], { to: int(7) }, { name: 'relative_pos_bucketed' });
}

/** clamp(±rel + span, 0, 2·span − 1): the rel_embeddings row each c2p / p2c score reads. */
function relIndex(ctx: BuildContext, rel: string, negate: boolean): string {
  const b = ctx.b;
  const span = debertaOf(ctx.spec).relEmbeddingRows / 2;
  const shifted = b.op('Add', [negate ? b.op('Neg', [rel]) : rel, b.constant(span, 'int64', 'att_span')]);
  return b.op('Min', [b.op('Max', [shifted, b.constant(0, 'int64', 'zero')]), b.constant(2 * span - 1, 'int64', 'att_span_last')]);
}

interface Shared {
  bias: string;
  /** mask_q · mask_k [B, 1, S, S]: XSoftmax zeroes the probabilities outside it. */
  pairMask: string;
  c2pIndex: string;
  p2cIndex: string;
  /** rel_embeddings after encoder.LayerNorm [R, H]. */
  relEmbeddings: string;
}

/** [.., S, H] → [.., heads, S, d] (`keysFirst`: [.., heads, d, S], ready to be multiplied from the right). */
function heads(ctx: BuildContext, x: string, batched: boolean, keysFirst = false): string {
  const { numHeads, hiddenSize } = ctx.spec;
  const d = hiddenSize / numHeads;
  const b = ctx.b;
  const r = b.op('Reshape', [x, b.int64s(batched ? [0, 0, numHeads, d] : [0, numHeads, d])]);
  const perm = batched ? (keysFirst ? [0, 2, 3, 1] : [0, 2, 1, 3]) : keysFirst ? [1, 2, 0] : [1, 0, 2];
  return b.op('Transpose', [r], { perm: ints(perm) });
}

function disentangledAttention(ctx: BuildContext, x: string, s: Shared, prefix: string): string {
  const b = ctx.b;
  const d = debertaOf(ctx.spec);
  const { numHeads, hiddenSize } = ctx.spec;
  const headDim = hiddenSize / numHeads;
  const a = `${prefix}.attention.self`;
  const q = heads(ctx, linear(ctx, x, `${a}.query_proj`), true);
  const k = heads(ctx, linear(ctx, x, `${a}.key_proj`), true);
  const v = heads(ctx, linear(ctx, x, `${a}.value_proj`), true);
  const scale = b.constant(Math.fround(Math.sqrt(headDim * (1 + d.posAttType.length))));
  let scores = b.op('Div', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: ints([0, 1, 3, 2]) })]), scale]);
  // pos_dropout: every layer drops its own copy of the relative embeddings.
  const rel = dropout(ctx, s.relEmbeddings, ctx.spec.hiddenDropout);
  const expandTo = b.op('Shape', [scores]);
  if (d.posAttType.includes('c2p')) {
    const posKey = heads(ctx, linear(ctx, rel, d.shareAttKey ? `${a}.key_proj` : `${a}.pos_key_proj`), false, true);
    const c2p = b.op('GatherElements', [b.op('MatMul', [q, posKey]), b.op('Expand', [s.c2pIndex, expandTo])], { axis: int(3) });
    scores = b.op('Add', [scores, b.op('Div', [c2p, scale])]);
  }
  if (d.posAttType.includes('p2c')) {
    const posQuery = heads(ctx, linear(ctx, rel, d.shareAttKey ? `${a}.query_proj` : `${a}.pos_query_proj`), false, true);
    const p2c = b.op('GatherElements', [b.op('MatMul', [k, posQuery]), b.op('Expand', [s.p2cIndex, expandTo])], { axis: int(3) });
    scores = b.op('Add', [scores, b.op('Div', [b.op('Transpose', [p2c], { perm: ints([0, 1, 3, 2]) }), scale])]);
  }
  const probs = b.op('Mul', [b.op('Softmax', [b.op('Add', [scores, s.bias])], { axis: int(-1) }), s.pairMask]);
  const context = b.op('Transpose', [b.op('MatMul', [dropout(ctx, probs, ctx.spec.attentionDropout), v])], { perm: ints([0, 2, 1, 3]) });
  return b.op('Reshape', [context, b.int64s([0, 0, hiddenSize])]);
}

function layer(ctx: BuildContext, x: string, s: Shared, prefix: string): string {
  const context = disentangledAttention(ctx, x, s, prefix);
  const a = `${prefix}.attention.output`;
  const h = layerNorm(ctx, ctx.b.op('Add', [dropout(ctx, linear(ctx, context, `${a}.dense`), ctx.spec.hiddenDropout), x]), `${a}.LayerNorm`);
  const inter = activation(ctx, linear(ctx, h, `${prefix}.intermediate.dense`), ctx.spec.hiddenAct);
  const out = dropout(ctx, linear(ctx, inter, `${prefix}.output.dense`), ctx.spec.hiddenDropout);
  return layerNorm(ctx, ctx.b.op('Add', [out, h]), `${prefix}.output.LayerNorm`);
}

export const deberta: FamilyBuilder = {
  usesTokenTypes: (spec) => spec.typeVocabSize > 0,
  // Every layer computes all rows (firstTokenOnly is not applied): the relative-position terms would need their
  // indices sliced too, for a saving only the last layer sees.
  encode(ctx, inputs) {
    const b = ctx.b;
    const d = debertaOf(ctx.spec);
    const positions = positionRange(ctx, inputs.inputIds);
    const maskF = b.op('Cast', [inputs.attentionMask], { to: int(1) });
    let h = embeddings(ctx, inputs, positions, maskF);
    const rel = relativePositions(ctx, positions);
    const relWeight = param(ctx, scoped(ctx, 'encoder.rel_embeddings.weight'));
    const shared: Shared = {
      bias: attentionBias(ctx, inputs.attentionMask),
      pairMask: b.op('Mul', [b.op('Unsqueeze', [maskF, b.int64s([1, 3])]), b.op('Unsqueeze', [maskF, b.int64s([1, 2])])], {}, { name: 'pair_mask' }),
      c2pIndex: relIndex(ctx, rel, false),
      p2cIndex: relIndex(ctx, rel, true),
      relEmbeddings: d.normRelEmbeddings ? layerNorm(ctx, relWeight, scoped(ctx, 'encoder.LayerNorm')) : relWeight,
    };
    for (let i = 0; i < ctx.spec.numLayers; i++) h = layer(ctx, h, shared, scoped(ctx, `encoder.layer.${i}`));
    return h;
  },
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head) {
    const d = debertaOf(ctx.spec);
    switch (head) {
      case 'sentence-embedding':
        return meanPool(ctx, hidden, inputs.attentionMask);
      case 'sequence-classification': {
        // ContextPooler: hidden[:, 0] → dropout → dense → pooler_hidden_act; then dropout (cls_dropout) → classifier.
        const pooled = activation(ctx, linear(ctx, dropout(ctx, firstToken(ctx, hidden), d.poolerDropout), 'pooler.dense'), d.poolerHiddenAct);
        return linear(ctx, dropout(ctx, pooled, ctx.spec.classifierDropout), 'classifier');
      }
      case 'token-classification':
        return linear(ctx, dropout(ctx, hidden, ctx.spec.hiddenDropout), 'classifier');
      case 'question-answering':
        // DebertaV2ForQuestionAnswering: qa_outputs reads the last hidden state directly (no dropout before it).
        return linear(ctx, hidden, 'qa_outputs');
      case 'masked-lm': {
        const t = activation(ctx, linear(ctx, hidden, 'lm_predictions.lm_head.dense'), ctx.spec.hiddenAct);
        const n = layerNorm(ctx, t, 'lm_predictions.lm_head.LayerNorm');
        return tiedDecoder(ctx, n, scoped(ctx, 'embeddings.word_embeddings.weight'), 'lm_predictions.lm_head.bias');
      }
    }
  },
};
