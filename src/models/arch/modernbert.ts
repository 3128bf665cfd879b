// ModernBERT (HF ModernBertModel + its heads, the padded eager/sdpa path): pre-norm layers with rotary positions
// (global theta on every n-th layer, local theta plus a ±window/2 sliding mask on the others), fused Wqkv, GeGLU MLP,
// optional biases, a final norm, and the prediction head (dense → act → norm) with CLS or mean pooling.
import { int, ints } from '../../onnx/ir';
import { FLOAT32_MIN, activation, attentionBias, dropout, firstToken, layerNorm, linear, lookup, meanPool, param, positionRange, scoped } from './common';
import type { BuildContext } from './common';
import type { FamilyBuilder, GraphInputs } from './family';
import { modernbertOf } from './modernbertParameters';

/** nn.LayerNorm(bias=norm_bias). */
function norm(ctx: BuildContext, x: string, name: string): string {
  return layerNorm(ctx, x, name, ctx.spec.layerNormEps, modernbertOf(ctx.spec).normBias);
}

/** cos and sin [S, d] of ModernBertRotaryEmbedding for `theta`: inv_freq = 1 / θ^(2i/d) in float32, emb = [f, f]. */
function rotary(ctx: BuildContext, positions: string, theta: number): { cos: string; sin: string } {
  const b = ctx.b;
  const d = ctx.spec.hiddenSize / ctx.spec.numHeads;
  const inv = Float32Array.from({ length: d / 2 }, (_, i) => 1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / d))));
  const freqs = b.op('Mul', [b.op('Unsqueeze', [b.op('Cast', [positions], { to: int(1) }), b.int64s([1])]), b.constant({ dtype: 'float32', dims: [d / 2], data: inv }, 'float32', 'inv_freq')]);
  const emb = b.op('Concat', [freqs, freqs], { axis: int(-1) });
  return { cos: b.op('Cos', [emb]), sin: b.op('Sin', [emb]) };
}

/** q·cos + rotate_half(q)·sin, rotate_half(x) = [−x₂, x₁]. */
function applyRotary(ctx: BuildContext, x: string, r: { cos: string; sin: string }): string {
  const b = ctx.b;
  const half = ctx.spec.hiddenSize / ctx.spec.numHeads / 2;
  const axis = b.int64s([-1]);
  const x1 = b.op('Slice', [x, b.int64s([0]), b.int64s([half]), axis]);
  const x2 = b.op('Slice', [x, b.int64s([half]), b.int64s([2 * half]), axis]);
  const rot = b.op('Concat', [b.op('Neg', [x2]), x1], { axis: int(-1) });
  return b.op('Add', [b.op('Mul', [x, r.cos]), b.op('Mul', [rot, r.sin])]);
}

interface LayerContext {
  globalMask: string;
  slidingMask: string;
  global: { cos: string; sin: string };
  local: { cos: string; sin: string };
}

function attention(ctx: BuildContext, x: string, prefix: string, isGlobal: boolean, s: LayerContext): string {
  const b = ctx.b;
  const m = modernbertOf(ctx.spec);
  const { numHeads, hiddenSize: H } = ctx.spec;
  const d = H / numHeads;
  const qkv = linear(ctx, x, `${prefix}.attn.Wqkv`, m.attentionBias);
  const axis = b.int64s([-1]);
  // view(bs, -1, 3, heads, d): the fused width is (q | k | v), each heads × d.
  const part = (i: number) => b.op('Transpose', [b.op('Reshape', [b.op('Slice', [qkv, b.int64s([i * H]), b.int64s([(i + 1) * H]), axis]), b.int64s([0, 0, numHeads, d])])], { perm: ints([0, 2, 1, 3]) });
  const rope = isGlobal ? s.global : s.local;
  const q = applyRotary(ctx, part(0), rope);
  const k = applyRotary(ctx, part(1), rope);
  const v = part(2);
  const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: ints([0, 1, 3, 2]) })]), b.constant(Math.fround(d ** -0.5))]);
  const probs = dropout(ctx, b.op('Softmax', [b.op('Add', [scores, isGlobal ? s.globalMask : s.slidingMask])], { axis: int(-1) }), ctx.spec.attentionDropout);
  const context = b.op('Reshape', [b.op('Transpose', [b.op('MatMul', [probs, v])], { perm: ints([0, 2, 1, 3]) }), b.int64s([0, 0, H])]);
  return dropout(ctx, linear(ctx, context, `${prefix}.attn.Wo`, m.attentionBias), ctx.spec.attentionDropout);
}

function layer(ctx: BuildContext, x: string, i: number, s: LayerContext): string {
  const b = ctx.b;
  const m = modernbertOf(ctx.spec);
  const p = scoped(ctx, `layers.${i}`);
  // Layer 0's attn_norm is an Identity: the embeddings were just normalised.
  const attnIn = i === 0 ? x : norm(ctx, x, `${p}.attn_norm`);
  const h = b.op('Add', [x, attention(ctx, attnIn, p, i % m.globalEvery === 0, s)]);
  const I = ctx.spec.intermediateSize;
  const wi = linear(ctx, norm(ctx, h, `${p}.mlp_norm`), `${p}.mlp.Wi`, m.mlpBias);
  const axis = b.int64s([-1]);
  const input = b.op('Slice', [wi, b.int64s([0]), b.int64s([I]), axis]);
  const gate = b.op('Slice', [wi, b.int64s([I]), b.int64s([2 * I]), axis]);
  const mlp = linear(ctx, dropout(ctx, b.op('Mul', [activation(ctx, input, ctx.spec.hiddenAct), gate]), m.mlpDropout), `${p}.mlp.Wo`, m.mlpBias);
  return b.op('Add', [h, mlp]);
}

/** ModernBertPredictionHead: norm(act(dense(x))). */
function predictionHead(ctx: BuildContext, x: string): string {
  const m = modernbertOf(ctx.spec);
  return norm(ctx, activation(ctx, linear(ctx, x, 'head.dense', m.classifierBias), m.classifierActivation), 'head.norm');
}

export const modernbert: FamilyBuilder = {
  usesTokenTypes: () => false,
  // Every layer computes all rows (firstTokenOnly is not applied): mean pooling, the default of ModernBERT-base, reads them.
  encode(ctx, inputs) {
    const b = ctx.b;
    const m = modernbertOf(ctx.spec);
    const positions = positionRange(ctx, inputs.inputIds);
    let h = dropout(ctx, norm(ctx, lookup(ctx, scoped(ctx, 'embeddings.tok_embeddings.weight'), inputs.inputIds), scoped(ctx, 'embeddings.norm')), m.embeddingDropout);
    const globalMask = attentionBias(ctx, inputs.attentionMask);
    // masked_fill of the global mask outside |i − j| ≤ window/2: set to min, never min + min.
    const distance = b.op('Abs', [b.op('Sub', [b.op('Unsqueeze', [positions, b.int64s([1])]), b.op('Unsqueeze', [positions, b.int64s([0])])])]);
    const inWindow = b.op('LessOrEqual', [distance, b.constant(Math.floor(m.localWindow / 2), 'int64', 'half_window')]);
    const slidingMask = b.op('Where', [inWindow, globalMask, b.constant(FLOAT32_MIN)], {}, { name: 'sliding_window_mask' });
    const s: LayerContext = { globalMask, slidingMask, global: rotary(ctx, positions, m.globalRopeTheta), local: rotary(ctx, positions, m.localRopeTheta) };
    for (let i = 0; i < ctx.spec.numLayers; i++) h = layer(ctx, h, i, s);
    return norm(ctx, h, scoped(ctx, 'final_norm'));
  },
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head) {
    const b = ctx.b;
    const m = modernbertOf(ctx.spec);
    switch (head) {
      case 'sentence-embedding':
        return meanPool(ctx, hidden, inputs.attentionMask);
      case 'sequence-classification': {
        const pooled = m.classifierPooling === 'cls' ? firstToken(ctx, hidden) : meanPool(ctx, hidden, inputs.attentionMask);
        return linear(ctx, dropout(ctx, predictionHead(ctx, pooled), ctx.spec.classifierDropout), 'classifier', true);
      }
      // ModernBertForQuestionAnswering is the token classifier with two outputs (start, end), under the same names.
      case 'token-classification':
      case 'question-answering':
        return linear(ctx, dropout(ctx, predictionHead(ctx, hidden), ctx.spec.classifierDropout), 'classifier', true);
      case 'masked-lm': {
        const logits = b.op('MatMul', [predictionHead(ctx, hidden), b.op('Transpose', [param(ctx, scoped(ctx, 'embeddings.tok_embeddings.weight'))], { perm: ints([1, 0]) })]);
        return m.decoderBias ? b.op('Add', [logits, param(ctx, 'decoder.bias')]) : logits;
      }
    }
  },
};
