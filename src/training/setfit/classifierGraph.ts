// The SetFit model as one ONNX graph: encoder → mean pooling (the sentence-embedding head) → optional L2
// normalisation → linear head → `logits`. One builder serves three uses: the differentiable head's training graph,
// evaluation, and the exported onnx/model.onnx that transformers.js' text-classification pipeline runs.
import { buildForwardModel, headOutputName } from '../../models/arch/forward';
import type { ModelSpec } from '../../models/modelSpec';
import { GraphBuilder } from '../../onnx/builder';
import { int, ints, type Model } from '../../onnx/ir';
import type { LinearHead } from './logisticRegression';

/** Parameter names of the head inside the graph (and in model_head.safetensors). */
export const HEAD_WEIGHT = 'head.weight';
export const HEAD_BIAS = 'head.bias';
export const EMBEDDING = headOutputName('sentence-embedding');

export interface ClassifierGraphOptions {
  normalize: boolean;
  /** Dropout in the encoder (training graphs). */
  training?: boolean;
}

/** `body` holds the encoder's weights under bare (sentence-transformers) names. */
export function buildSetFitClassifier(spec: ModelSpec, body: ReadonlyMap<string, Float32Array>, head: LinearHead, opts: ClassifierGraphOptions): Model {
  if (head.dim !== spec.hiddenSize) throw new Error(`SetFit head: weight is [${head.classes}, ${head.dim}] but the encoder's embeddings have ${spec.hiddenSize} values`);
  const model = buildForwardModel(spec, body, { head: 'sentence-embedding', training: opts.training });
  const g = model.graph;
  g.name = `${spec.modelType}_setfit_classifier`;
  const b = new GraphBuilder(g, { copy: false });
  let x = EMBEDDING;
  if (opts.normalize) {
    // torch.nn.functional.normalize: x / max(‖x‖₂, 1e-12).
    const norm = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [x, x]), b.int64s([-1])], { keepdims: int(1) })]);
    x = b.op('Div', [x, b.op('Max', [norm, b.constant(1e-12)])], {}, { name: 'normalize' });
  }
  const w = b.initializer(HEAD_WEIGHT, { dtype: 'float32', dims: [head.classes, head.dim], data: Float32Array.from(head.weight) });
  const bias = b.initializer(HEAD_BIAS, { dtype: 'float32', dims: [head.classes], data: Float32Array.from(head.bias) });
  const wt = b.op('Transpose', [w], { perm: ints([1, 0]) }, { name: 'head.weight_T' });
  b.op('Add', [b.op('MatMul', [x, wt], {}, { name: 'head.matmul' }), bias], {}, { name: 'head.add', output: 'logits' });
  g.outputs = [{ name: 'logits', dtype: 'float32', shape: ['batch', head.classes] }];
  return model;
}

/** A freshly initialised linear head (nn.Linear's default: U(−1/√dim, 1/√dim) for weight and bias), seeded. */
export function initLinearHead(classes: number, dim: number, random: () => number): LinearHead {
  const bound = 1 / Math.sqrt(dim);
  const u = () => (2 * random() - 1) * bound;
  return { weight: Float32Array.from({ length: classes * dim }, u), bias: Float32Array.from({ length: classes }, u), classes, dim };
}
