// The dashboard's per-class highlight, fed the way the dashboard is: the trainer's metrics → a metrics.jsonl line →
// the dashboard's parser → the flag of each row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalEntry, PerClassRow } from '../../../src/training/protocol';
import { classificationMetrics } from '../../../src/training/worker/metrics';
import { parseMetricsLine } from '../../../src/webview/metricsEntries';
import { classFlag, classFlagText, perClassNotice } from '../../../src/webview/perClassFlags';

function rowsThroughTheFeed(predicted: number[], actual: number[], labels: string[]): PerClassRow[] {
  const m = classificationMetrics(predicted, actual, labels);
  const line = JSON.stringify({ type: 'eval', step: 5, epoch: 1, metrics: { macroF1: m.macroF1 }, perClass: m.perClass, confusion: m.confusion });
  const r = parseMetricsLine(line, 'metrics.jsonl:1');
  assert.ok('entry' in r && r.entry.type === 'eval');
  return (r.entry as EvalEntry).perClass!;
}

test('a class never predicted is flagged, and so is one predicted but never right; the others are not', () => {
  // "rare" is never predicted; "mid" is predicted twice, both wrongly; "common" takes the rest.
  const actual = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2];
  const predicted = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0];
  const rows = rowsThroughTheFeed(predicted, actual, ['common', 'mid', 'rare']);
  assert.deepEqual(rows.map(classFlag), [undefined, 'recall-zero', 'never-predicted']);
  assert.equal(classFlagText('never-predicted', rows[2]), '"rare" is never predicted on the validation data (2 true example(s)): the predictions collapse to other classes');
  assert.equal(classFlagText('recall-zero', rows[1]), 'recall 0: none of the 2 true "mid" example(s) is predicted as it (it is predicted 2 time(s), always wrongly)');
  assert.equal(perClassNotice(rows, false), 'Recall 0 for "mid", "rare": the model does not find these classes — set "classWeights": "balanced" to weigh the loss towards rare classes.');
  assert.equal(perClassNotice(rows, true), 'Recall 0 for "mid", "rare": the model does not find these classes — the run uses class weights; see the trainer log for what to try.');
});

test('no flag for a healthy table, for a class absent from the validation data, or for rows of older runs without counts but with recall', () => {
  const rows = rowsThroughTheFeed([0, 1, 1, 0], [0, 1, 1, 0], ['a', 'b', 'c']);
  assert.equal(rows[2].support, 0);
  assert.deepEqual(rows.map(classFlag), [undefined, undefined, undefined]);
  assert.equal(perClassNotice(rows, false), undefined);
  // Written before `predicted` existed: recall 0 with support still flags.
  const old: PerClassRow = { label: 'pos', precision: 0, recall: 0, f1: 0, support: 7 };
  assert.equal(classFlag(old), 'recall-zero');
  assert.equal(classFlagText('recall-zero', old), 'recall 0: none of the 7 true "pos" example(s) is predicted as it');
});
