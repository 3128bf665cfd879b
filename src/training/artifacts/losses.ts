// Loss heads appended to a forward graph, each written with differentiable standard ops so the autodiff covers them.
// Semantics follow PyTorch (what HF models call): CrossEntropyLoss(weight, label_smoothing, ignore_index=-100),
// BCEWithLogitsLoss(pos_weight), MSELoss, sentence-transformers' CosineSimilarityLoss (MSE of cos(u, v) vs label) and
// the span loss of HF's question-answering models.
import { GraphBuilder } from '../../onnx/builder';
import { dtypeCode } from '../autodiff/gradBuilder';
import { DType, Dim, ValueInfo, int, ints, tensor } from '../../onnx/ir';

export type LossSpec =
  /** Single-label classification over the last axis of the logits; token classification when logits are [B, S, C]. */
  | { kind: 'cross-entropy'; classWeights?: number[]; labelSmoothing?: number; ignoreIndex?: number }
  /** Multi-label classification: one sigmoid per class, labels are 0/1 floats shaped like the logits. */
  | { kind: 'bce-with-logits'; posWeight?: number[] }
  /** Regression: predictions [B, 1] or [B, C] against float labels [B] or [B, C]. */
  | { kind: 'mse' }
  /** Masked-LM: cross-entropy over the vocabulary, positions labelled -100 ignored. */
  | { kind: 'masked-lm'; ignoreIndex?: number }
  /** SetFit: embeddings of a batch laid out as [u_1..u_P, v_1..v_P]; loss = mean((cos(u_i, v_i) − label_i)²). */
  | { kind: 'cosine-similarity' }
  /**
   * Extractive QA (HF *ForQuestionAnswering): logits [B, S, 2] (start, end), labels int64 [B, 2] (start, end token).
   * Positions are clamped to [0, S] and S is the ignore index, so an answer outside the window costs nothing;
   * loss = (CE_start + CE_end) / 2, each averaged over its own kept positions.
   */
  | { kind: 'span' };

export interface LossHead {
  /** Name of the scalar loss value. */
  loss: string;
  /** Inputs the loss adds to the graph (the labels), with dtypes and shapes. */
  labelInputs: ValueInfo[];
}

export const LABELS = 'labels';

interface Pred {
  name: string;
  dtype: DType;
  shape: Dim[];
}

/** Appends the loss to `b`, reading the prediction value `pred` (its ValueInfo gives dtype and shape). */
export function addLoss(b: GraphBuilder, spec: LossSpec, pred: Pred): LossHead {
  switch (spec.kind) {
    case 'cross-entropy':
      return crossEntropy(b, pred, spec.classWeights, spec.labelSmoothing ?? 0, spec.ignoreIndex ?? -100);
    case 'masked-lm':
      return crossEntropy(b, pred, undefined, 0, spec.ignoreIndex ?? -100);
    case 'bce-with-logits':
      return bceWithLogits(b, pred, spec.posWeight);
    case 'mse':
      return mse(b, pred);
    case 'cosine-similarity':
      return cosineSimilarity(b, pred);
    case 'span':
      return spanLoss(b, pred);
  }
}

function checkFloat(pred: Pred, kind: string): void {
  if (pred.dtype !== 'float32' && pred.dtype !== 'float64' && pred.dtype !== 'float16') throw new Error(`${kind} loss: prediction "${pred.name}" is ${pred.dtype}, expected a float tensor`);
}

/** Loss weights are constants of the graph: a zero, negative or NaN one would silently void or flip examples. */
function checkWeights(weights: readonly number[] | undefined, what: string, kind: string): void {
  const bad = weights?.findIndex((w) => !(w > 0 && Number.isFinite(w))) ?? -1;
  if (bad >= 0) throw new Error(`${kind} loss: ${what} ${bad + 1} is ${weights![bad]}; weights must be positive and finite`);
}

function lastDim(b: GraphBuilder, pred: Pred): string {
  const c = pred.shape[pred.shape.length - 1];
  return typeof c === 'number' ? b.int64s([c]) : b.op('Shape', [pred.name], { start: int(-1) });
}

function crossEntropy(b: GraphBuilder, pred: Pred, classWeights: number[] | undefined, smoothing: number, ignoreIndex: number): LossHead {
  checkFloat(pred, 'cross-entropy');
  if (pred.shape.length < 2) throw new Error(`cross-entropy loss: logits "${pred.name}" must be [batch, classes] or [batch, seq, classes], got rank ${pred.shape.length}`);
  if (smoothing < 0 || smoothing >= 1) throw new Error(`cross-entropy loss: labelSmoothing must be in [0, 1), got ${smoothing}`);
  const classes = pred.shape[pred.shape.length - 1];
  if (classWeights && typeof classes === 'number' && classWeights.length !== classes) {
    throw new Error(`cross-entropy loss: ${classWeights.length} class weights for ${classes} classes`);
  }
  checkWeights(classWeights, 'class weight', 'cross-entropy');
  const dt = pred.dtype;
  const c = (v: number) => b.constant(v, dt, 'loss_c');
  const labels = b.input(LABELS, 'int64', pred.shape.slice(0, -1));
  const C = lastDim(b, pred);
  const logits2d = b.op('Reshape', [pred.name, b.op('Concat', [b.int64s([-1]), C], { axis: int(0) })]);
  const flatLabels = b.op('Reshape', [labels, b.int64s([-1])]);
  const logp = b.op('LogSoftmax', [logits2d], { axis: int(-1) });
  const valid = b.op('Not', [b.op('Equal', [flatLabels, b.constant(tensor('int64', [], [ignoreIndex]), 'int64')])]);
  const safe = b.op('Where', [valid, flatLabels, b.constant(tensor('int64', [], [0]), 'int64')]);
  const validF = b.op('Cast', [valid], { to: int(dtypeCode(dt)) });
  // Pick log p[label] per row: no one-hot [rows, classes] tensor to keep alive (it is as big as an MLM's logits).
  const picked = b.op('GatherElements', [logp, b.op('Unsqueeze', [safe, b.int64s([-1])])], { axis: int(-1) });
  const nll = b.op('Neg', [b.op('Reshape', [picked, b.int64s([-1])])]);
  let sampleWeight = validF;
  let weightRow: string | undefined;
  if (classWeights) {
    weightRow = b.constant(tensor(dt, [classWeights.length], classWeights), dt, 'class_weights');
    sampleWeight = b.op('Mul', [b.op('Gather', [weightRow, safe], { axis: int(0) }), validF]);
  }
  let perSample = b.op('Mul', [nll, sampleWeight]);
  if (smoothing > 0) {
    // PyTorch: (1−ε)·w_y·nll + ε/C·Σ_c w_c·(−log p_c), both divided by Σ w_y over the batch.
    const weighted = weightRow ? b.op('Mul', [logp, weightRow]) : logp;
    const count = b.op('Cast', [b.op('Squeeze', [C, b.int64s([0])])], { to: int(dtypeCode(dt)) });
    const smooth = b.op('Neg', [b.op('Div', [b.op('ReduceSum', [weighted, b.int64s([-1])], { keepdims: int(0) }), count])]);
    perSample = b.op('Add', [b.op('Mul', [perSample, c(1 - smoothing)]), b.op('Mul', [b.op('Mul', [smooth, validF]), c(smoothing)])]);
  }
  const total = b.op('ReduceSum', [perSample], { keepdims: int(0) });
  const denom = b.op('ReduceSum', [sampleWeight], { keepdims: int(0) });
  const loss = b.op('Div', [total, denom]);
  return { loss, labelInputs: [{ name: LABELS, dtype: 'int64', shape: pred.shape.slice(0, -1) }] };
}

function bceWithLogits(b: GraphBuilder, pred: Pred, posWeight?: number[]): LossHead {
  checkFloat(pred, 'bce-with-logits');
  const labels = pred.shape[pred.shape.length - 1];
  if (posWeight && typeof labels === 'number' && posWeight.length !== labels) throw new Error(`bce-with-logits loss: ${posWeight.length} positive weights for ${labels} labels`);
  checkWeights(posWeight, 'positive weight', 'bce-with-logits');
  const dt = pred.dtype;
  const c = (v: number) => b.constant(v, dt, 'loss_c');
  const y = b.input(LABELS, dt, pred.shape);
  const x = pred.name;
  // PyTorch's stable form: (1−y)·x + (1 + (pw−1)·y)·(log(1 + e^−|x|) + max(−x, 0)).
  const softplusNeg = b.op('Add', [b.op('Log', [b.op('Add', [c(1), b.op('Exp', [b.op('Neg', [b.op('Abs', [x])])])])]), b.op('Relu', [b.op('Neg', [x])])]);
  let logWeight: string | undefined;
  if (posWeight) {
    const pw = b.constant(tensor(dt, [posWeight.length], posWeight.map((v) => v - 1)), dt, 'pos_weight_minus_1');
    logWeight = b.op('Add', [c(1), b.op('Mul', [pw, y])]);
  }
  const term = b.op('Add', [b.op('Mul', [b.op('Sub', [c(1), y]), x]), logWeight ? b.op('Mul', [logWeight, softplusNeg]) : softplusNeg]);
  const loss = b.op('ReduceMean', [term], { keepdims: int(0) });
  return { loss, labelInputs: [{ name: LABELS, dtype: dt, shape: pred.shape }] };
}

function mse(b: GraphBuilder, pred: Pred): LossHead {
  checkFloat(pred, 'mse');
  // HF regression (num_labels = 1) compares logits.squeeze() with labels.squeeze().
  const single = pred.shape.length === 2 && pred.shape[1] === 1;
  const labelShape = single ? [pred.shape[0]] : pred.shape;
  const y = b.input(LABELS, pred.dtype, labelShape);
  const p = single ? b.op('Reshape', [pred.name, b.int64s([-1])]) : pred.name;
  const d = b.op('Sub', [p, y]);
  const loss = b.op('ReduceMean', [b.op('Mul', [d, d])], { keepdims: int(0) });
  return { loss, labelInputs: [{ name: LABELS, dtype: pred.dtype, shape: labelShape }] };
}

function cosineSimilarity(b: GraphBuilder, pred: Pred): LossHead {
  checkFloat(pred, 'cosine-similarity');
  if (pred.shape.length !== 2) throw new Error(`cosine-similarity loss: embeddings "${pred.name}" must be [2·pairs, hidden], got rank ${pred.shape.length}`);
  const dt = pred.dtype;
  const y = b.input(LABELS, dt, ['pairs']);
  const rows = b.op('Shape', [pred.name], { start: int(0), end: int(1) });
  const half = b.op('Div', [rows, b.int64s([2])]);
  const [u, v] = b.opMulti('Split', [pred.name, b.op('Concat', [half, half], { axis: int(0) })], { axis: int(0) }, 2);
  const dot = (p: string, q: string) => b.op('ReduceSum', [b.op('Mul', [p, q]), b.int64s([-1])], { keepdims: int(0) });
  // torch.cosine_similarity: u·v / sqrt(max(|u|²·|v|², eps²)), eps = 1e-8.
  const norms = b.op('Sqrt', [b.op('Max', [b.op('Mul', [dot(u, u), dot(v, v)]), b.constant(1e-16, dt, 'loss_c')])]);
  const cos = b.op('Div', [dot(u, v), norms]);
  const d = b.op('Sub', [cos, y]);
  const loss = b.op('ReduceMean', [b.op('Mul', [d, d])], { keepdims: int(0) });
  return { loss, labelInputs: [{ name: LABELS, dtype: dt, shape: ['pairs'] }] };
}

/** Token positions of the span loss: [batch, 2] = (start, end) per row. */
export const SPAN_POSITIONS = 2;

function spanLoss(b: GraphBuilder, pred: Pred): LossHead {
  checkFloat(pred, 'span');
  const last = pred.shape[pred.shape.length - 1];
  if (pred.shape.length !== 3 || (typeof last === 'number' && last !== 2)) {
    throw new Error(`span loss: logits "${pred.name}" must be [batch, sequence, 2] (start and end scores per token), got [${pred.shape.join(', ')}]`);
  }
  const dt = pred.dtype;
  const labelShape: Dim[] = [pred.shape[0], SPAN_POSITIONS];
  const labels = b.input(LABELS, 'int64', labelShape);
  const seqLen = b.op('Shape', [pred.name], { start: int(1), end: int(2) });
  // [B, S, 2] → [B, 2, S] → [2B, S]: rows alternate start, end, so each row is one S-way classification.
  const rows = b.op('Reshape', [b.op('Transpose', [pred.name], { perm: ints([0, 2, 1]) }), b.op('Concat', [b.int64s([-1]), seqLen], { axis: int(0) })]);
  const flat = b.op('Reshape', [labels, b.int64s([-1])]);
  // HF: positions.clamp(0, ignored_index) with ignored_index = S, then CrossEntropyLoss(ignore_index=S).
  const clamped = b.op('Min', [b.op('Max', [flat, b.constant(tensor('int64', [], [0]), 'int64', 'span_zero')]), b.op('Squeeze', [seqLen, b.int64s([0])])]);
  const valid = b.op('Less', [clamped, b.op('Squeeze', [seqLen, b.int64s([0])])]);
  const safe = b.op('Where', [valid, clamped, b.constant(tensor('int64', [], [0]), 'int64', 'span_zero')]);
  const validF = b.op('Cast', [valid], { to: int(dtypeCode(dt)) });
  const logp = b.op('LogSoftmax', [rows], { axis: int(-1) });
  const picked = b.op('GatherElements', [logp, b.op('Unsqueeze', [safe, b.int64s([-1])])], { axis: int(-1) });
  const nll = b.op('Mul', [b.op('Neg', [b.op('Reshape', [picked, b.int64s([-1])])]), validF]);
  // Back to [B, 2]: the start and the end loss are means over their own kept rows, then averaged.
  const pairs = b.int64s([-1, SPAN_POSITIONS]);
  const axis0 = b.int64s([0]);
  const sums = b.op('ReduceSum', [b.op('Reshape', [nll, pairs]), axis0], { keepdims: int(0) });
  const counts = b.op('ReduceSum', [b.op('Reshape', [validF, pairs]), axis0], { keepdims: int(0) });
  const loss = b.op('ReduceMean', [b.op('Div', [sums, counts])], { keepdims: int(0) });
  return { loss, labelInputs: [{ name: LABELS, dtype: 'int64', shape: labelShape }] };
}
