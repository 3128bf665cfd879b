// Optimizer graphs against torch.optim (float64): AdamW and SGD+momentum over several steps with changing lr,
// decay/no-decay groups, per-parameter lr multipliers, gradient scaling (accumulation) and global-norm clipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GRAD_SCALE, LEARNING_RATE, OptimizerSpec, ParamSpec, STEP, addOptimizerStep, isNoDecay, stateNames } from '../../../src/training/artifacts/optimizers';
import { GraphBuilder } from '../../../src/onnx/builder';
import { modelToBytes } from '../../../src/onnx/serialize';
import { Rng } from '../../../src/util/rng';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const torchMissing = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0 ? false : 'PyTorch is not importable by /usr/bin/python3 (apt install python3-torch)';

test('weight decay skips biases and normalisation weights, by HF parameter name', () => {
  for (const n of ['classifier.bias', 'bert.embeddings.LayerNorm.weight', 'bert.encoder.layer.3.output.LayerNorm.bias', 'distilbert.transformer.layer.0.sa_layer_norm.weight', 'lm_head.layer_norm.weight', 'model.norm.weight']) {
    assert.equal(isNoDecay(n), true, n);
  }
  for (const n of ['classifier.weight', 'bert.encoder.layer.0.attention.self.query.weight', 'bert.embeddings.word_embeddings.weight', 'roberta.pooler.dense.weight']) {
    assert.equal(isNoDecay(n), false, n);
  }
});

interface Setup {
  spec: OptimizerSpec;
  maxGradNorm: number;
  gradScale: number;
  multipliers: Record<string, number>;
}

async function runOurs(s: Setup, params: ParamSpec[], init: Map<string, Float64Array>, grads: Map<string, Float64Array>[], lrs: number[]) {
  const b = new GraphBuilder('opt');
  const lr = b.input(LEARNING_RATE, 'float64', []);
  const step = b.input(STEP, 'int64', []);
  const scale = b.input(GRAD_SCALE, 'float64', []);
  const pIn = new Map(params.map((p) => [p.name, b.input(p.name, 'float64', p.shape)]));
  const gIn = new Map(params.map((p) => [p.name, b.input(`${p.name}_grad`, 'float64', p.shape)]));
  const states = params.flatMap((p) => stateNames(s.spec, p.name).map((n) => ({ n, p })));
  const sIn = new Map(states.map(({ n, p }) => [n, b.input(n, 'float64', p.shape)]));
  const out = addOptimizerStep(b, s.spec, params, { params: pIn, grads: gIn, state: sIn, learningRate: lr, step, gradScale: scale }, s.maxGradNorm);
  const g = b.build();
  for (const p of params) g.outputs.push({ name: out.params.get(p.name)!, dtype: 'float64', shape: p.shape });
  for (const { n, p } of states) g.outputs.push({ name: out.state.get(n)!, dtype: 'float64', shape: p.shape });
  g.outputs.push({ name: out.gradNorm, dtype: 'float64', shape: [] });
  const sess = await ort.InferenceSession.create(modelToBytes({ graph: g, opsetImports: [{ domain: '', version: 17 }], irVersion: 8, producerName: 't' }), { logSeverityLevel: 3 });
  const cur = new Map<string, ort.Tensor>();
  for (const p of params) cur.set(p.name, new ort.Tensor('float64', Float64Array.from(init.get(p.name)!), p.shape));
  for (const { n, p } of states) cur.set(n, new ort.Tensor('float64', new Float64Array(p.shape.reduce((x, y) => x * y, 1)), p.shape));
  const norms: number[] = [];
  for (let t = 0; t < lrs.length; t++) {
    const feeds: Record<string, ort.Tensor> = { [LEARNING_RATE]: new ort.Tensor('float64', Float64Array.of(lrs[t]), []), [STEP]: new ort.Tensor('int64', BigInt64Array.of(BigInt(t + 1)), []), [GRAD_SCALE]: new ort.Tensor('float64', Float64Array.of(s.gradScale), []) };
    for (const [k, v] of cur) feeds[k] = v;
    for (const p of params) feeds[`${p.name}_grad`] = new ort.Tensor('float64', grads[t].get(p.name)!, p.shape);
    const o = await sess.run(feeds);
    for (const p of params) cur.set(p.name, o[out.params.get(p.name)!]);
    for (const { n } of states) cur.set(n, o[out.state.get(n)!]);
    norms.push(Number(o[out.gradNorm].data[0]));
  }
  return { params: new Map(params.map((p) => [p.name, cur.get(p.name)!.data as Float64Array])), norms };
}

const SETUPS: [string, Setup][] = [
  ['AdamW, weight decay, clipping', { spec: { kind: 'adamw', weightDecay: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8 }, maxGradNorm: 0.5, gradScale: 1, multipliers: {} }],
  ['AdamW, lr multipliers, grad scale 1/4, no clipping', { spec: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 0, gradScale: 0.25, multipliers: { 'layer.0.dense.weight': 0.5, 'classifier.bias': 2 } }],
  ['SGD with momentum', { spec: { kind: 'sgd', momentum: 0.9 }, maxGradNorm: 1, gradScale: 1, multipliers: { 'layer.0.dense.weight': 0.25 } }],
  ['SGD without momentum', { spec: { kind: 'sgd' }, maxGradNorm: 0, gradScale: 1, multipliers: {} }],
];

for (const [name, s] of SETUPS) {
  test(`${name}: 6 steps match torch.optim (float64, ≤ 1e-12)`, { skip: torchMissing }, async () => {
    const rng = new Rng(3);
    const params: ParamSpec[] = [
      { name: 'layer.0.dense.weight', dtype: 'float64', shape: [3, 4], lrMultiplier: s.multipliers['layer.0.dense.weight'] },
      { name: 'layer.0.LayerNorm.weight', dtype: 'float64', shape: [4] },
      { name: 'classifier.bias', dtype: 'float64', shape: [2], lrMultiplier: s.multipliers['classifier.bias'] },
    ];
    const rand = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
    const size = (p: ParamSpec) => p.shape.reduce((x, y) => x * y, 1);
    const init = new Map(params.map((p) => [p.name, rand(size(p))]));
    const lrs = [1e-2, 2e-2, 3e-2, 2e-2, 1e-2, 5e-3];
    const grads = lrs.map(() => new Map(params.map((p) => [p.name, rand(size(p))])));
    const ours = await runOurs(s, params, init, grads, lrs);
    const wd = s.spec.weightDecay ?? 0;
    const req = {
      optimizer: s.spec.kind, weight_decay: wd, momentum: s.spec.kind === 'sgd' ? (s.spec.momentum ?? 0) : undefined,
      betas: s.spec.kind === 'adamw' ? [s.spec.beta1 ?? 0.9, s.spec.beta2 ?? 0.999] : undefined, eps: s.spec.kind === 'adamw' ? (s.spec.eps ?? 1e-8) : undefined,
      params: Object.fromEntries(params.map((p) => [p.name, { shape: p.shape, data: [...init.get(p.name)!] }])),
      grads: grads.map((g) => Object.fromEntries([...g].map(([k, v]) => [k, [...v]]))),
      lrs, no_decay: ['layer.0.LayerNorm.weight', 'classifier.bias'], max_grad_norm: s.maxGradNorm, lr_multipliers: s.multipliers, grad_scale: s.gradScale,
    };
    const r = spawnSync('/usr/bin/python3', [path.join(REPO, 'test', 'reference', 'train_optim.py')], { input: JSON.stringify(req), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { params: Record<string, number[]>; grad_norms: number[] };
    for (const p of params) {
      const a = ours.params.get(p.name)!;
      const moved = Math.max(...ref.params[p.name].map((v, k) => Math.abs(v - init.get(p.name)![k])));
      assert.ok(moved > 1e-3, `${p.name} barely moved: the comparison would prove nothing`);
      for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - ref.params[p.name][k]) <= 1e-12, `${p.name}[${k}]: ${a[k]} vs torch ${ref.params[p.name][k]}`);
    }
    for (let t = 0; t < lrs.length; t++) assert.ok(Math.abs(ours.norms[t] - ref.grad_norms[t]) <= 1e-12 * ref.grad_norms[t], `grad norm at step ${t + 1}`);
  });
}
