import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IGNORE_INDEX, maskTokens } from '../../../src/training/mlmMasking';
import { generatePairs } from '../../../src/training/setfitPairs';
import { Rng } from '../../../src/util/rng';

test('masking follows 15% with 80/10/10 and never touches special tokens', () => {
  const rows = Array.from({ length: 400 }, () => [101, ...Array.from({ length: 50 }, (_, j) => 1000 + j), 102]);
  const { inputIds, labels } = maskTokens(rows, { probability: 0.15, maskTokenId: 103, vocabSize: 30522, specialIds: new Set([101, 102]) }, new Rng(7));
  let selected = 0, masked = 0, kept = 0, total = 0;
  for (let i = 0; i < rows.length; i++) {
    assert.equal(labels[i][0], IGNORE_INDEX);
    assert.equal(inputIds[i][0], 101);
    assert.equal(inputIds[i].at(-1), 102);
    for (let j = 1; j < rows[i].length - 1; j++) {
      total++;
      if (labels[i][j] === IGNORE_INDEX) {
        assert.equal(inputIds[i][j], rows[i][j]);
        continue;
      }
      selected++;
      assert.equal(labels[i][j], rows[i][j]);
      if (inputIds[i][j] === 103) masked++;
      else if (inputIds[i][j] === rows[i][j]) kept++;
    }
  }
  // 20,000 tokens: binomial standard deviations are ~0.25% of the rate; these bounds are > 4 sigma.
  assert.ok(Math.abs(selected / total - 0.15) < 0.012, `selected ${selected / total}`);
  assert.ok(Math.abs(masked / selected - 0.8) < 0.03, `masked ${masked / selected}`);
  assert.ok(Math.abs(kept / selected - 0.1) < 0.03, `kept ${kept / selected}`);
});

test('the same seed gives the same masks', () => {
  const rows = [[5, 6, 7, 8, 9, 10, 11, 12]];
  const o = { probability: 0.5, maskTokenId: 1, vocabSize: 100, specialIds: new Set<number>() };
  assert.deepEqual(maskTokens(rows, o, new Rng(3)), maskTokens(rows, o, new Rng(3)));
});

test('SetFit pairs: one positive and one negative per example per iteration, labels correct', () => {
  const labels = [0, 0, 0, 1, 1, 1, 2, 2];
  const pairs = generatePairs(labels, 5, new Rng(1));
  assert.equal(pairs.length, labels.length * 5 * 2);
  for (const p of pairs) {
    assert.notEqual(p.a, p.b);
    assert.equal(p.label, labels[p.a] === labels[p.b] ? 1 : 0);
  }
  assert.equal(pairs.filter((p) => p.label === 1).length, labels.length * 5);
  assert.throws(() => generatePairs([1, 1], 1, new Rng(1)), /at least 2 classes/);
});
