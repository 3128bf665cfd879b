// Building blocks shared by the BERT-family graph builders. Weights enter as initializers named exactly as HF names
// the parameters (Linear weights keep HF's [out, in] layout and are transposed in the graph), so the trainer, the
// parameter plans and export all speak the same names. Only ops the autodiff has rules for are used.
import { GraphBuilder } from '../../onnx/builder';
import { float, int, ints } from '../../onnx/ir';
import type { HiddenAct, ModelSpec } from '../modelSpec';

/** torch.finfo(torch.float32).min, the additive mask value HF uses for padded keys. */
export const FLOAT32_MIN = -3.4028234663852886e38;

export interface BuildContext {
  b: GraphBuilder;
  spec: ModelSpec;
  weights: ReadonlyMap<string, Float32Array>;
  shapes: ReadonlyMap<string, number[]>;
  /** Training graphs get Dropout nodes; eval graphs have none, so they are deterministic and lean. */
  training: boolean;
  /** The encoder's name prefix: "bert", "roberta", … in task models, "" in a bare model (sentence-transformers). */
  base: string;
  /**
   * The head reads only the first token of the last hidden state (sequence classification): the last layer then
   * computes queries, attention output, residuals and feed-forward for that one row (keys and values still for every
   * token). Same logits and gradients as the full layer; the rows it skips were computed and thrown away — 21 % of a
   * 4-layer/256-hidden BERT's FLOPs at 128 tokens, 14 % at 6 layers/384 hidden (BENCHMARKS.md).
   */
  firstTokenOnly?: boolean;
}

/** An encoder parameter name under the context's prefix. */
export function scoped(ctx: BuildContext, rest: string): string {
  return ctx.base ? `${ctx.base}.${rest}` : rest;
}

/** The initializer for an HF parameter, added on first use. */
export function param(ctx: BuildContext, name: string): string {
  if (ctx.b.graph.initializers.has(name)) return name;
  const data = ctx.weights.get(name);
  const dims = ctx.shapes.get(name);
  if (!data || !dims) throw new Error(`graph builder: no weight "${name}" for ${ctx.spec.modelType}`);
  return ctx.b.initializer(name, { dtype: 'float32', dims: [...dims], data });
}

/** y = x · Wᵀ + b with HF's nn.Linear layout; `bias: false` for nn.Linear(bias=False) (no `.bias` parameter). */
export function linear(ctx: BuildContext, x: string, name: string, bias = true): string {
  const wt = ctx.b.op('Transpose', [param(ctx, `${name}.weight`)], { perm: ints([1, 0]) }, { name: `${name}.weight_T` });
  const y = ctx.b.op('MatMul', [x, wt], {}, { name: `${name}.matmul` });
  return bias ? ctx.b.op('Add', [y, param(ctx, `${name}.bias`)], {}, { name: `${name}.add` }) : y;
}

/**
 * nn.LayerNorm over the last axis; `bias: false` for LayerNorm(bias=False) (ModernBERT), whose offset is one shared
 * constant zero of the hidden size rather than a parameter.
 */
export function layerNorm(ctx: BuildContext, x: string, name: string, eps = ctx.spec.layerNormEps, bias = true): string {
  const b = ctx.b;
  const size = ctx.spec.hiddenSize;
  const zero = `zero_bias_${size}`;
  if (!bias && !b.graph.initializers.has(zero)) b.initializer(zero, { dtype: 'float32', dims: [size], data: new Float32Array(size) });
  return b.op('LayerNormalization', [x, param(ctx, `${name}.weight`), bias ? param(ctx, `${name}.bias`) : zero], { axis: int(-1), epsilon: float(eps) }, { name });
}

export function activation(ctx: BuildContext, x: string, act: HiddenAct): string {
  const b = ctx.b;
  if (act === 'relu') return b.op('Relu', [x]);
  if (act === 'gelu') {
    // Exact erf GELU, as torch.nn.functional.gelu: 0.5·x·(1 + erf(x/√2)).
    const e = b.op('Erf', [b.op('Div', [x, b.constant(Math.SQRT2)])]);
    return b.op('Mul', [b.op('Mul', [x, b.op('Add', [e, b.constant(1)])]), b.constant(0.5)]);
  }
  // gelu_new: the tanh approximation used by the original BERT/GPT-2 code.
  const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
  const inner = b.op('Mul', [b.op('Add', [x, b.op('Mul', [cube, b.constant(0.044715)])]), b.constant(Math.sqrt(2 / Math.PI))]);
  return b.op('Mul', [b.op('Mul', [x, b.op('Add', [b.op('Tanh', [inner]), b.constant(1)])]), b.constant(0.5)]);
}

export function dropout(ctx: BuildContext, x: string, ratio: number): string {
  if (!ctx.training || ratio <= 0) return x;
  const b = ctx.b;
  const training = b.constant({ dtype: 'bool', dims: [], data: new Uint8Array([1]) }, 'bool', 'dropout_training');
  const [y, mask] = b.opMulti('Dropout', [x, b.constant(ratio, 'float32', 'dropout_ratio'), training], {}, 2);
  // ORT's inference build deletes every Dropout whose mask output nobody reads (EliminateDropout), even in training
  // mode. Multiplying by the mask again changes no value (dropped units are already 0) but keeps the node alive,
  // including where no gradient flows (dropout over frozen layers).
  return b.op('Mul', [y, b.op('Cast', [mask], { to: int(1) })]);
}

/** HF's extended attention mask: (1 − mask)·finfo.min, shaped [batch, 1, 1, seq] to broadcast over heads and queries. */
export function attentionBias(ctx: BuildContext, attentionMask: string): string {
  const b = ctx.b;
  const m = b.op('Cast', [attentionMask], { to: int(1) });
  const inv = b.op('Sub', [b.constant(1), m]);
  const bias = b.op('Mul', [inv, b.constant(FLOAT32_MIN)]);
  return b.op('Unsqueeze', [bias, b.int64s([1, 2])], {}, { name: 'extended_attention_mask' });
}

export interface AttentionNames {
  query: string;
  key: string;
  value: string;
  output: string;
}

/**
 * Multi-head self-attention up to (not including) the output projection: returns the merged context [B, Q, H] for the
 * query rows `queries` (all of `x` by default; Q = S) attending over every token of `x`.
 */
export function selfAttention(ctx: BuildContext, x: string, bias: string, names: AttentionNames, queries = x): string {
  const b = ctx.b;
  const { numHeads, hiddenSize } = ctx.spec;
  const headDim = hiddenSize / numHeads;
  const split = b.int64s([0, 0, numHeads, headDim], 'heads_shape');
  const heads = (from: string, name: string, perm: number[]) =>
    b.op('Transpose', [b.op('Reshape', [linear(ctx, from, name), split])], { perm: ints(perm) });
  const q = heads(queries, names.query, [0, 2, 1, 3]);
  const kT = heads(x, names.key, [0, 2, 3, 1]);
  const v = heads(x, names.value, [0, 2, 1, 3]);
  const scores = b.op('Div', [b.op('MatMul', [q, kT]), b.constant(Math.sqrt(headDim))]);
  const probs = dropout(ctx, b.op('Softmax', [b.op('Add', [scores, bias])], { axis: int(-1) }), ctx.spec.attentionDropout);
  const context = b.op('Transpose', [b.op('MatMul', [probs, v])], { perm: ints([0, 2, 1, 3]) });
  return b.op('Reshape', [context, b.int64s([0, 0, hiddenSize], 'merge_shape')]);
}

/** x[:, :1, :]: the rows a first-token head reads, kept 3-D so a layer's shapes stay [B, Q, H]. */
export function firstRows(ctx: BuildContext, x: string): string {
  const b = ctx.b;
  return b.op('Slice', [x, b.int64s([0], 'first_row_start'), b.int64s([1], 'first_row_end'), b.int64s([1], 'first_row_axis')]);
}

/** Whether layer `i` of the encoder is the last one and only its first token is read (BuildContext.firstTokenOnly). */
export function onlyFirstRow(ctx: BuildContext, i: number): boolean {
  return ctx.firstTokenOnly === true && i === ctx.spec.numLayers - 1;
}

/** One BERT/RoBERTa/ELECTRA encoder layer (post-LayerNorm), HF names under `prefix`; `firstOnly`: see firstTokenOnly. */
export function bertLayer(ctx: BuildContext, x: string, bias: string, prefix: string, firstOnly = false): string {
  const a = `${prefix}.attention`;
  const rows = firstOnly ? firstRows(ctx, x) : x;
  const context = selfAttention(ctx, x, bias, { query: `${a}.self.query`, key: `${a}.self.key`, value: `${a}.self.value`, output: `${a}.output.dense` }, rows);
  const attnOut = dropout(ctx, linear(ctx, context, `${a}.output.dense`), ctx.spec.hiddenDropout);
  const h = layerNorm(ctx, ctx.b.op('Add', [attnOut, rows]), `${a}.output.LayerNorm`);
  const inter = activation(ctx, linear(ctx, h, `${prefix}.intermediate.dense`), ctx.spec.hiddenAct);
  const out = dropout(ctx, linear(ctx, inter, `${prefix}.output.dense`), ctx.spec.hiddenDropout);
  return layerNorm(ctx, ctx.b.op('Add', [out, h]), `${prefix}.output.LayerNorm`);
}

/** Sum of the three embeddings BERT-style models add: words + positions + token types. */
export function lookup(ctx: BuildContext, table: string, ids: string): string {
  return ctx.b.op('Gather', [param(ctx, table), ids], { axis: int(0) });
}

/** 0, 1, …, seq−1 as int64 [seq]: absolute position ids, broadcast over the batch. */
export function positionRange(ctx: BuildContext, inputIds: string): string {
  const b = ctx.b;
  const seqLen = b.op('Gather', [b.op('Shape', [inputIds]), b.constant({ dtype: 'int64', dims: [], data: new BigInt64Array([1n]) }, 'int64', 'seq_axis')], { axis: int(0) });
  return b.op('Range', [b.constant(0, 'int64', 'zero'), seqLen, b.constant(1, 'int64', 'one')], {}, { name: 'position_ids' });
}

/** hidden[:, 0, :], the first ([CLS] / <s>) token. */
export function firstToken(ctx: BuildContext, hidden: string): string {
  return ctx.b.op('Gather', [hidden, ctx.b.constant(0, 'int64', 'cls_index')], { axis: int(1) });
}

/** sentence-transformers mean pooling: Σ(h·mask) / max(Σmask, 1e-9). */
export function meanPool(ctx: BuildContext, hidden: string, attentionMask: string): string {
  const b = ctx.b;
  const m = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: int(1) }), b.int64s([2])]);
  const axes = b.int64s([1], 'pool_axes');
  const summed = b.op('ReduceSum', [b.op('Mul', [hidden, m]), axes], { keepdims: int(0) });
  const count = b.op('Max', [b.op('ReduceSum', [m, axes], { keepdims: int(0) }), b.constant(1e-9)]);
  return b.op('Div', [summed, count]);
}

/** Output projection tied to the word embeddings (HF ties MLM decoders to them): h · Eᵀ + bias. */
export function tiedDecoder(ctx: BuildContext, h: string, wordEmbeddings: string, biasName: string): string {
  const b = ctx.b;
  const et = b.op('Transpose', [param(ctx, wordEmbeddings)], { perm: ints([1, 0]) });
  return b.op('Add', [b.op('MatMul', [h, et]), param(ctx, biasName)]);
}
