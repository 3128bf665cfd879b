// Every loss head against PyTorch's own loss functions (float64): loss value and gradient w.r.t. the prediction,
// through our autodiff and onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { addGradients } from '../../../src/training/autodiff/backward';
import { LossSpec, addLoss } from '../../../src/training/artifacts/losses';
import { GraphBuilder } from '../../../src/onnx/builder';
import { Dim } from '../../../src/onnx/ir';
import { modelToBytes } from '../../../src/onnx/serialize';
import { Rng } from '../../../src/util/rng';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const torchMissing = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0 ? false : 'PyTorch is not importable by /usr/bin/python3 (apt install python3-torch)';

interface Case {
  name: string;
  spec: LossSpec;
  shape: number[];
  /** Symbolic shape declared for the prediction (tests dynamic paths). */
  declared?: Dim[];
  labels: number[];
  labelShape: number[];
  floatLabels?: boolean;
  torch: Record<string, unknown>;
}

function cases(): Case[] {
  return [
    { name: 'CE', spec: { kind: 'cross-entropy' }, shape: [4, 3], labels: [0, 2, 1, 2], labelShape: [4], torch: { kind: 'cross-entropy' } },
    {
      name: 'CE with class weights and label smoothing', spec: { kind: 'cross-entropy', classWeights: [0.5, 2, 1.25], labelSmoothing: 0.1 },
      shape: [5, 3], labels: [0, 2, 1, 2, 1], labelShape: [5], torch: { kind: 'cross-entropy', class_weights: [0.5, 2, 1.25], label_smoothing: 0.1 },
    },
    {
      name: 'token CE with ignored positions, symbolic dims', spec: { kind: 'cross-entropy', labelSmoothing: 0.2 }, shape: [2, 3, 4], declared: ['batch', 'seq', 'classes'],
      labels: [0, -100, 3, 1, 2, -100], labelShape: [2, 3], torch: { kind: 'cross-entropy', label_smoothing: 0.2 },
    },
    {
      name: 'token CE with class weights, ignored positions and label smoothing', spec: { kind: 'cross-entropy', classWeights: [0.25, 3, 1, 1.5], labelSmoothing: 0.15 },
      shape: [2, 3, 4], declared: ['batch', 'seq', 4], labels: [1, -100, 3, 0, 1, -100], labelShape: [2, 3],
      torch: { kind: 'cross-entropy', class_weights: [0.25, 3, 1, 1.5], label_smoothing: 0.15 },
    },
    {
      name: 'CE with balanced-style weights (rare class heavy)', spec: { kind: 'cross-entropy', classWeights: [0.5435, 6.25] },
      shape: [6, 2], labels: [0, 0, 0, 0, 0, 1], labelShape: [6], torch: { kind: 'cross-entropy', class_weights: [0.5435, 6.25] },
    },
    { name: 'masked-LM', spec: { kind: 'masked-lm' }, shape: [2, 4, 7], labels: [-100, 5, -100, -100, 0, -100, 6, 6], labelShape: [2, 4], torch: { kind: 'masked-lm' } },
    { name: 'BCE with logits', spec: { kind: 'bce-with-logits' }, shape: [3, 4], labels: [1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0], labelShape: [3, 4], floatLabels: true, torch: { kind: 'bce-with-logits' } },
    {
      name: 'BCE with pos_weight', spec: { kind: 'bce-with-logits', posWeight: [1, 3, 0.5, 2] }, shape: [3, 4], labels: [1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0], labelShape: [3, 4],
      floatLabels: true, torch: { kind: 'bce-with-logits', pos_weight: [1, 3, 0.5, 2] },
    },
    { name: 'MSE (one output)', spec: { kind: 'mse' }, shape: [4, 1], labels: [0.5, -1, 2, 0], labelShape: [4], floatLabels: true, torch: { kind: 'mse' } },
    { name: 'MSE (several outputs)', spec: { kind: 'mse' }, shape: [2, 3], labels: [0.5, -1, 2, 0, 1, 1], labelShape: [2, 3], floatLabels: true, torch: { kind: 'mse' } },
    { name: 'cosine similarity (SetFit)', spec: { kind: 'cosine-similarity' }, shape: [6, 5], declared: ['rows', 5], labels: [1, 0, 1], labelShape: [3], floatLabels: true, torch: { kind: 'cosine-similarity' } },
  ];
}

async function ours(c: Case, pred: Float64Array): Promise<{ loss: number; grad: Float64Array }> {
  const b = new GraphBuilder('loss');
  const x = b.input('pred', 'float64', c.declared ?? c.shape);
  const head = addLoss(b, c.spec, { name: x, dtype: 'float64', shape: c.declared ?? c.shape });
  const g = b.build();
  const { grads } = addGradients(g, { loss: head.loss, wrt: ['pred'], opset: 17 });
  g.outputs.push({ name: head.loss, dtype: 'float64', shape: [] }, { name: grads.get('pred')!, dtype: 'float64', shape: c.shape });
  const s = await ort.InferenceSession.create(modelToBytes({ graph: g, opsetImports: [{ domain: '', version: 17 }], irVersion: 8, producerName: 't' }), { logSeverityLevel: 3 });
  const labels = c.floatLabels ? new ort.Tensor('float64', Float64Array.from(c.labels), c.labelShape) : new ort.Tensor('int64', BigInt64Array.from(c.labels.map(BigInt)), c.labelShape);
  const out = await s.run({ pred: new ort.Tensor('float64', pred, c.shape), labels });
  return { loss: Number(out[head.loss].data[0]), grad: out[grads.get('pred')!].data as Float64Array };
}

function nest(flat: number[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

test('every loss matches PyTorch in value and gradient (float64, rel error ≤ 1e-10)', { skip: torchMissing }, async () => {
  const rng = new Rng(5);
  const all = cases();
  const preds = all.map((c) => Float64Array.from({ length: c.shape.reduce((p, q) => p * q, 1) }, () => rng.normal() * 2));
  const requests = all.map((c, i) => ({ ...c.torch, pred: nest([...preds[i]], c.shape), labels: nest(c.labels, c.labelShape) }));
  const r = spawnSync('/usr/bin/python3', [path.join(REPO, 'test', 'reference', 'train_losses.py')], { input: JSON.stringify(requests), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { loss: number; grad: number[] }[];
  for (const [i, c] of all.entries()) {
    const got = await ours(c, preds[i]);
    assert.ok(Math.abs(got.loss - ref[i].loss) <= 1e-10 * Math.max(1, Math.abs(ref[i].loss)), `${c.name}: loss ${got.loss} vs torch ${ref[i].loss}`);
    const scale = Math.max(...ref[i].grad.map(Math.abs));
    assert.ok(scale > 1e-3, `${c.name}: torch gradient is ~0, the comparison would prove nothing`);
    for (let k = 0; k < got.grad.length; k++) assert.ok(Math.abs(got.grad[k] - ref[i].grad[k]) <= 1e-10 * scale, `${c.name}: grad[${k}] ${got.grad[k]} vs ${ref[i].grad[k]}`);
  }
});

test('cross-entropy by hand: one sample, two classes, label 1 → log(1 + e^(z0 − z1))', async () => {
  const c: Case = { name: 'hand', spec: { kind: 'cross-entropy' }, shape: [1, 2], labels: [1], labelShape: [1], torch: {} };
  const got = await ours(c, Float64Array.from([2, -1]));
  assert.ok(Math.abs(got.loss - Math.log(1 + Math.exp(3))) < 1e-12);
  // d/dz = softmax − onehot
  const p0 = Math.exp(2) / (Math.exp(2) + Math.exp(-1));
  assert.ok(Math.abs(got.grad[0] - p0) < 1e-12 && Math.abs(got.grad[1] - (1 - p0 - 1)) < 1e-12);
});

test('weighted cross-entropy with smoothing: the gradient through the class-weight constant matches central differences', async () => {
  const c: Case = { name: 'fd', spec: { kind: 'cross-entropy', classWeights: [0.3, 2, 1.1], labelSmoothing: 0.1 }, shape: [4, 3], labels: [2, 1, -100, 0], labelShape: [4], torch: {} };
  const rng = new Rng(9);
  const x = Float64Array.from({ length: 12 }, () => rng.normal());
  const { loss, grad } = await ours(c, x);
  assert.ok(Number.isFinite(loss));
  const h = 1e-6;
  for (let k = 0; k < x.length; k++) {
    const plus = Float64Array.from(x);
    const minus = Float64Array.from(x);
    plus[k] += h;
    minus[k] -= h;
    const fd = ((await ours(c, plus)).loss - (await ours(c, minus)).loss) / (2 * h);
    assert.ok(Math.abs(fd - grad[k]) < 1e-8, `d loss / d x[${k}]: autodiff ${grad[k]} vs finite difference ${fd}`);
  }
  // The ignored row (index 2) gets no gradient at all.
  assert.deepEqual(Array.from(grad.subarray(6, 9)), [0, 0, 0]);
});

test('bad loss settings are refused with the reason', () => {
  const b = new GraphBuilder('g');
  const x = b.input('pred', 'float32', [2, 3]);
  assert.throws(() => addLoss(b, { kind: 'cross-entropy', classWeights: [1, 2] }, { name: x, dtype: 'float32', shape: [2, 3] }), /2 class weights for 3 classes/);
  assert.throws(() => addLoss(new GraphBuilder('w'), { kind: 'cross-entropy', classWeights: [1, 0, 2] }, { name: 'p', dtype: 'float32', shape: [2, 3] }), /cross-entropy loss: class weight 2 is 0; weights must be positive and finite/);
  assert.throws(() => addLoss(new GraphBuilder('w'), { kind: 'bce-with-logits', posWeight: [1, NaN] }, { name: 'p', dtype: 'float32', shape: [2, 2] }), /bce-with-logits loss: positive weight 2 is NaN; weights must be positive and finite/);
  assert.throws(() => addLoss(new GraphBuilder('w'), { kind: 'bce-with-logits', posWeight: [1, 2, 3] }, { name: 'p', dtype: 'float32', shape: [2, 2] }), /bce-with-logits loss: 3 positive weights for 2 labels/);
  assert.throws(() => addLoss(new GraphBuilder('h'), { kind: 'cross-entropy', labelSmoothing: 1 }, { name: 'p', dtype: 'float32', shape: [2, 3] }), /labelSmoothing must be in \[0, 1\)/);
  assert.throws(() => addLoss(new GraphBuilder('i'), { kind: 'cross-entropy' }, { name: 'ids', dtype: 'int64', shape: [2, 3] }), /"ids" is int64, expected a float/);
});
