// The engine against PyTorch on tiny BERT-family models (generated fixtures, HF layout and names): the loss and
// EVERY parameter's gradient of our training graphs vs autograd of the hand-written reference, and the loss curve of
// 100 AdamW steps (HF Trainer semantics: decay groups, clipping, per-step lr) vs torch.optim.AdamW.
// Gradient error per tensor = max|ours − torch| / max(max|torch|, 1e-3·G), G the largest torch gradient of the model:
// elementwise ratios are noise where gradients are ~0, and some tensors' true gradient is exactly zero (attention key
// biases: softmax ignores a shift shared by all keys), where both sides hold only rounding noise (~1e-10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildForwardModel, graphInputNames } from '../../../src/models/arch/forward';
import { HeadKind } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { ModelSpec, readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { TensorToWrite, writeSafetensors } from '../../../src/models/safetensors';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { Rng } from '../../../src/util/rng';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { LossSpec } from '../../../src/training/artifacts/losses';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { REPO, fixtureModel, runReference, tempDir, toRows } from '../models/support';

const torchMissing = (() => {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? false : `PyTorch is not importable by /usr/bin/python3 (apt install python3-torch): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
})();

const SENTENCES = ['This movie was great, I loved it!', 'The food was cold and the service was slow.', 'Not bad.', 'I would not recommend this phone to anyone.'];

interface Case {
  model: string;
  head: HeadKind;
  loss: LossSpec;
  labels?: string[];
  problemType?: 'multi_label_classification' | 'regression';
  /** Labels for the batch given its attention mask. */
  makeLabels(mask: number[][], ids: number[][]): unknown;
}

const CASES: Case[] = [
  { model: 'tiny-bert', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [1, 0, 1, 0] },
  { model: 'tiny-roberta', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [0, 0, 1, 1] },
  { model: 'tiny-distilbert', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [1, 1, 0, 0] },
  { model: 'tiny-electra', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [0, 1, 0, 1] },
  {
    model: 'tiny-bert', head: 'token-classification', loss: { kind: 'cross-entropy' }, labels: ['O', 'B-PER', 'I-PER'],
    makeLabels: (mask) => mask.map((r, i) => r.map((m, j) => (m ? (i + j) % 3 : -100))),
  },
  {
    model: 'tiny-bert', head: 'masked-lm', loss: { kind: 'masked-lm' },
    makeLabels: (mask, ids) => mask.map((r, i) => r.map((m, j) => (m && (i + j) % 4 === 1 ? ids[i][j] : -100))),
  },
  {
    model: 'tiny-bert', head: 'sequence-classification', loss: { kind: 'bce-with-logits' }, labels: ['a', 'b', 'c'], problemType: 'multi_label_classification',
    makeLabels: () => [[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]],
  },
  {
    model: 'tiny-roberta', head: 'sequence-classification', loss: { kind: 'mse' }, labels: ['score'], problemType: 'regression',
    makeLabels: () => [0.5, -1.25, 2, 0.1],
  },
  // DeBERTa: the disentangled attention's gradients flow through GatherElements (c2p / p2c) into the shared
  // query/key projections and the LayerNorm'd relative embeddings.
  { model: 'tiny-deberta', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [1, 0, 0, 1] },
  {
    model: 'tiny-deberta', head: 'token-classification', loss: { kind: 'cross-entropy' }, labels: ['O', 'B-PER', 'I-PER'],
    makeLabels: (mask) => mask.map((r, i) => r.map((m, j) => (m ? (i + 2 * j) % 3 : -100))),
  },
  {
    model: 'tiny-deberta', head: 'masked-lm', loss: { kind: 'masked-lm' },
    makeLabels: (mask, ids) => mask.map((r, i) => r.map((m, j) => (m && (i + j) % 3 === 1 ? ids[i][j] : -100))),
  },
  {
    model: 'tiny-deberta', head: 'sequence-classification', loss: { kind: 'mse' }, labels: ['score'], problemType: 'regression',
    makeLabels: () => [0.5, -1.25, 2, 0.1],
  },
  { model: 'tiny-deberta-v2', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [0, 1, 1, 0] },
  // ModernBERT: rotary positions, sliding-window layer, GeGLU and bias-free norms, mean pooling.
  { model: 'tiny-modernbert', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [0, 1, 0, 1] },
  {
    model: 'tiny-modernbert', head: 'masked-lm', loss: { kind: 'masked-lm' },
    makeLabels: (mask, ids) => mask.map((r, i) => r.map((m, j) => (m && (i + j) % 3 === 0 ? ids[i][j] : -100))),
  },
  // MPNet: the relative attention bias table is trained through Gather in every layer.
  { model: 'tiny-mpnet', head: 'sequence-classification', loss: { kind: 'cross-entropy' }, makeLabels: () => [1, 1, 0, 0] },
  {
    model: 'tiny-mpnet', head: 'masked-lm', loss: { kind: 'masked-lm' },
    makeLabels: (mask, ids) => mask.map((r, i) => r.map((m, j) => (m && (i + j) % 3 === 2 ? ids[i][j] : -100))),
  },
];

interface Prepared {
  c: Case;
  spec: ModelSpec;
  tensors: Map<string, Float32Array>;
  weightsFile: string;
  batch: { input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][]; labels: unknown };
  overrides: Record<string, unknown>;
}

async function prepare(c: Case, scratch: string, sentences = SENTENCES): Promise<Prepared> {
  const dir = fixtureModel(c.model);
  let spec = readModelSpec(dir);
  if (c.labels) spec = withLabels(spec, c.labels, c.problemType);
  const loaded = loadWeights(Checkpoint.open(dir), spec, c.head, { ignoreMismatchedHead: true });
  // New heads start with zero biases and unit norms: perturb them so every parameter has a gradient worth comparing.
  const rng = new Rng(11);
  for (const name of loaded.initialised) {
    const w = loaded.tensors.get(name) as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] += rng.normal() * 0.1;
  }
  const weightsFile = path.join(scratch, `${c.model}-${c.head}-${c.loss.kind}.safetensors`);
  const out = new Map<string, TensorToWrite>();
  for (const [name, data] of loaded.tensors) out.set(name, { dtype: 'F32', shape: loaded.shapes.get(name) as number[], data });
  writeSafetensors(weightsFile, out);
  const enc = (await loadTokenizer(dir, spec)).encode(sentences);
  const ids = toRows(enc.inputIds, enc.batch, enc.seq);
  const mask = toRows(enc.attentionMask, enc.batch, enc.seq);
  const overrides: Record<string, unknown> = {};
  if (c.labels) overrides.id2label = Object.fromEntries(c.labels.map((l, i) => [String(i), l]));
  if (c.problemType) overrides.problem_type = c.problemType;
  return { c, spec, tensors: loaded.tensors, weightsFile, overrides, batch: { input_ids: ids, attention_mask: mask, token_type_ids: toRows(enc.tokenTypeIds, enc.batch, enc.seq), labels: c.makeLabels(mask, ids) } };
}

function feeds(p: Prepared): Record<string, ort.Tensor> {
  const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0].length]);
  const labels = p.batch.labels as number[] | number[][];
  const flat = (labels as unknown[]).flat() as number[];
  const dims = Array.isArray(labels[0]) ? [labels.length, (labels[0] as number[]).length] : [labels.length];
  const float = p.c.loss.kind === 'mse' || p.c.loss.kind === 'bce-with-logits';
  return {
    input_ids: i64(p.batch.input_ids),
    attention_mask: i64(p.batch.attention_mask),
    token_type_ids: i64(p.batch.token_type_ids),
    labels: float ? new ort.Tensor('float32', Float32Array.from(flat), dims) : new ort.Tensor('int64', BigInt64Array.from(flat.map((v) => BigInt(v))), dims),
  };
}

function request(p: Prepared, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    model_dir: fixtureModel(p.c.model), weights: p.weightsFile, head: p.c.head, config_overrides: p.overrides, problem_type: p.c.problemType,
    token_type_ids: graphInputNames(p.spec).includes('token_type_ids') ? p.batch.token_type_ids : null,
    input_ids: p.batch.input_ids, attention_mask: p.batch.attention_mask, labels: p.batch.labels, ...extra,
  };
}

test('loss and every parameter gradient match PyTorch autograd (max rel error ≤ 1e-4, float32)', { skip: torchMissing }, async () => {
  const scratch = tempDir('engine-parity');
  const prepared: Prepared[] = [];
  for (const c of CASES) prepared.push(await prepare(c, scratch));
  const replies = runReference(prepared.map((p) => request(p, { mode: 'grad' })));
  const report: string[] = [];
  for (const [i, p] of prepared.entries()) {
    const name = `${p.c.model} ${p.c.head} ${p.c.loss.kind}`;
    const fwd = buildForwardModel(p.spec, p.tensors, { head: p.c.head });
    const dir = path.join(scratch, `art-${i}`);
    generateArtifacts(fwd, { trainable: [...p.tensors.keys()], loss: p.c.loss, optimizer: { kind: 'adamw' } }, dir);
    const session = await TrainingSession.open(dir, { mode: 'separate' });
    const ours = await session.gradients(feeds(p));
    const ref = replies[i];
    assert.ok(Math.abs(ours.loss - ref.loss!) <= 1e-5 * Math.max(1, Math.abs(ref.loss!)), `${name}: loss ${ours.loss} vs ${ref.loss}`);
    const refGrads = ref.grads!;
    const global = Math.max(...Object.values(refGrads).map((r) => Math.max(...r.data.map(Math.abs))));
    let worst = 0;
    let worstName = '';
    let compared = 0;
    for (const [param, g] of ours.grads) {
      const r = refGrads[param];
      // Parameters torch leaves without a gradient (an unused pooler) must get zeros from us.
      const refData = r ? r.data : new Array<number>(g.data.length).fill(0);
      const a = g.data as Float32Array;
      assert.equal(a.length, refData.length, `${name}: ${param} size`);
      let maxDiff = 0;
      let scale = 0;
      for (let k = 0; k < a.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[k] - refData[k]));
        scale = Math.max(scale, Math.abs(refData[k]));
      }
      const rel = maxDiff / Math.max(scale, 1e-3 * global);
      if (rel > worst) [worst, worstName] = [rel, param];
      assert.ok(rel <= 1e-4, `${name}: gradient of ${param} off by ${rel.toExponential(2)} (max|diff| ${maxDiff}, max|torch| ${scale})`);
      compared++;
    }
    assert.equal(compared, p.tensors.size);
    report.push(`${name}: loss ${ours.loss.toFixed(6)} vs ${ref.loss!.toFixed(6)}, ${compared} gradients, worst rel error ${worst.toExponential(2)} (${worstName})`);
    await session.release();
  }
  console.log(report.join('\n'));
});

/** `steps` AdamW steps on two alternating batches, ours vs torch.optim.AdamW: the largest |Δloss| over the curve. */
async function adamwCurve(c: Case, steps: number): Promise<void> {
  const scratch = tempDir('engine-curve');
  const first = await prepare(c, scratch, SENTENCES.slice(0, 2));
  const second = await prepare(c, scratch, SENTENCES.slice(2));
  second.batch.labels = [0, 1];
  first.batch.labels = [1, 0];
  const lrs = Array.from({ length: steps }, (_, t) => 2e-3 * Math.min(1, (t + 1) / 10) * (1 - t / steps));
  const plan = { trainable: [...first.tensors.keys()], loss: c.loss, optimizer: { kind: 'adamw' as const, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, maxGradNorm: 1 };
  const dir = path.join(scratch, 'art');
  generateArtifacts(buildForwardModel(first.spec, first.tensors, { head: c.head }), plan, dir);
  const session = await TrainingSession.open(dir);
  const ours: number[] = [];
  const batches = [feeds(first), feeds(second)];
  for (let t = 0; t < steps; t++) ours.push((await session.trainStep(batches[t % 2], lrs[t])).loss);

  const script = path.join(REPO, 'test', 'reference', 'train_bert.py');
  const body = {
    model_dir: fixtureModel(c.model), weights: first.weightsFile, head: c.head, trainable: plan.trainable, lrs, weight_decay: 0.01, betas: [0.9, 0.999], eps: 1e-8, max_grad_norm: 1,
    batches: [first, second].map((p) => ({ input_ids: p.batch.input_ids, attention_mask: p.batch.attention_mask, token_type_ids: p.batch.token_type_ids, labels: p.batch.labels })),
  };
  const r = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify(body), env: { ...process.env, OMP_NUM_THREADS: '2' }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { losses: number[]; grad_norms: number[] };
  let worst = 0;
  for (let t = 0; t < steps; t++) worst = Math.max(worst, Math.abs(ours[t] - ref.losses[t]));
  console.log(`${c.model} AdamW ${steps} steps: loss ${ours[0].toFixed(4)} → ${ours[steps - 1].toFixed(4)} (torch ${ref.losses[0].toFixed(4)} → ${ref.losses[steps - 1].toFixed(4)}), max |Δloss| ${worst.toExponential(2)}`);
  assert.ok(ours[steps - 1] < ours[0] - 0.1, 'training must actually reduce the loss for the comparison to mean something');
  assert.ok(worst <= 1e-3, `loss curves diverge by ${worst}`);
  await session.release();
}

test('100 AdamW steps follow torch.optim.AdamW (loss curve within 1e-3 absolute)', { skip: torchMissing }, () => adamwCurve(CASES[0], 100));

test('MPNet: 20 AdamW steps follow torch.optim.AdamW (loss curve within 1e-3 absolute)', { skip: torchMissing }, () =>
  adamwCurve(CASES.find((c) => c.model === 'tiny-mpnet') as Case, 20));

test('ModernBERT: 20 AdamW steps follow torch.optim.AdamW (loss curve within 1e-3 absolute)', { skip: torchMissing }, () =>
  adamwCurve(CASES.find((c) => c.model === 'tiny-modernbert') as Case, 20));

test('DeBERTa-v3: 20 AdamW steps follow torch.optim.AdamW (loss curve within 1e-3 absolute)', { skip: torchMissing }, () =>
  adamwCurve(CASES.find((c) => c.model === 'tiny-deberta') as Case, 20));
