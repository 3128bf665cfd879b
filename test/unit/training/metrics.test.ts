// Expected numbers worked out by hand (and matching scikit-learn's classification_report on the same arrays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics, multiLabelMetrics, regressionMetrics } from '../../../src/training/worker/metrics';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('classification: accuracy, per-class and averaged F1, confusion matrix', () => {
  // y_true = [0,0,0,1,1,2], y_pred = [0,0,1,1,2,2]
  const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 2], ['a', 'b', 'c']);
  assert.deepEqual(m.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  close(m.accuracy, 4 / 6);
  // a: p=1 r=2/3 f1=0.8; b: p=.5 r=.5 f1=.5; c: p=.5 r=1 f1=2/3
  close(m.perClass[0].f1, 0.8);
  close(m.perClass[1].f1, 0.5);
  close(m.perClass[2].f1, 2 / 3);
  close(m.macroF1, (0.8 + 0.5 + 2 / 3) / 3);
  close(m.weightedF1, (0.8 * 3 + 0.5 * 2 + (2 / 3) * 1) / 6);
  close(m.microF1, 4 / 6);
  assert.equal(m.perClass[0].support, 3);
});

test('a class never predicted has precision 0 (zero_division=0), not NaN', () => {
  const m = classificationMetrics([0, 0], [0, 1], ['x', 'y']);
  assert.equal(m.perClass[1].precision, 0);
  assert.equal(m.perClass[1].f1, 0);
  assert.throws(() => classificationMetrics([0], [0, 1], ['x', 'y']), /1 predictions for 2 references/);
});

test('multi-label: subset accuracy, micro/macro F1, hamming loss', () => {
  const m = multiLabelMetrics([[1, 0], [1, 1]], [[1, 0], [0, 1]], ['p', 'q']);
  close(m.subsetAccuracy, 0.5);
  close(m.hammingLoss, 0.25);
  // tp=2 fp=1 fn=0 → micro p=2/3 r=1 f1=0.8; p: p=.5 r=1 f1=2/3; q: 1,1,1
  close(m.microF1, 0.8);
  close(m.macroF1, (2 / 3 + 1) / 2);
});

test('regression: mse, mae, r2, pearson', () => {
  const m = regressionMetrics([1, 2, 3], [1, 2, 4]);
  close(m.mse, 1 / 3);
  close(m.mae, 1 / 3);
  // ss_tot = (1-7/3)^2+(2-7/3)^2+(4-7/3)^2 = 42/9 → r2 = 1 - 1/(42/9)
  close(m.r2, 1 - 9 / 42);
  assert.ok(m.pearson > 0.98 && m.pearson < 1);
});
