// The PyTorch reference's gradient mode, which the engine's gradient and training checks rely on: its losses must
// be HF's, recomputed here from the reference's own logits, and its gradients must be per HF parameter name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { modelParameters } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { TensorToWrite, writeSafetensors } from '../../../src/models/safetensors';
import { loadWeights } from '../../../src/models/weights';
import { readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { fixtureModel, runReference, torchMissing, tempDir } from './support';

const IDS = [[2, 134, 150, 136, 147, 3], [2, 173, 3, 0, 0, 0]];
const MASK = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]];

const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

test('grad mode: cross-entropy loss and classifier.bias gradient agree with the logits; every HF parameter has a gradient', { skip: torchMissing }, () => {
  const dir = fixtureModel('tiny-bert');
  const labels = [1, 0];
  const [r] = runReference([{ model_dir: dir, mode: 'grad', dtype: 'float64', input_ids: IDS, attention_mask: MASK, token_type_ids: IDS.map((r) => r.map(() => 0)), labels }]);
  const logits = r.output as number[][];
  const probs = logits.map(softmax);
  const ce = -probs.reduce((s, p, i) => s + Math.log(p[labels[i]]), 0) / probs.length;
  assert.ok(Math.abs((r.loss as number) - ce) < 1e-12, `loss ${r.loss} vs ${ce}`);
  // ∂CE/∂bias_j = mean_i (p_ij − [y_i = j]).
  const want = [0, 1].map((j) => probs.reduce((s, p, i) => s + p[j] - (labels[i] === j ? 1 : 0), 0) / probs.length);
  const got = r.grads?.['classifier.bias'].data as number[];
  assert.ok(Math.abs(got[0] - want[0]) < 1e-12 && Math.abs(got[1] - want[1]) < 1e-12, `${got} vs ${want}`);
  const spec = readModelSpec(dir);
  const expected = modelParameters(spec, 'sequence-classification');
  assert.deepEqual(Object.keys(r.grads ?? {}).sort(), expected.map((p) => p.name).sort());
  for (const p of expected) assert.deepEqual(r.grads?.[p.name].shape, p.shape, p.name);
});

test('grad mode: multi-label uses BCE-with-logits and token classification ignores label −100', { skip: torchMissing }, () => {
  const dir = fixtureModel('tiny-roberta');
  const spec = withLabels(readModelSpec(dir), ['O', 'X']);
  const { tensors, shapes } = loadWeights(Checkpoint.open(dir), spec, 'token-classification');
  const weights = path.join(tempDir('ref'), 'token.safetensors');
  writeSafetensors(weights, new Map([...tensors].map(([n, data]): [string, TensorToWrite] => [n, { dtype: 'F32', shape: shapes.get(n) as number[], data }])));
  const ids = [[0, 396, 395, 306, 2], [0, 102, 2, 1, 1]];
  const mask = [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]];
  const multi = [[1, 0], [1, 1]];
  const tokenLabels = [[-100, 1, 0, 1, -100], [-100, 0, -100, -100, -100]];
  const [a, b] = runReference([
    { model_dir: dir, mode: 'grad', dtype: 'float64', input_ids: ids, attention_mask: mask, labels: multi, config_overrides: { problem_type: 'multi_label_classification' } },
    { model_dir: dir, weights, head: 'token-classification', mode: 'grad', dtype: 'float64', input_ids: ids, attention_mask: mask, labels: tokenLabels },
  ]);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const out = a.output as number[][];
  let bce = 0;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) bce -= multi[i][j] * Math.log(sig(out[i][j])) + (1 - multi[i][j]) * Math.log(1 - sig(out[i][j]));
  assert.ok(Math.abs((a.loss as number) - bce / 4) < 1e-12, `${a.loss} vs ${bce / 4}`);
  const tok = b.output as number[][][];
  let ce = 0;
  let n = 0;
  tokenLabels.forEach((row, i) => row.forEach((y, j) => {
    if (y === -100) return;
    ce -= Math.log(softmax(tok[i][j])[y]);
    n++;
  }));
  assert.equal(n, 4);
  assert.ok(Math.abs((b.loss as number) - ce / n) < 1e-12, `${b.loss} vs ${ce / n}`);
  assert.deepEqual(b.grads?.['classifier.weight'].shape, [2, 32]);
});
