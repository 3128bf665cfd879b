// K optimizer steps in one run (an ONNX Loop around the fused train step) must train exactly like K single runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadWeights } from '../../../src/models/weights';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { dropoutSeedFeed } from '../../../src/training/worker/dropoutSeeds';
import { fixtureModel, tempDir } from '../models/support';

function artifacts(training: boolean): string {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
  const out = tempDir('multistep');
  generateArtifacts(buildForwardModel(spec, tensors, { head: 'sequence-classification', training }), { trainable: [...tensors.keys()], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 1 }, out);
  return out;
}

function batch(k: number, seq = 8): Record<string, ort.Tensor> {
  const rows = 4;
  const n = rows * seq;
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(((i + 7 * k) * 13) % 100 + 5)), [rows, seq]),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => (i % seq < seq - ((i + k) % 3) ? 1n : 0n)), [rows, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [rows, seq]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt((i + k) % 2)), [rows]),
    // Step k's Dropout seed (read only by graphs with Dropout).
    ...dropoutSeedFeed(7, k, 0),
  };
}

for (const dropout of [false, true]) {
  test(`4 steps in one Loop run equal 4 single steps (full fine-tuning, AdamW, clipping${dropout ? ', dropout' : ''})`, async () => {
    const dir = artifacts(dropout);
    const lrs = [1e-3, 8e-4, 6e-4, 4e-4];
    const single = await TrainingSession.open(dir);
    const one: Array<{ loss: number; gradNorm: number }> = [];
    for (let k = 0; k < 4; k++) {
      const r = await single.trainStep(batch(k), lrs[k]);
      one.push({ loss: r.loss, gradNorm: r.gradNorm! });
    }
    const looped = await TrainingSession.open(dir);
    const many = await looped.trainSteps([0, 1, 2, 3].map((k) => batch(k)), lrs);
    assert.equal(looped.step, 4);
    for (let k = 0; k < 4; k++) {
      assert.ok(Math.abs(one[k].loss - many[k].loss) <= 1e-6, `step ${k + 1} loss ${one[k].loss} vs ${many[k].loss}`);
      assert.ok(Math.abs(one[k].gradNorm - many[k].gradNorm) <= 1e-5 * Math.max(1, one[k].gradNorm), `step ${k + 1} grad norm`);
    }
    assert.ok(one[3].loss !== one[0].loss);
    let d = 0;
    const a = single.weights();
    for (const [name, w] of looped.weights()) for (let i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - a.get(name)![i]));
    assert.ok(d <= 1e-6, `max |Δw| ${d}`);
    // The Adam step count went on from the group: a further single step matches too. With Dropout as well: masks
    // come from the seed each batch carries, not from the session, so a session may switch between the two.
    const next = [(await single.trainStep(batch(4), 2e-4)).loss, (await looped.trainStep(batch(4), 2e-4)).loss];
    assert.ok(Math.abs(next[0] - next[1]) <= 1e-6, next.join(' vs '));
    const group = [(await single.trainSteps([batch(5)], [1e-4]))[0].loss, (await looped.trainSteps([batch(5)], [1e-4]))[0].loss];
    assert.ok(Math.abs(group[0] - group[1]) <= 1e-6, group.join(' vs '));
    await single.release();
    await looped.release();
  });
}

test('batches of different shapes in one group are refused with the shapes named', async () => {
  const s = await TrainingSession.open(artifacts(false));
  await assert.rejects(s.trainSteps([batch(0, 8), batch(1, 6)], [1e-3, 1e-3]), /"input_ids" is int64 \[4, 6\] in batch 1 but int64 \[4, 8\] in batch 0: group batches of one shape/);
  await assert.rejects(s.trainSteps([batch(0)], [1e-3, 1e-3]), /1 batch\(es\) for 2 learning rate\(s\)/);
  await s.release();
});
