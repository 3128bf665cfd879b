// Hashed Dropout (artifacts/hashedDropout.ts): masks are a function of (seed, node, element) only, statistically sound,
// differentiable as y = x·m with m fixed, and what the generated training graphs use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadWeights } from '../../../src/models/weights';
import { addGradients } from '../../../src/training/autodiff/backward';
import { FILES, generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { DROPOUT_SEED, dropoutCounter, hashDropout, keepThreshold } from '../../../src/training/artifacts/hashedDropout';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { dropoutSeed, dropoutSeedFeed } from '../../../src/training/worker/dropoutSeeds';
import { GraphBuilder } from '../../../src/onnx/builder';
import { Graph, Model, cloneGraph, int, tensor } from '../../../src/onnx/ir';
import { loadModel, modelToBytes } from '../../../src/onnx/serialize';
import { fixtureModel, tempDir } from '../models/support';

const model = (graph: Graph): Model => ({ graph, opsetImports: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }], irVersion: 8, producerName: 'test' });
const training = (b: GraphBuilder) => b.constant(tensor('bool', [], [1]), 'bool');

/** x → Dropout(ratio, training) for each ratio, every output and mask a graph output, then hashed. */
function dropoutGraph(shape: number[], ratios: number[], dtype: 'float32' | 'float64' = 'float32'): { graph: Graph; ys: string[]; masks: string[] } {
  const b = new GraphBuilder('dropout');
  b.input('x', dtype, shape);
  const ys: string[] = [];
  const masks: string[] = [];
  for (const r of ratios) {
    const [y, m] = b.opMulti('Dropout', ['x', b.constant(r, dtype), training(b)], {}, 2);
    b.output(y, dtype, shape);
    b.output(m, 'bool', shape);
    ys.push(y);
    masks.push(m);
  }
  const graph = b.build();
  assert.equal(hashDropout(graph), ratios.length);
  return { graph, ys, masks };
}

async function run(graph: Graph, x: ort.Tensor, seed: number): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await ort.InferenceSession.create(modelToBytes(model(graph)), { logSeverityLevel: 3 });
  try {
    return await s.run({ x, [DROPOUT_SEED]: new ort.Tensor('int64', BigInt64Array.of(BigInt(seed)), []) });
  } finally {
    await s.release();
  }
}

const ones = (n: number, dims: number[]) => new ort.Tensor('float32', new Float32Array(n).fill(1), dims);

/** MurmurHash3_x86_32 of one little-endian 8-byte key, written from the reference algorithm (Appleby's smhasher). */
function murmur3(key: number, seed: number): number {
  const rotl = (v: number, r: number) => (v << r) | (v >>> (32 - r));
  let h = seed >>> 0;
  for (const word of [key % 2 ** 32, Math.floor(key / 2 ** 32)]) {
    let k = Math.imul(word >>> 0, 0xcc9e2d51);
    k = Math.imul(rotl(k, 15), 0x1b873593);
    h = rotl(h ^ k, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= 8;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

test('the hashed mask is MurmurHash3 of (seed counter, node) against the ratio threshold, element by element', async () => {
  const dims = [3, 5, 7];
  const n = 105;
  const ratios = [0.1, 0.5];
  const { graph, ys, masks } = dropoutGraph(dims, ratios);
  const seed = dropoutSeed(42, 7, 3);
  const out = await run(graph, ones(n, dims), seed);
  const { start, stride } = dropoutCounter(seed);
  ratios.forEach((ratio, node) => {
    const keep = out[masks[node]].data as Uint8Array;
    const y = out[ys[node]].data as Float32Array;
    const scale = Math.fround(1 / (1 - ratio));
    for (let e = 0; e < n; e++) {
      const expected = murmur3(start + e * stride, node) >= keepThreshold(ratio);
      assert.equal(keep[e] === 1, expected, `node ${node} element ${e}`);
      assert.equal(y[e], expected ? scale : 0, `node ${node} element ${e}: y`);
    }
  });
});

test('the same (seed, step, micro-batch) gives the same masks in a new session; another step or micro-batch other masks', async () => {
  const dims = [4, 64, 32];
  const n = 4 * 64 * 32;
  const ratio = 0.1;
  const { graph, masks } = dropoutGraph(dims, [ratio]);
  const maskAt = async (step: number, micro: number) => Uint8Array.from((await run(graph, ones(n, dims), dropoutSeed(5, step, micro)))[masks[0]].data as Uint8Array);
  const a = await maskAt(10, 0);
  assert.deepEqual(await maskAt(10, 0), a, 'a fresh session, same seed: the same mask');
  // Two independent masks differ in a fraction 2p(1-p) of elements; 5 binomial sd around it.
  const q = 2 * ratio * (1 - ratio);
  const bound = 5 * Math.sqrt(n * q * (1 - q));
  for (const [step, micro] of [[11, 0], [10, 1], [9, 0]]) {
    const b = await maskAt(step, micro);
    const differ = a.reduce((s, v, i) => s + (v !== b[i] ? 1 : 0), 0);
    assert.ok(Math.abs(differ - n * q) < bound, `step ${step} micro ${micro}: ${differ} of ${n} elements differ, expected ${(n * q).toFixed(0)} ± ${bound.toFixed(0)}`);
  }
  assert.notEqual(dropoutSeed(5, 10, 0), dropoutSeed(6, 10, 0), 'the run seed enters the masks');
});

/** Pearson correlation of two 0/1 sequences. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  let sab = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
    sab += a[i] * b[i];
  }
  const ma = sa / n;
  const mb = sb / n;
  return (sab / n - ma * mb) / Math.sqrt(ma * (1 - ma) * mb * (1 - mb));
}

test('masks are statistically sound: keep fraction 1 − p, no correlation between neighbours, nodes or steps', async () => {
  const dims = [16, 128, 128];
  const n = 16 * 128 * 128;
  const ratios = [0.1, 0.5];
  const { graph, masks } = dropoutGraph(dims, ratios);
  const steps = [0, 1, 2].map((step) => dropoutSeed(1234, step, 0));
  const outs: ort.InferenceSession.OnnxValueMapType[] = [];
  for (const s of steps) outs.push(await run(graph, ones(n, dims), s));
  // The sample correlation of independent sequences has sd 1/√n: a bound of 5 sd.
  const rBound = 5 / Math.sqrt(n);
  ratios.forEach((ratio, node) => {
    for (const [t, out] of outs.entries()) {
      const keep = out[masks[node]].data as Uint8Array;
      const kept = keep.reduce((s, v) => s + v, 0);
      const sd = Math.sqrt(n * ratio * (1 - ratio));
      assert.ok(Math.abs(kept - n * (1 - ratio)) < 5 * sd, `p ${ratio} step ${t}: kept ${kept} of ${n}, expected ${n * (1 - ratio)} ± ${(5 * sd).toFixed(0)}`);
      // Neighbours along the last axis, and along the first (elements 128·128 apart).
      for (const lag of [1, 128, 128 * 128]) {
        const r = correlation(keep.subarray(0, n - lag), keep.subarray(lag));
        assert.ok(Math.abs(r) < rBound, `p ${ratio} step ${t}: lag-${lag} correlation ${r.toFixed(5)} (bound ${rBound.toFixed(5)})`);
      }
      if (t > 0) {
        const r = correlation(keep, outs[t - 1][masks[node]].data as Uint8Array);
        assert.ok(Math.abs(r) < rBound, `p ${ratio}: steps ${t - 1} and ${t} correlate by ${r.toFixed(5)}`);
      }
    }
  });
  const r = correlation(outs[0][masks[0]].data as Uint8Array, outs[0][masks[1]].data as Uint8Array);
  assert.ok(Math.abs(r) < rBound, `two nodes of one step correlate by ${r.toFixed(5)}`);
});

test('gradient with the mask fixed: autodiff of the hashed Dropout matches finite differences and equals dy·mask/(1−p)', async () => {
  const dims = [4, 6];
  const n = 24;
  const ratio = 0.3;
  const b = new GraphBuilder('gradcheck');
  b.input('x', 'float64', dims);
  const seed = b.constant(tensor('int64', [], [dropoutSeed(3, 1, 0)]), 'int64', 'seed');
  const [y, mask] = b.opMulti('Dropout', ['x', b.constant(ratio, 'float64'), training(b)], {}, 2);
  const w = Float64Array.from({ length: n }, (_, i) => 0.5 + ((i * 37) % 11) / 10);
  const loss = b.op('ReduceSum', [b.op('Mul', [y, b.constant({ dtype: 'float64', dims, data: w }, 'float64', 'w')])], { keepdims: int(0) });
  b.output(loss, 'float64', []);
  b.output(mask, 'bool', dims);
  const forward = b.build();
  hashDropout(forward, { seed });
  const full = cloneGraph(forward);
  const { grads } = addGradients(full, { loss, wrt: ['x'], opset: 17 });
  full.outputs.push({ name: grads.get('x')!, dtype: 'float64', shape: dims });
  const sFull = await ort.InferenceSession.create(modelToBytes(model(full)), { logSeverityLevel: 3 });
  const sFwd = await ort.InferenceSession.create(modelToBytes(model(forward)), { logSeverityLevel: 3 });
  const x0 = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const at = (x: Float64Array) => ({ x: new ort.Tensor('float64', x, dims) });
  const out = await sFull.run(at(x0));
  const analytic = out[grads.get('x')!].data as Float64Array;
  const keep = out[mask].data as Uint8Array;
  const dropped = keep.reduce((s, v) => s + (v ? 0 : 1), 0);
  assert.ok(dropped > 0 && dropped < n, `${dropped} of ${n} dropped: the check needs both kinds`);
  const h = 1e-6;
  let worst = 0;
  for (let k = 0; k < n; k++) {
    const plus = Float64Array.from(x0);
    const minus = Float64Array.from(x0);
    plus[k] += h;
    minus[k] -= h;
    const numeric = (((await sFwd.run(at(plus)))[loss].data[0] as number) - ((await sFwd.run(at(minus)))[loss].data[0] as number)) / (2 * h);
    worst = Math.max(worst, Math.abs(analytic[k] - numeric) / Math.max(Math.abs(analytic[k]), Math.abs(numeric), 1e-3));
    assert.ok(Math.abs(analytic[k] - (keep[k] ? w[k] / (1 - ratio) : 0)) < 1e-12, `element ${k}: ${analytic[k]}`);
  }
  assert.ok(worst < 1e-6, `max relative error against finite differences ${worst}`);
  await sFull.release();
  await sFwd.release();
});

function tinyBert() {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
  return { forward: buildForwardModel(spec, tensors, { head: 'sequence-classification', training: true }), names: [...tensors.keys()] };
}

function batch(): Record<string, ort.Tensor> {
  const [rows, seq] = [4, 8];
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: rows * seq }, (_, i) => BigInt((i * 13) % 100 + 5)), [rows, seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(rows * seq).fill(1n), [rows, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(rows * seq), [rows, seq]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % 2)), [rows]),
  };
}

test('generated training graphs hash every Dropout (keep-alive products gone), evaluation runs none, steps repeat exactly', async () => {
  const { forward, names } = tinyBert();
  const dropouts = forward.graph.nodes.filter((n) => n.opType === 'Dropout').length;
  assert.ok(dropouts > 4);
  const dir = tempDir('hashed-dropout');
  try {
    const m = generateArtifacts(forward, { trainable: names, loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 1 }, dir);
    assert.equal(m.dropoutSeed, DROPOUT_SEED);
    for (const file of [FILES.trainStep, FILES.training]) {
      const g = loadModel(path.join(dir, file)).graph;
      assert.equal(g.nodes.filter((n) => n.opType === 'Dropout').length, 0, file);
      assert.equal(g.nodes.filter((n) => n.opType === 'MurmurHash3').length, dropouts, file);
      assert.ok(g.inputs.some((v) => v.name === DROPOUT_SEED), file);
      // The builders' y·cast(mask), there only to keep ORT from deleting its Dropout, became an Identity.
      const thresholded = new Set(g.nodes.filter((n) => n.opType === 'GreaterOrEqual').map((n) => n.outputs[0]));
      const keeps = new Set(g.nodes.filter((n) => n.opType === 'Reshape' && thresholded.has(n.inputs[0])).map((n) => n.outputs[0]));
      assert.equal(keeps.size, dropouts, file);
      assert.deepEqual(g.nodes.filter((n) => n.opType === 'Cast' && keeps.has(n.inputs[0])).map((n) => n.name), [], `${file}: masks still cast`);
    }
    const evalGraph = loadModel(path.join(dir, FILES.eval)).graph;
    assert.ok(evalGraph.nodes.filter((n) => n.opType === 'Dropout').every((n) => (n.inputs[2] ?? '') === ''), 'eval Dropouts run in inference mode');
    assert.ok(!evalGraph.inputs.some((v) => v.name === DROPOUT_SEED));

    const losses = async (seeds: number[]) => {
      const s = await TrainingSession.open(dir);
      const out: number[] = [];
      for (const step of seeds) out.push((await s.trainStep({ ...batch(), ...dropoutSeedFeed(9, step, 0) }, 1e-3)).loss);
      await s.release();
      return out;
    };
    const a = await losses([0, 1, 2]);
    assert.deepEqual(await losses([0, 1, 2]), a, 'same seeds, new session: bit-identical losses');
    const b = await losses([5, 6, 7]);
    assert.notEqual(b[0], a[0], 'another seed drops other units');
    const evalSession = await TrainingSession.open(dir);
    const e1 = (await evalSession.evalStep(batch())).loss;
    assert.equal((await evalSession.evalStep(batch())).loss, e1, 'evaluation is deterministic without a seed');
    await evalSession.release();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
