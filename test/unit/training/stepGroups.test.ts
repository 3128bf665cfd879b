// Where a group of steps in one run (TrainingSession.trainSteps) may end, and how its batches are shaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenizedExample } from '../../../src/data/batching';
import { collateGroup, groupLength, stepsPerRunFor } from '../../../src/training/worker/stepGroups';

test('steps per run: 4 on CUDA by default, 1 on the CPU and WebGPU, the setting when given, 1 when accumulating', () => {
  assert.equal(stepsPerRunFor('cuda', 0, true), 4);
  assert.equal(stepsPerRunFor('cuda', undefined, true), 4);
  assert.equal(stepsPerRunFor('cpu', 0, true), 1);
  assert.equal(stepsPerRunFor('webgpu', 0, true), 1);
  assert.equal(stepsPerRunFor('cpu', 3, true), 3);
  assert.equal(stepsPerRunFor('cuda', 8, false), 1);
});

test('a group never crosses the epoch end, an evaluation step or the last step', () => {
  const b = { micro: 0, microsInEpoch: 10, step: 0, totalSteps: 100, evalEvery: 'epoch' as const, stepsPerRun: 4 };
  assert.equal(groupLength(b), 4);
  assert.equal(groupLength({ ...b, micro: 8 }), 2); // the epoch has 2 micro-batches left
  assert.equal(groupLength({ ...b, step: 98 }), 2); // 2 steps left in the run
  assert.equal(groupLength({ ...b, evalEvery: 5, step: 3 }), 2); // steps 4 and 5, then evaluation at 5
  assert.equal(groupLength({ ...b, evalEvery: 5, step: 5 }), 4);
  assert.equal(groupLength({ ...b, stepsPerRun: 1 }), 1);
});

test('a group is padded to its longest item and stops before a batch of another size', () => {
  const ex = (n: number, index: number): TokenizedExample => ({ ids: Array.from({ length: n }, (_, k) => k + 5), index, label: index % 2 });
  const items = [ex(3, 0), ex(7, 1), ex(2, 2), ex(4, 3), ex(9, 4)];
  const group = collateGroup([items, items, items], [[0, 2], [1, 3], [4]], 0);
  assert.equal(group.length, 2, 'the one-row batch starts the next group');
  assert.deepEqual(group.map((b) => [b.size, b.seqLen]), [[2, 7], [2, 7]]);
  // Padding is masked: the real tokens and counts are those of each batch alone.
  assert.deepEqual([...group[0].attentionMask].map(Number), [1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(group.map((b) => b.realTokens), [5, 11]);
  assert.deepEqual(group[1].indices, [1, 3]);
});
