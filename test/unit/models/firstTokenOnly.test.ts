// A sequence classifier reads only hidden[:, 0], so its last layer is built for that row alone (BuildContext
// firstTokenOnly). The pruned graph must give the full graph's logits for every family, padding included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildForwardModel, graphInputNames } from '../../../src/models/arch/forward';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadWeights } from '../../../src/models/weights';
import { fixtureModel, maxAbsDiff, ortSession, runSession } from './support';

const INPUTS = {
  input_ids: [[2, 15, 27, 33, 41, 3], [2, 19, 3, 0, 0, 0]],
  attention_mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]],
  token_type_ids: [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
};

for (const name of ['tiny-bert', 'tiny-roberta', 'tiny-distilbert', 'tiny-electra']) {
  test(`${name}: the first-token-only last layer gives the full layer's logits`, async () => {
    const dir = fixtureModel(name);
    const spec = readModelSpec(dir);
    const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
    const pruned = buildForwardModel(spec, tensors, { head: 'sequence-classification' });
    // outputHidden asks for the whole last hidden state, so that graph keeps every row of the last layer.
    const full = buildForwardModel(spec, tensors, { head: 'sequence-classification', outputHidden: true });
    const slices = (m: typeof pruned) => m.graph.nodes.filter((n) => n.opType === 'Slice').length;
    assert.equal(slices(pruned), 1, 'one Slice picks the first row before the last layer');
    assert.equal(slices(full), 0);
    const inputs = Object.fromEntries(graphInputNames(spec).map((n) => [n, INPUTS[n as keyof typeof INPUTS]]));
    const a = (await runSession(await ortSession(pruned), inputs)).logits.data as Float32Array;
    const b = (await runSession(await ortSession(full), inputs)).logits.data as Float32Array;
    assert.equal(a.length, 2 * spec.numLabels);
    assert.ok(maxAbsDiff(a, b) <= 1e-6, `max |Δlogit| ${maxAbsDiff(a, b)}`);
  });
}

test('heads that read every token keep the whole last layer', () => {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  for (const head of ['token-classification', 'masked-lm', 'sentence-embedding'] as const) {
    const { tensors } = loadWeights(Checkpoint.open(dir), spec, head, { ignoreMismatchedHead: true });
    const m = buildForwardModel(spec, tensors, { head });
    assert.equal(m.graph.nodes.filter((n) => n.opType === 'Slice').length, 0, head);
  }
});
