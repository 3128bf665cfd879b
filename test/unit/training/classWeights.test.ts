// The classWeights setting: its shape checked with the other settings, then resolved against the training split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeClassWeights, resolveClassWeights } from '../../../src/training/classWeights';
import { SettingsError, resolveArgs } from '../../../src/training/hyperparameters';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('"none" is the default and means an unweighted loss', () => {
  assert.equal(resolveArgs({}).classWeights, 'none');
  assert.equal(resolveClassWeights('none', { kind: 'single-label', labels: ['a', 'b'], trainLabels: [0, 1] }), undefined);
});

test('balanced single-label weights are scikit-learn\'s n_samples / (n_classes · count_c) on the training labels', () => {
  // 12 examples: 9 of "neg", 3 of "pos" → 12/(2·9) and 12/(2·3).
  const trainLabels = [...new Array<number>(9).fill(0), 1, 1, 1];
  const r = resolveClassWeights('balanced', { kind: 'single-label', labels: ['neg', 'pos'], trainLabels })!;
  assert.equal(r.kind, 'class');
  assert.equal(r.source, 'balanced');
  close(r.weights[0], 12 / 18);
  close(r.weights[1], 2);
  assert.deepEqual(r.byLabel, { neg: r.weights[0], pos: r.weights[1] });
  // Weighted counts are equal per class: that is what "balanced" promises.
  close(9 * r.weights[0], 3 * r.weights[1]);
  assert.match(describeClassWeights(r), /^class weights \(cross-entropy\), balanced on the training split: n \/ \(classes × count\): neg 0\.6667, pos 2 /);
});

test('balanced: a class with no training example keeps weight 1 and says so; the others are balanced over the classes present', () => {
  const r = resolveClassWeights('balanced', { kind: 'single-label', labels: ['a', 'b', 'c'], trainLabels: [0, 0, 0, 2] })!;
  close(r.weights[0], 4 / (2 * 3));
  assert.equal(r.weights[1], 1);
  close(r.weights[2], 4 / 2);
  assert.deepEqual(r.notes, ['"b" has no training example: its weight stays 1']);
});

test('balanced multi-label weights are pos_weight = negatives / positives per label', () => {
  // 5 examples; "x" on 1 (4/1), "y" on 2 (3/2), "z" on every one (nothing to balance: 1).
  const r = resolveClassWeights('balanced', { kind: 'multi-label', labels: ['x', 'y', 'z'], trainLabels: [[0, 2], [1, 2], [1, 2], [2], [2]] })!;
  assert.equal(r.kind, 'positive');
  assert.deepEqual(r.weights, [4, 1.5, 1]);
  assert.deepEqual(r.notes, ['"z" is on every training example: its positive weight stays 1']);
});

test('explicit weights: a list in label order, or a map where unlisted labels weigh 1', () => {
  const task = { kind: 'single-label' as const, labels: ['negative', 'neutral', 'positive'], trainLabels: [0, 1, 2] };
  assert.deepEqual(resolveClassWeights([1, 2.5, 4], task)!.weights, [1, 2.5, 4]);
  const m = resolveClassWeights({ positive: 3 }, task)!;
  assert.deepEqual(m.weights, [1, 1, 3]);
  assert.equal(m.source, 'explicit');
});

test('explicit weights that do not fit the data are refused with the labels and the fix', () => {
  const task = { kind: 'single-label' as const, labels: ['negative', 'positive'], trainLabels: [0, 1] };
  assert.throws(() => resolveClassWeights([1, 2, 3], task), (e: Error) => e instanceof SettingsError &&
    e.message === '"classWeights" lists 3 weight(s), but the data has 2 classes ("negative", "positive"): give one per class in that order, or a map {"label": weight}.');
  assert.throws(() => resolveClassWeights({ postive: 2 }, task), (e: Error) => e instanceof SettingsError &&
    e.message === '"classWeights" names "postive" (did you mean "positive"?), which is not a label of this data; its labels are "negative", "positive".');
  assert.throws(() => resolveClassWeights('balanced', { kind: 'regression', labels: ['score'], trainLabels: [0.5] }),
    /"classWeights" weighs classes of a classification loss; this run trains a regression \(numeric labels\): remove the setting or set it to "none"\./);
  assert.throws(() => resolveClassWeights([1, 1], { kind: 'masked-lm', labels: [], trainLabels: [] }), /this run trains a masked language model/);
});

test('resolveArgs checks the shape: non-positive, non-finite, empty and wrong-typed weights, with the value named', () => {
  const message = (v: unknown) => {
    try {
      resolveArgs({ classWeights: v });
    } catch (e) {
      assert.ok(e instanceof SettingsError);
      return e.message;
    }
    assert.fail(`classWeights ${String(v)} was accepted`);
  };
  const expected = '"none", "balanced", a list of positive weights (one per class, in label order) or a map {"label": weight}';
  assert.equal(message([1, 0]), `Invalid training settings:\n- "classWeights" must be ${expected}; weight 2 (0) is not a positive finite number, got [1,0]`);
  assert.match(message([1, -2]), /weight 2 \(-2\) is not a positive finite number/);
  assert.match(message([NaN, 1]), /weight 1 \(NaN\) is not a positive finite number/);
  assert.match(message({ pos: Infinity }), /the weight of "pos" \(Infinity\) is not a positive finite number/);
  assert.match(message({ pos: '2' }), /the weight of "pos" \("2"\) is not a positive finite number/);
  assert.match(message([]), /; the list is empty/);
  assert.match(message({}), /; the map is empty/);
  assert.equal(message('balance'), `Invalid training settings:\n- "classWeights" must be ${expected}, got "balance"`);
  assert.deepEqual(resolveArgs({ classWeights: { pos: 2 } }).classWeights, { pos: 2 });
  assert.equal(resolveArgs({ classWeights: 'balanced' }).classWeights, 'balanced');
});
