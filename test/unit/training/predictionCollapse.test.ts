// The collapse rule on real metric reports: predictions → classificationMetrics → findCollapse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics, multiLabelMetrics } from '../../../src/training/worker/metrics';
import { collapseWarning, findCollapse } from '../../../src/training/worker/predictionCollapse';

/** `n` examples, `truePos` of them class 1; the model predicts class 1 on `predPos` of them (the first ones). */
function report(n: number, truePos: number, predPos: number) {
  const actual = Array.from({ length: n }, (_, i) => (i < truePos ? 1 : 0));
  const predicted = Array.from({ length: n }, (_, i) => (i < predPos ? 1 : 0));
  return classificationMetrics(predicted, actual, ['negative', 'positive']).perClass;
}

test('every prediction one class is a collapse, named with both shares and the class never predicted', () => {
  const c = findCollapse(report(100, 7, 0), 'single-label');
  assert.deepEqual(c, { label: 'negative', predictedShare: 1, trueShare: 0.93, neverPredicted: ['positive'], majority: true });
  assert.equal(collapseWarning(c!, 40, false),
    'step 40: predictions collapse to one class: 100.0 % of the validation predictions are "negative", whose true share is 93.0 %; never predicted: "positive". ' +
    'Macro-F1 weighs every class alike and shows it; set "classWeights": "balanced" to weigh the loss towards the rare classes (n / (classes × count) on the training split).');
  assert.match(collapseWarning(c!, 40, true), /the class weights in use did not prevent it: try larger weights for the rare classes/);
});

test('the share rule: ≥ 90 % one class and the rest at most a third of their true share', () => {
  // 93/7 truth, positive predicted on 2 % (under a third of 7 %): collapse, though not total.
  assert.equal(findCollapse(report(100, 7, 2), 'single-label')?.label, 'negative');
  // ... on 3 % (more than a third): the model still finds the minority.
  assert.equal(findCollapse(report(100, 7, 3), 'single-label'), undefined);
  // 50/50 truth, 92 % predicted negative: collapse.
  assert.equal(findCollapse(report(100, 50, 8), 'single-label')?.predictedShare, 0.92);
  // 85/15 truth, 90 % predicted negative (10 % vs 15 %): leaning, not collapsed.
  assert.equal(findCollapse(report(100, 15, 10), 'single-label'), undefined);
  // Only one class in the validation data: nothing to collapse from.
  assert.equal(findCollapse(report(20, 0, 0), 'single-label'), undefined);
  // Collapse onto the minority counts too, and the advice is then to weigh it less.
  const minority = findCollapse(report(100, 30, 100), 'single-label')!;
  assert.deepEqual([minority.label, minority.majority], ['positive', false]);
  assert.match(collapseWarning(minority, 9, true), /"positive" is not the most frequent class, so the class weights overshoot: lower its weight \(an explicit classWeights map\) or the learning rate\.$/);
});

test('multi-label: a collapse is no label predicted on any example while some are true', () => {
  const labels = ['a', 'b'];
  const none = multiLabelMetrics([[0, 0], [0, 0], [0, 0]], [[1, 0], [0, 0], [0, 1]], labels).perClass;
  const c = findCollapse(none, 'multi-label');
  assert.deepEqual(c, { predictedShare: 1, trueShare: 0, neverPredicted: ['a', 'b'], majority: true });
  assert.match(collapseWarning(c!, 3, false), /^step 3: predictions collapse to no label: no validation example is predicted with any label; never predicted: "a", "b"\. .*a positive weight of negatives \/ positives per label/);
  assert.equal(findCollapse(multiLabelMetrics([[0, 0], [0, 1], [0, 0]], [[1, 0], [0, 0], [0, 1]], labels).perClass, 'multi-label'), undefined);
});

test('per-class reports count the predictions of each class', () => {
  const r = classificationMetrics([0, 2, 2, 2], [0, 1, 2, 2], ['x', 'y', 'z']).perClass;
  assert.deepEqual(r.map((c) => c.predicted), [1, 0, 3]);
  const m = multiLabelMetrics([[1, 1], [0, 1]], [[1, 0], [1, 1]], ['p', 'q']).perClass;
  assert.deepEqual(m.map((c) => c.predicted), [1, 2]);
});
