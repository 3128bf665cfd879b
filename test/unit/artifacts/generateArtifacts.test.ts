import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadWeights } from '../../../src/models/weights';
import { FILES, TrainPlan, generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { dropoutSeedFeed } from '../../../src/training/worker/dropoutSeeds';
import { GraphBuilder } from '../../../src/onnx/builder';
import { Model, tensor } from '../../../src/onnx/ir';
import { loadModel } from '../../../src/onnx/serialize';
import { fixtureModel, tempDir } from '../models/support';

function tinyBert(training = false): { model: Model; names: string[] } {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
  return { model: buildForwardModel(spec, tensors, { head: 'sequence-classification', training }), names: [...tensors.keys()] };
}

function tinyBertWeights(): Map<string, Float32Array> {
  const dir = fixtureModel('tiny-bert');
  return new Map([...loadWeights(Checkpoint.open(dir), readModelSpec(dir), 'sequence-classification').tensors].map(([k, v]) => [k, Float32Array.from(v as ArrayLike<number>)]));
}

function batch(rows: number, seq = 6, offset = 0): Record<string, ort.Tensor> {
  const n = rows * seq;
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(((i + offset) * 13) % 100 + 5)), [rows, seq]),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => (i % seq < seq - (i % 3) ? 1n : 0n)), [rows, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [rows, seq]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt((i + offset) % 2)), [rows]),
  };
}

/** Rows [from, to) of a batch. */
function rowsOf(b: Record<string, ort.Tensor>, from: number, to: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(b)) {
    const per = t.dims.slice(1).reduce((p, q) => p * q, 1);
    out[k] = new ort.Tensor('int64', (t.data as BigInt64Array).slice(from * per, to * per), [to - from, ...t.dims.slice(1)]);
  }
  return out;
}

const HEAD = (names: string[]) => names.filter((n) => n.startsWith('classifier.') || n.startsWith('bert.pooler.'));
const plan = (trainable: string[], extra: Partial<TrainPlan> = {}): TrainPlan => ({ trainable, loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 1, ...extra });

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a) {
    const w = b.get(k)!;
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] - w[i]));
  }
  return m;
}

test('an unknown trainable name is refused with the closest parameter names', () => {
  const { model } = tinyBert();
  assert.throws(() => generateArtifacts(model, plan(['classifier.weights']), tempDir('art')), /"classifier\.weights" is not a parameter of the model; closest names: "classifier\.weight"/);
});

test('an op without a gradient rule names the op type, the node and the parameter', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', ['batch', 2]);
  b.initializer('proj.weight', tensor('float32', [2, 2], [1, 0, 0, 1]));
  const h = b.op('Sin', [b.op('MatMul', [x, 'proj.weight'])], {}, { name: 'odd_activation' });
  b.op('Identity', [h], {}, { output: 'logits' });
  b.output('logits', 'float32', ['batch', 2]);
  const model: Model = { graph: b.build(), opsetImports: [{ domain: '', version: 17 }], irVersion: 8, producerName: 't' };
  assert.throws(() => generateArtifacts(model, plan(['proj.weight']), tempDir('art')), /no gradient rule for op Sin \(node "odd_activation"\), which trainable parameter "proj\.weight" needs/);
});

test('frozen weights stay initializers, trainable ones become inputs with gradient outputs', () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  const head = HEAD(names);
  const m = generateArtifacts(model, plan(head), dir);
  const training = loadModel(path.join(dir, FILES.training)).graph;
  for (const p of head) {
    assert.ok(training.inputs.some((v) => v.name === p), `${p} should be an input`);
    assert.ok(training.outputs.some((v) => v.name === `${p}_grad`), `${p}_grad should be an output`);
    assert.ok(!training.initializers.has(p));
  }
  // The encoder is frozen and upstream of the head: it lives in the prefix, whose output (the [CLS] state) is cacheable.
  const prefix = loadModel(path.join(dir, FILES.frozenPrefix)).graph;
  assert.ok(prefix.initializers.has('bert.encoder.layer.1.output.dense.weight'));
  assert.ok(!training.initializers.has('bert.encoder.layer.1.output.dense.weight'), 'frozen encoder weights belong to the prefix only');
  assert.deepEqual(m.frozenPrefix?.outputs.map((o) => o.shape), [['batch', 32]]);
  assert.equal(m.frozenPrefix?.cacheable, true);
  assert.deepEqual(m.state.length, head.length * 2);
});

test('cached frozen-prefix features train exactly like running the prefix every step', async () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  generateArtifacts(model, plan(HEAD(names)), dir);
  const a = await TrainingSession.open(dir);
  const b = await TrainingSession.open(dir);
  const data = batch(4);
  const cached = { ...(await b.features(data)), labels: data.labels };
  for (let i = 0; i < 3; i++) {
    const la = (await a.trainStep(data, 1e-2)).loss;
    const lb = (await b.trainStep(cached, 1e-2)).loss;
    assert.equal(la, lb);
  }
  assert.equal(maxDiff(a.weights(), b.weights()), 0);
});

test('fused train step and separate training + optimizer graphs give the same training run', async () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  // SGD: Adam would turn rounding noise in exactly-zero gradients (attention key biases) into ±lr updates.
  generateArtifacts(model, plan(names, { optimizer: { kind: 'sgd', momentum: 0.9 } }), dir);
  const fused = await TrainingSession.open(dir, { mode: 'fused' });
  const separate = await TrainingSession.open(dir, { mode: 'separate' });
  const first: number[] = [];
  for (let i = 0; i < 4; i++) {
    const f = await fused.trainStep(batch(3, 6, i), 5e-2);
    const s = await separate.trainStep(batch(3, 6, i), 5e-2);
    assert.ok(Math.abs(f.loss - s.loss) < 1e-6 && Math.abs(f.gradNorm! - s.gradNorm!) < 1e-5, `step ${i}: ${f.loss} vs ${s.loss}`);
    first.push(f.loss);
  }
  assert.ok(maxDiff(fused.weights(), separate.weights()) < 1e-6);
  assert.equal(fused.step, 4);
});

test('the fused AdamW step updates the word embeddings from the rows the batch touched, with the dense update\'s values', async () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  generateArtifacts(model, plan(names), dir);
  const fusedGraph = loadModel(path.join(dir, FILES.trainStep)).graph;
  // One row form (the 2000×32 word table; smaller tables stay dense), and the dense scatter it replaced is gone.
  assert.equal(fusedGraph.nodes.filter((n) => n.opType === 'Unique').length, 1);
  const read = new Set([...fusedGraph.nodes.flatMap((n) => n.inputs), ...fusedGraph.outputs.map((o) => o.name)]);
  assert.deepEqual(fusedGraph.nodes.filter((n) => n.opType === 'ScatterND' && !read.has(n.outputs[0])).map((n) => n.name), []);
  // The separate optimizer graph takes dense gradients as inputs and updates densely: the reference here.
  assert.equal(loadModel(path.join(dir, FILES.optimizer)).graph.nodes.filter((n) => n.opType === 'Unique').length, 0);
  const fused = await TrainingSession.open(dir, { mode: 'fused' });
  const dense = await TrainingSession.open(dir, { mode: 'separate' });
  const seen = new Set<bigint>();
  for (let i = 0; i < 5; i++) {
    const data = batch(3, 6, 7 * i);
    for (const id of data.input_ids.data as BigInt64Array) seen.add(id);
    const f = await fused.trainStep(data, 1e-3);
    const d = await dense.trainStep(data, 1e-3);
    assert.ok(Math.abs(f.loss - d.loss) < 1e-6 && Math.abs(f.gradNorm! - d.gradNorm!) < 1e-6, `step ${i}: ${f.loss} vs ${d.loss}`);
  }
  // Attention key biases excepted: their exact gradient is 0 (softmax ignores a per-query constant), so Adam turns
  // either graph's rounding noise into ±lr steps there, whatever the embedding update does.
  const comparable = (m: Map<string, Float32Array>) => new Map([...m].filter(([k]) => !k.endsWith('attention.self.key.bias')));
  assert.ok(maxDiff(comparable(fused.weights()), comparable(dense.weights())) < 1e-6, 'weights differ from the dense update');
  const table = 'bert.embeddings.word_embeddings.weight';
  for (const s of ['exp_avg', 'exp_avg_sq']) {
    const [a, b] = [fused.state.get(`${table}.${s}`)!.data as Float32Array, dense.state.get(`${table}.${s}`)!.data as Float32Array];
    // Equal up to the clipping coefficient's rounding (the row form sums the gradient norm in another order).
    const scale = b.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const worst = a.reduce((m, x, k) => Math.max(m, Math.abs(x - b[k])), 0);
    assert.ok(worst <= 1e-5 * scale, `${s} differs from the dense update by ${worst} (largest ${scale})`);
    // Only rows of tokens the batches used ever got a gradient; every other row's moments are still 0. (Not every
    // such row: a token seen only where the attention mask hides it gets an exactly-zero gradient.)
    const rowsWithState = new Set<number>();
    a.forEach((x, k) => x !== 0 && rowsWithState.add(Math.floor(k / 32)));
    assert.ok(rowsWithState.size > 20, `only ${rowsWithState.size} rows have state`);
    assert.deepEqual([...rowsWithState].filter((r) => !seen.has(BigInt(r))), [], 'rows the batches never used have state');
  }
  // And the untouched rows still moved: decoupled weight decay applies to the whole table, as torch's AdamW does.
  const before = tinyBertWeights().get(table)!;
  const after = fused.weights().get(table)!;
  const untouched = [...Array(2000).keys()].find((r) => !seen.has(BigInt(r)))!;
  assert.ok(after[untouched * 32] !== before[untouched * 32], 'weight decay skipped an untouched row');
});

test('gradient accumulation over two half batches equals one step on the whole batch', async () => {
  const { model, names } = tinyBert();
  const whole = tempDir('art');
  const halves = tempDir('art');
  // SGD is linear in the gradient, so the comparison is tight (Adam would amplify rounding noise of ~0 gradients).
  const sgd = { optimizer: { kind: 'sgd' as const, momentum: 0.9 } };
  generateArtifacts(model, plan(names, sgd), whole);
  generateArtifacts(model, plan(names, { ...sgd, gradientAccumulation: 2 }), halves);
  const one = await TrainingSession.open(whole);
  const two = await TrainingSession.open(halves);
  const data = batch(4);
  await one.trainStep(data, 1e-1);
  const before = new Map([...two.weights()].map(([k, v]) => [k, Float32Array.from(v)]));
  const r1 = await two.trainStep(rowsOf(data, 0, 2), 1e-1);
  assert.equal(r1.stepped, false);
  assert.equal(maxDiff(two.weights(), before), 0, 'no step before the window is full');
  const r2 = await two.trainStep(rowsOf(data, 2, 4), 1e-1);
  assert.equal(r2.stepped, true);
  assert.equal(two.step, 1);
  const d = maxDiff(one.weights(), two.weights());
  assert.ok(maxDiff(one.weights(), before) > 1e-3, 'the step must move the weights');
  assert.ok(d < 1e-6, `weights differ by ${d}`);
});

test('a checkpoint resumes training exactly (weights, optimizer state, step)', async () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  generateArtifacts(model, plan(names), dir);
  const s = await TrainingSession.open(dir);
  for (let i = 0; i < 3; i++) await s.trainStep(batch(2, 6, i), 1e-2);
  const ckpt = path.join(tempDir('ckpt'), 'step-3');
  s.saveCheckpoint(ckpt);
  const after: number[] = [];
  for (let i = 3; i < 5; i++) after.push((await s.trainStep(batch(2, 6, i), 1e-2)).loss);
  const resumed = await TrainingSession.open(dir, { checkpointDir: ckpt });
  assert.equal(resumed.step, 3);
  const again: number[] = [];
  for (let i = 3; i < 5; i++) again.push((await resumed.trainStep(batch(2, 6, i), 1e-2)).loss);
  assert.deepEqual(again, after);
  assert.equal(maxDiff(s.weights(), resumed.weights()), 0);
});

test('training-mode dropout: the prefix is marked not cacheable and full fine-tuning still learns', async () => {
  const { model, names } = tinyBert(true);
  const headDir = tempDir('art');
  assert.equal(generateArtifacts(model, plan(HEAD(names)), headDir).frozenPrefix?.cacheable, false);
  const dir = tempDir('art');
  generateArtifacts(model, plan(names), dir);
  const s = await TrainingSession.open(dir);
  const data = batch(4);
  const losses: number[] = [];
  for (let i = 0; i < 25; i++) losses.push((await s.trainStep({ ...data, ...dropoutSeedFeed(1, i, 0) }, 3e-3)).loss);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[24] < losses[0] * 0.5, `loss ${losses[0]} → ${losses[24]}`);
});

test('a batch missing an input gets an error naming it, its type and what the batch has', async () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  generateArtifacts(model, plan(names), dir);
  const s = await TrainingSession.open(dir);
  const { labels: _labels, ...noLabels } = batch(2);
  await assert.rejects(s.trainStep(noLabels, 1e-3), /needs input "labels" \(int64 \[batch\]\).*batch has: input_ids, attention_mask, token_type_ids/);
});



test('an exported ONNX file (transformers.js layout) trains like a built graph', async () => {
  const model = loadModel(path.join(fixtureModel('tiny-bert'), 'onnx', 'model.onnx'));
  const trainable = [...model.graph.initializers.entries()].filter(([, t]) => t.dtype === 'float32' && t.dims.length > 0 && !t.dims.every((d) => d === 1)).map(([k]) => k);
  assert.ok(trainable.includes('bert.encoder.layer.0.attention.self.query.weight'));
  const dir = tempDir('art');
  const m = generateArtifacts(model, plan(trainable), dir);
  const s = await TrainingSession.open(dir);
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) losses.push((await s.trainStep(batch(4), 3e-3)).loss);
  assert.ok(losses[19] < losses[0] * 0.5, `loss ${losses[0]} → ${losses[19]}`);
  assert.deepEqual(m.unreachedParams.filter((p) => !p.includes('scalar')), m.unreachedParams);
});

test('a quantized export: frozen quantized ops need no rule, training through one names it', async () => {
  const model = loadModel(path.join(fixtureModel('tiny-bert'), 'onnx', 'model_quantized.onnx'));
  const dir = tempDir('art');
  const m = generateArtifacts(model, plan(['classifier.bias']), dir);
  assert.equal(m.frozenPrefix?.cacheable, true);
  const s = await TrainingSession.open(dir);
  const first = (await s.trainStep(batch(4), 1e-1)).loss;
  let last = first;
  for (let i = 0; i < 10; i++) last = (await s.trainStep(batch(4), 1e-1)).loss;
  assert.ok(last < first, `${first} → ${last}`);
  assert.throws(() => generateArtifacts(model, plan(['bert.pooler.dense.bias']), tempDir('art')), /no gradient rule for op (DynamicQuantizeLinear|MatMulInteger|Cast) \(node "[^"]+"\), which trainable parameter "bert\.pooler\.dense\.bias" needs/);
});

test('the optimizer writes the new weights and moments with its last nodes, not through Identity copies', () => {
  const { model, names } = tinyBert();
  const dir = tempDir('art');
  const m = generateArtifacts(model, plan(HEAD(names)), dir);
  for (const file of [FILES.trainStep, FILES.optimizer]) {
    const g = loadModel(path.join(dir, file)).graph;
    const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
    for (const k of [...m.params.map((p) => p.name), ...m.state.map((s) => s.name)]) {
      const op = producer.get(`${k}_new`);
      assert.ok(op === 'Sub' || op === 'Add', `${file}: ${k}_new comes from ${op}`);
      assert.ok(g.outputs.some((o) => o.name === `${k}_new`), `${file}: ${k}_new is an output`);
    }
  }
});
