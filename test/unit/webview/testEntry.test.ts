// The test split's one evaluation through the readers: metrics.jsonl parser, the dashboard's accumulated metrics and
// the comparison row (its own columns, never mixed with the validation figures the run selected on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricsEntry } from '../../../src/training/protocol';
import type { RunRecord } from '../../../src/training/runStore';
import { COLUMNS } from '../../../src/webview/comparisonColumns';
import { comparisonRow, toCsv } from '../../../src/webview/comparisonTable';
import { parseMetricsLine, parseMetricsText } from '../../../src/webview/metricsEntries';
import { RunMetrics } from '../../../src/webview/runMetrics';

const TEST_LINE = JSON.stringify({
  type: 'test', time: '2026-01-01T00:10:00Z', step: 20, examples: 40, metrics: { loss: 0.4, accuracy: 0.825, macroF1: 0.8 },
  perClass: [{ label: 'neg', precision: 0.8, recall: 0.9, f1: 0.85, support: 20 }], confusion: [[18, 2], [5, 15]],
});

test('a test line parses into a test entry; a malformed one is a problem naming the line', () => {
  assert.deepEqual(parseMetricsLine(TEST_LINE, 'm.jsonl:9'), {
    entry: {
      type: 'test', time: '2026-01-01T00:10:00Z', step: 20, examples: 40, metrics: { loss: 0.4, accuracy: 0.825, macroF1: 0.8 },
      perClass: [{ label: 'neg', precision: 0.8, recall: 0.9, f1: 0.85, support: 20 }], confusion: [[18, 2], [5, 15]],
    },
  });
  assert.deepEqual(parseMetricsLine('{"type":"test","metrics":{}}', 'm.jsonl:3'), { problem: 'm.jsonl:3: test entry without a numeric "step"' });
  assert.deepEqual(parseMetricsLine('{"type":"test","step":4}', 'm.jsonl:4'), { problem: 'm.jsonl:4: test entry without a "metrics" object' });
});

const evalLine = (step: number, accuracy: number, macroF1: number) => JSON.stringify({ type: 'eval', step, epoch: step / 10, metrics: { loss: 1 - accuracy, accuracy, macroF1 } });

function record(): RunRecord {
  return {
    id: 'run-t', status: 'completed', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:10:00Z',
    config: { model: '/m/tiny-bert', data: '/d/train.csv', strategy: 'full', runsRoot: '/runs' }, model: { path: '/m/tiny-bert', modelType: 'bert' },
    dataset: { path: '/d/train.csv', fingerprint: 'sha256:0', labels: ['neg', 'pos'], trainRows: 54, evalRows: 6 },
    versions: {}, device: { executionProvider: 'cpu', reason: 'default' }, totalSteps: 30, step: 30, bestMetric: { name: 'macroF1', value: 0.9, step: 10 },
  };
}

test('the dashboard keeps the test entry apart from the per-epoch evaluations; the comparison has test columns', () => {
  const { entries, problems } = parseMetricsText([evalLine(10, 0.95, 0.9), evalLine(20, 0.9, 0.85), TEST_LINE].join('\n'), 'metrics.jsonl');
  assert.deepEqual(problems, []);
  const m = new RunMetrics();
  m.add(entries);
  const snap = m.snapshot();
  assert.deepEqual(snap.evals.map((e) => e.step), [10, 20]);
  assert.equal(snap.test?.metrics.accuracy, 0.825);
  assert.equal(snap.test?.examples, 40);

  const row = comparisonRow({ dir: '/runs/run-t', run: record(), entries });
  // Validation figures at the kept checkpoint (step 10); test figures from the one test entry.
  assert.deepEqual([row.selectedAccuracy, row.selectedMacroF1, row.testAccuracy, row.testMacroF1], [0.95, 0.9, 0.825, 0.8]);
  const csv = toCsv([row]).split('\r\n');
  const at = (title: string) => csv[0].split(',').indexOf(title);
  assert.ok(at('test_accuracy') > at('macro_f1_at_selected') && COLUMNS.some((c) => c.key === 'testMacroF1'));
  assert.equal(csv[1].split(',')[at('test_accuracy')], '0.825');
  assert.equal(csv[1].split(',')[at('test_macro_f1')], '0.8');

  const none = comparisonRow({ dir: '/runs/run-t', run: record(), entries: entries.filter((e: MetricsEntry) => e.type !== 'test') });
  assert.deepEqual([none.testAccuracy, none.testMacroF1], [null, null]);
});
