// The span loss of extractive QA (HF *ForQuestionAnswering): value and gradient against PyTorch (float64), against
// the formula computed by hand, and against central differences; out-of-range positions clamped and ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { addGradients } from '../../../src/training/autodiff/backward';
import { addLoss } from '../../../src/training/artifacts/losses';
import { GraphBuilder } from '../../../src/onnx/builder';
import { Dim } from '../../../src/onnx/ir';
import { modelToBytes } from '../../../src/onnx/serialize';
import { Rng } from '../../../src/util/rng';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const torchMissing = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0 ? false : 'PyTorch is not importable by /usr/bin/python3 (apt install python3-torch)';

const B = 4;
const S = 5;

/** Loss and d loss / d logits of the span loss over logits [B, S, 2] (declared with symbolic dims, as the model's are). */
async function spanLoss(logits: Float64Array, positions: number[][], declared: Dim[] = ['batch', 'sequence', 2]): Promise<{ loss: number; grad: Float64Array }> {
  const b = new GraphBuilder('span');
  const x = b.input('pred', 'float64', declared);
  const head = addLoss(b, { kind: 'span' }, { name: x, dtype: 'float64', shape: declared });
  const g = b.build();
  const { grads } = addGradients(g, { loss: head.loss, wrt: ['pred'], opset: 17 });
  g.outputs.push({ name: head.loss, dtype: 'float64', shape: [] }, { name: grads.get('pred')!, dtype: 'float64', shape: declared });
  const s = await ort.InferenceSession.create(modelToBytes({ graph: g, opsetImports: [{ domain: '', version: 17 }], irVersion: 8, producerName: 't' }), { logSeverityLevel: 3 });
  const rows = positions.length;
  const out = await s.run({
    pred: new ort.Tensor('float64', logits, [rows, logits.length / rows / 2, 2]),
    labels: new ort.Tensor('int64', BigInt64Array.from(positions.flat().map(BigInt)), [rows, 2]),
  });
  return { loss: Number(out[head.loss].data[0]), grad: out[grads.get('pred')!].data as Float64Array };
}

function randomLogits(seed: number, rows = B, seq = S): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: rows * seq * 2 }, () => rng.normal() * 2);
}

/** −log softmax(row)[k], by hand. */
function nll(row: number[], k: number): number {
  const m = Math.max(...row);
  return -(row[k] - m - Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)));
}

// Row 1's start is past the sequence (ignored), row 2's end is far past it (ignored), row 3's start is negative
// (clamped to 0, counted): 3 starts and 3 ends count, from different rows.
const POSITIONS = [[1, 3], [S + 2, 2], [0, 99], [-4, S - 1]];

test('span loss by hand: mean over the kept starts and the kept ends, then their average', async () => {
  const x = randomLogits(3);
  const at = (r: number, t: number, k: number) => x[(r * S + t) * 2 + k];
  const column = (r: number, k: number) => Array.from({ length: S }, (_, t) => at(r, t, k));
  const keptStarts: [number, number][] = [[0, 1], [2, 0], [3, 0]];
  const keptEnds: [number, number][] = [[0, 3], [1, 2], [3, S - 1]];
  const startLoss = keptStarts.reduce((a, [r, p]) => a + nll(column(r, 0), p), 0) / keptStarts.length;
  const endLoss = keptEnds.reduce((a, [r, p]) => a + nll(column(r, 1), p), 0) / keptEnds.length;
  const { loss, grad } = await spanLoss(x, POSITIONS);
  assert.ok(Math.abs(loss - (startLoss + endLoss) / 2) < 1e-12, `loss ${loss} vs ${(startLoss + endLoss) / 2}`);
  // An ignored position contributes nothing: row 1's start scores and row 2's end scores get no gradient.
  for (let t = 0; t < S; t++) {
    assert.equal(grad[(1 * S + t) * 2 + 0], 0, `row 1 start[${t}]`);
    assert.equal(grad[(2 * S + t) * 2 + 1], 0, `row 2 end[${t}]`);
  }
  // A kept row's gradient is (softmax − onehot) / (2·kept): row 0's start at its answer token 1.
  const col = column(0, 0);
  const z = col.reduce((a, v) => a + Math.exp(v), 0);
  assert.ok(Math.abs(grad[(0 * S + 1) * 2] - (Math.exp(col[1]) / z - 1) / (2 * keptStarts.length)) < 1e-12);
});

test('span loss matches PyTorch (HF QuestionAnswering loss) in value and gradient (float64, rel ≤ 1e-10)', { skip: torchMissing }, async () => {
  const cases = [
    { positions: POSITIONS, logits: randomLogits(7) },
    { positions: [[2, 4], [3, 3], [0, 0]], logits: randomLogits(8, 3, 6) },
  ];
  const nest = (x: Float64Array, rows: number) => Array.from({ length: rows }, (_, r) => {
    const seq = x.length / rows / 2;
    return Array.from({ length: seq }, (_, t) => [x[(r * seq + t) * 2], x[(r * seq + t) * 2 + 1]]);
  });
  const requests = cases.map((c) => ({ kind: 'span', pred: nest(c.logits, c.positions.length), labels: c.positions }));
  const r = spawnSync('/usr/bin/python3', [path.join(REPO, 'test', 'reference', 'train_losses.py')], { input: JSON.stringify(requests), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { loss: number; grad: number[] }[];
  for (const [i, c] of cases.entries()) {
    const got = await spanLoss(c.logits, c.positions);
    assert.ok(Math.abs(got.loss - ref[i].loss) <= 1e-10 * Math.max(1, Math.abs(ref[i].loss)), `case ${i}: loss ${got.loss} vs torch ${ref[i].loss}`);
    const scale = Math.max(...ref[i].grad.map(Math.abs));
    assert.ok(scale > 1e-3, 'torch gradient is ~0, the comparison would prove nothing');
    for (let k = 0; k < got.grad.length; k++) assert.ok(Math.abs(got.grad[k] - ref[i].grad[k]) <= 1e-10 * scale, `case ${i}: grad[${k}] ${got.grad[k]} vs ${ref[i].grad[k]}`);
  }
});

test('span loss gradient matches central differences (gradcheck)', async () => {
  const x = randomLogits(11);
  const { grad } = await spanLoss(x, POSITIONS);
  const h = 1e-6;
  for (let k = 0; k < x.length; k++) {
    const plus = Float64Array.from(x);
    const minus = Float64Array.from(x);
    plus[k] += h;
    minus[k] -= h;
    const fd = ((await spanLoss(plus, POSITIONS)).loss - (await spanLoss(minus, POSITIONS)).loss) / (2 * h);
    assert.ok(Math.abs(fd - grad[k]) < 1e-8, `d loss / d x[${k}]: autodiff ${grad[k]} vs finite difference ${fd}`);
  }
});

test('span loss with static dims gives the same value as with symbolic ones', async () => {
  const x = randomLogits(5);
  const dynamic = await spanLoss(x, POSITIONS);
  const fixed = await spanLoss(x, POSITIONS, [B, S, 2]);
  assert.equal(fixed.loss, dynamic.loss);
});

test('span loss refuses logits that are not [batch, sequence, 2]', () => {
  assert.throws(() => addLoss(new GraphBuilder('a'), { kind: 'span' }, { name: 'p', dtype: 'float32', shape: ['batch', 'sequence', 3] }), /span loss: logits "p" must be \[batch, sequence, 2\].*got \[batch, sequence, 3\]/);
  assert.throws(() => addLoss(new GraphBuilder('b'), { kind: 'span' }, { name: 'p', dtype: 'float32', shape: ['batch', 2] }), /must be \[batch, sequence, 2\]/);
  assert.throws(() => addLoss(new GraphBuilder('c'), { kind: 'span' }, { name: 'p', dtype: 'int64', shape: ['batch', 'sequence', 2] }), /span loss: prediction "p" is int64, expected a float tensor/);
});
