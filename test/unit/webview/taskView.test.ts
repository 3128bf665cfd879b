// The dashboard's and the comparison's reading of NER and QA runs: the per-entity-type table, the confusion matrix's
// axis names from the entry, f1 as the headline for token tasks, SQuAD's EM/F1 (HasAns/NoAns) and no per-class card
// for QA, and the F1 / exact-match comparison columns for the runs that report them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricsEntry } from '../../../src/training/protocol';
import type { RunRecord } from '../../../src/training/runStore';
import { columnsFor, formatCell, COLUMNS } from '../../../src/webview/comparisonColumns';
import { comparisonRow, toCsv } from '../../../src/webview/comparisonTable';
import { parseMetricsLine } from '../../../src/webview/metricsEntries';
import { RunMetrics } from '../../../src/webview/runMetrics';
import { confusionAxis, evalChartSpec, headlineMetric, perClassLayout, perClassTitle, qaHeadline, runTaskOf, taskOfMetrics } from '../../../src/webview/taskView';
import { classFlagText } from '../../../src/webview/perClassFlags';

const nerEval = (step: number, f1: number): MetricsEntry => ({
  type: 'eval', step, epoch: step / 10,
  metrics: { loss: 0.3, precision: f1 + 0.05, recall: f1 - 0.05, f1, macroF1: f1 - 0.1, strictF1: f1 - 0.02, accuracy: 0.95 },
  perClass: [{ label: 'LOC', precision: 0.8, recall: 0.7, f1: 0.75, support: 12, predicted: 10 }, { label: 'PER', precision: 0, recall: 0, f1: 0, support: 4, predicted: 0 }],
  confusion: [[50, 1, 2], [3, 9, 0], [4, 0, 0]],
  confusionLabels: ['O', 'LOC', 'PER'],
});
const qaEval = (step: number, em: number, f1: number, v2 = true): MetricsEntry => ({
  type: 'eval', step, epoch: step / 10,
  metrics: { loss: 2.1, exactMatch: em, f1, ...(v2 ? { hasAnsExactMatch: em - 5, hasAnsF1: f1 - 4, noAnsExactMatch: em + 6 } : {}) },
});

test('the task comes from run.json; runs older than tasks are classification', () => {
  assert.equal(runTaskOf({ dataset: { task: 'token-classification' } }), 'token-classification');
  assert.equal(runTaskOf({ dataset: {} }), 'classification');
  assert.equal(runTaskOf(undefined), 'classification');
  assert.equal(headlineMetric('token-classification'), 'f1');
  assert.equal(headlineMetric('question-answering'), 'f1');
  assert.equal(headlineMetric('classification'), 'accuracy');
});

test('NER: the per-class card is "Per entity type", support and predicted count entities', () => {
  const layout = perClassLayout('token-classification');
  assert.equal(layout.kind, 'table');
  if (layout.kind !== 'table') return;
  assert.deepEqual([layout.labelTitle, layout.supportTitle, layout.predictedTitle], ['Entity type', 'Support (entities)', 'Predicted entities']);
  assert.equal(perClassTitle(layout, { epoch: '2', step: 40 }), 'Per entity type (epoch 2, step 40)');
  const cls = perClassLayout('classification');
  assert.ok(cls.kind === 'table' && cls.title === 'Per class' && cls.supportTitle === 'Support');
  // A type the model never predicts is flagged in entities, not examples.
  const row = { label: 'PER', precision: 0, recall: 0, f1: 0, support: 4, predicted: 0 };
  assert.equal(classFlagText('never-predicted', row, layout.unit), '"PER" is never predicted on the validation data (4 true entity(ies)): the predictions collapse to other classes');
});

test('QA has no per-class card, and says why', () => {
  const layout = perClassLayout('question-answering');
  assert.equal(layout.kind, 'none');
  assert.match(layout.kind === 'none' ? layout.reason : '', /^No per-class figures for question answering/);
});

test('the confusion matrix is labelled by the entry\'s confusionLabels; older entries by the run\'s labels, then per-class rows', () => {
  const parsed = parseMetricsLine(JSON.stringify(nerEval(10, 0.7)), 'm:1');
  assert.ok('entry' in parsed && parsed.entry.type === 'eval');
  const entry = (parsed as { entry: Extract<MetricsEntry, { type: 'eval' }> }).entry;
  assert.deepEqual(entry.confusionLabels, ['O', 'LOC', 'PER']);
  const iob2 = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
  assert.deepEqual(confusionAxis(entry, iob2), ['O', 'LOC', 'PER']);
  assert.deepEqual(confusionAxis({ perClass: entry.perClass }, ['neg', 'pos']), ['neg', 'pos']);
  assert.deepEqual(confusionAxis({ perClass: entry.perClass }), ['LOC', 'PER']);
  // A malformed confusionLabels (not all strings) is dropped rather than mislabelling the matrix.
  const bad = parseMetricsLine(JSON.stringify({ ...nerEval(10, 0.7), confusionLabels: ['O', 3] }), 'm:2');
  assert.ok('entry' in bad && bad.entry.type === 'eval' && bad.entry.confusionLabels === undefined);
  // The snapshot hands the latest entry's names to the page.
  const m = new RunMetrics();
  m.add([nerEval(10, 0.6), nerEval(20, 0.7)]);
  assert.deepEqual(m.snapshot(1000, 'token-classification').latestEval?.confusionLabels, ['O', 'LOC', 'PER']);
});

test('eval chart per task: entity F1 first for NER, SQuAD percentages on 0..100 for QA', () => {
  const ner = new RunMetrics();
  ner.add([nerEval(10, 0.6), nerEval(20, 0.7)]);
  const n = ner.snapshot(1000, 'token-classification');
  assert.deepEqual(n.evalChart.series.map((s) => s.label), ['f1', 'precision', 'recall', 'strictF1', 'accuracy']);
  assert.deepEqual(n.evalChart.series[0].values, [0.6, 0.7]);
  assert.deepEqual(n.evalChart.yRange, [0, 1]);
  const qa = new RunMetrics();
  qa.add([qaEval(10, 50, 60), qaEval(20, 62.5, 71.25)]);
  const q = qa.snapshot(1000, 'question-answering');
  assert.deepEqual(q.evalChart.series.map((s) => s.label), ['exactMatch', 'f1', 'hasAnsExactMatch', 'hasAnsF1', 'noAnsExactMatch']);
  assert.deepEqual(q.evalChart.yRange, [0, 100]);
  // Before run.json is read the task is read off the metrics.
  assert.equal(qa.snapshot().task, 'question-answering');
  assert.equal(ner.snapshot().task, 'token-classification');
  assert.equal(taskOfMetrics([{ accuracy: 0.9, macroF1: 0.8 }]), 'classification');
  assert.deepEqual(evalChartSpec('classification').metrics, ['accuracy', 'macroF1', 'weightedF1', 'microF1']);
});

test('QA headline: EM and F1, with HasAns / NoAns only for SQuAD v2 runs', () => {
  const v2 = (qaEval(10, 62.5, 71.25) as { metrics: Record<string, number> }).metrics;
  assert.deepEqual(qaHeadline(v2), [
    { label: 'EM', value: '62.50' }, { label: 'F1', value: '71.25' },
    { label: 'HasAns EM', value: '57.50' }, { label: 'HasAns F1', value: '67.25' }, { label: 'NoAns EM', value: '68.50' },
  ]);
  const v1 = (qaEval(10, 80, 88.5, false) as { metrics: Record<string, number> }).metrics;
  assert.deepEqual(qaHeadline(v1).map((f) => f.label), ['EM', 'F1']);
  assert.deepEqual(qaHeadline(undefined), []);
});

function record(task: RunRecord['dataset']['task'], id: string): RunRecord {
  return {
    id, status: 'completed', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:10:00Z',
    config: { model: '/models/tiny-bert', data: '/data/x', strategy: 'full', runsRoot: '/runs', task },
    model: { path: '/models/tiny-bert', modelType: 'bert' },
    dataset: { path: '/data/x', fingerprint: 'sha256:0', labels: [], trainRows: 80, evalRows: 20, ...(task ? { task } : {}) },
    versions: {}, device: { executionProvider: 'cpu', reason: 'default' }, totalSteps: 20, step: 20,
    bestMetric: { name: 'f1', value: 0, step: 10 },
  };
}

test('comparison: F1 and exact-match columns for the runs that report them, SQuAD percentages as ratios', () => {
  const ner = comparisonRow({ dir: '/r/ner', run: record('token-classification', 'ner'), entries: [nerEval(10, 0.7), nerEval(20, 0.8), { type: 'test', step: 10, examples: 30, metrics: { f1: 0.66 } }] });
  assert.deepEqual([ner.task, ner.bestF1, ner.selectedF1, ner.testF1, ner.bestExactMatch], ['token-classification', 0.8, 0.7, 0.66, null]);
  const qa = comparisonRow({ dir: '/r/qa', run: record('question-answering', 'qa'), entries: [qaEval(10, 50, 60), qaEval(20, 62.5, 71.25)] });
  assert.deepEqual([qa.bestF1, qa.selectedF1, qa.bestExactMatch, qa.selectedExactMatch], [0.7125, 0.6, 0.625, 0.5]);
  assert.equal(formatCell(qa, COLUMNS.find((c) => c.key === 'bestExactMatch')!), '62.50%');
  // A classifier reports macro-F1, never a plain f1: its F1 columns stay empty.
  const cls = comparisonRow({ dir: '/r/c', run: record(undefined, 'cls'), entries: [{ type: 'eval', step: 10, epoch: 1, metrics: { accuracy: 0.9, macroF1: 0.85, f1: 0.5 } }] });
  assert.deepEqual([cls.task, cls.bestF1, cls.bestExactMatch], ['classification', null, null]);
  // The optional columns appear only when some run fills them.
  const keys = (rows: typeof cls[]) => columnsFor(rows).map((c) => c.key);
  assert.ok(!keys([cls]).some((k) => ['task', 'bestF1', 'bestExactMatch'].includes(k)));
  assert.ok(keys([cls, ner]).includes('bestF1') && keys([cls, ner]).includes('task') && !keys([cls, ner]).includes('bestExactMatch'));
  assert.ok(keys([cls, qa]).includes('bestExactMatch'));
  const header = toCsv([ner, qa]).split('\r\n')[0].split(',');
  for (const name of ['task', 'best_f1', 'f1_at_selected', 'test_f1', 'best_exact_match', 'exact_match_at_selected']) assert.ok(header.includes(name), name);
});
