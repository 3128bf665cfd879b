import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import type { RunRecord } from '../../../src/training/runStore';
import { COLUMNS, ComparisonRow, formatBytes, formatCell, formatSeconds, sortRows } from '../../../src/webview/comparisonColumns';
import { bestOver, comparisonRow, toCsv, toMarkdown } from '../../../src/webview/comparisonTable';
import type { EvalEntry, MetricsEntry } from '../../../src/training/protocol';

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-a',
    status: 'completed',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:10:00Z',
    config: { model: '/models/tiny-bert', data: '/data/train.csv', strategy: 'full', runsRoot: '/runs', settings: { epochs: 3 } },
    model: { path: '/models/tiny-bert', modelType: 'bert' },
    dataset: { path: '/data/train.csv', fingerprint: 'sha256:0', labels: ['neg', 'pos'], trainRows: 80, evalRows: 20 },
    versions: {},
    device: { executionProvider: 'cpu', reason: 'default' },
    totalSteps: 30,
    step: 30,
    ...over,
  };
}

const ev = (step: number, epoch: number, accuracy: number, macroF1: number): MetricsEntry => ({ type: 'eval', step, epoch, metrics: { loss: 1 - accuracy, accuracy, macroF1 } });
const tr = (step: number, sps: number): MetricsEntry => ({ type: 'train', step, epoch: step / 10, loss: 0.5, lr: 1e-4, samplesPerSecond: sps, tokensPerSecond: 0 });

test('a row takes the eval at the kept checkpoint named in run.json and the summary figures', () => {
  const entries: MetricsEntry[] = [
    tr(10, 40),
    ev(10, 1, 0.7, 0.69),
    tr(20, 44),
    ev(20, 2, 0.9, 0.85),
    tr(30, 48),
    ev(30, 3, 0.95, 0.8),
    { type: 'summary', trainSeconds: 125.5, samplesPerSecond: 45.5, inferenceMsPerExample: 3.25, modelBytes: 17_600_000, trainableParams: 4_400_000, totalParams: 4_400_000 },
  ];
  const row = comparisonRow({ dir: '/ws/.finetune/runs/run-a', run: record({ bestMetric: { name: 'macroF1', value: 0.85, step: 20 } }), entries });
  assert.equal(row.baseModel, 'tiny-bert');
  assert.equal(row.strategy, 'full');
  assert.equal(row.epochs, 3);
  // "Best accuracy" is the best accuracy (step 30), not the accuracy of the macro-F1-selected checkpoint (step 20).
  assert.equal(row.bestAccuracy, 0.95);
  assert.equal(row.bestMacroF1, 0.85);
  assert.deepEqual([row.selectedBy, row.selectedStep, row.selectedAccuracy, row.selectedMacroF1], ['best macroF1', 20, 0.9, 0.85]);
  assert.equal(row.trainSeconds, 125.5);
  assert.equal(row.samplesPerSecond, 45.5);
  assert.equal(row.inferenceMsPerExample, 3.25);
  assert.equal(row.modelBytes, 17_600_000);
  assert.equal(row.trainableParams, 4_400_000);
  assert.equal(row.device, 'cpu');
});

test('without a kept checkpoint or summary: best values over the evals, no kept-checkpoint figures, mean logged throughput, epochs from the log', () => {
  const run = record({ config: { model: 'C:\\models\\mini', data: 'd', strategy: 'feature-extraction', runsRoot: 'C:\\runs' }, model: { path: 'C:\\models\\mini', modelType: 'bert', hubId: 'org/mini' }, status: 'running' });
  const row = comparisonRow({ dir: '/r', run, entries: [tr(10, 40), ev(10, 1, 0.6, 0.5), tr(20, 50), ev(20, 2, 0.8, 0.7), tr(25, 60)] });
  assert.equal(row.baseModel, 'org/mini');
  assert.equal(row.bestAccuracy, 0.8);
  assert.equal(row.bestMacroF1, 0.7);
  assert.deepEqual([row.selectedBy, row.selectedStep, row.selectedAccuracy, row.selectedMacroF1], [null, null, null, null]);
  assert.equal(row.samplesPerSecond, 50);
  assert.equal(row.epochs, 3); // last train entry at epoch 2.5 → 3 epochs begun
  assert.equal(row.trainSeconds, null);
  assert.equal(row.modelBytes, null);
  assert.equal(row.status, 'running');
});

test('each column holds what its name says when best accuracy and best macro-F1 are at different steps', () => {
  // Step 10: accuracy 0.92 (its best), macro-F1 0.60 (imbalanced: the minority class is missed);
  // step 20: accuracy 0.88, macro-F1 0.81 (its best), the checkpoint a macroF1-selected run keeps.
  const entries = [ev(10, 1, 0.92, 0.6), ev(20, 2, 0.88, 0.81), ev(30, 3, 0.9, 0.7)];
  const byF1 = comparisonRow({ dir: '/r/f1', run: record({ bestMetric: { name: 'macroF1', value: 0.81, step: 20 } }), entries });
  const byAcc = comparisonRow({ dir: '/r/acc', run: record({ bestMetric: { name: 'accuracy', value: 0.92, step: 10 } }), entries });
  const cell = (row: ComparisonRow, title: string) => formatCell(row, COLUMNS.find((c) => c.title === title)!);
  for (const row of [byF1, byAcc]) {
    assert.equal(cell(row, 'Best accuracy'), '92.00%');
    assert.equal(cell(row, 'Best macro-F1'), '81.00%');
  }
  assert.deepEqual(['Checkpoint kept', 'Kept step', 'Accuracy at kept checkpoint', 'Macro-F1 at kept checkpoint'].map((t) => cell(byF1, t)), ['best macroF1', '20', '88.00%', '81.00%']);
  assert.deepEqual(['Checkpoint kept', 'Kept step', 'Accuracy at kept checkpoint', 'Macro-F1 at kept checkpoint'].map((t) => cell(byAcc, t)), ['best accuracy', '10', '92.00%', '60.00%']);
  // Loss-selected: the lowest loss is the best one.
  const byLoss = comparisonRow({ dir: '/r/loss', run: record({ bestMetric: { name: 'loss', value: 0.08, step: 10 } }), entries });
  assert.equal(byLoss.selectedBy, 'best loss');
  assert.equal(bestOver(entries as EvalEntry[], 'loss'), 1 - 0.92);
  // Exports name the same thing: CSV headers carry what the column holds.
  const header = toCsv([byF1]).split('\r\n')[0].split(',');
  for (const name of ['best_accuracy', 'best_macro_f1', 'selected_by', 'selected_step', 'accuracy_at_selected', 'macro_f1_at_selected']) assert.ok(header.includes(name), name);
  assert.ok(!header.includes('macro_f1'), 'no bare macro_f1 column whose checkpoint is not named');
});

function rows(): ComparisonRow[] {
  const base = comparisonRow({ dir: '/r/a', run: record(), entries: [ev(10, 1, 0.8, 0.75), { type: 'summary', trainSeconds: 60, samplesPerSecond: 10, modelBytes: 2000 }] });
  return [
    { ...base, runId: 'a', bestAccuracy: 0.8, trainSeconds: 60 },
    { ...base, runId: 'b', baseModel: 'model, "quoted"\nname', bestAccuracy: null, trainSeconds: 30 },
    { ...base, runId: 'c', bestAccuracy: 0.9, trainSeconds: 90 },
  ];
}

test('sorting: numbers numerically, unknown values last in both directions, stable', () => {
  assert.deepEqual(sortRows(rows(), { key: 'bestAccuracy', descending: true }).map((r) => r.runId), ['c', 'a', 'b']);
  assert.deepEqual(sortRows(rows(), { key: 'bestAccuracy', descending: false }).map((r) => r.runId), ['a', 'c', 'b']);
  assert.deepEqual(sortRows(rows(), { key: 'trainSeconds', descending: false }).map((r) => r.runId), ['b', 'a', 'c']);
  assert.deepEqual(sortRows(rows(), { key: 'strategy', descending: false }).map((r) => r.runId), ['a', 'b', 'c']);
});

test('CSV: RFC 4180 quoting, CRLF records, raw numbers; parses back to the same values', () => {
  const csv = toCsv(rows());
  assert.ok(csv.includes('"model, ""quoted""\nname"'), 'quotes doubled, field with comma/newline quoted');
  assert.ok(csv.startsWith('run,base_model,strategy,'));
  assert.ok(csv.endsWith('\r\n'));
  const parsed = parse(csv, { columns: true }) as Record<string, string>[];
  assert.equal(parsed.length, 3);
  // A comparison of classifiers only: the token tasks' optional columns (task, F1, exact match) stay out.
  assert.deepEqual(Object.keys(parsed[0]), COLUMNS.filter((c) => !c.optional).map((c) => c.csvTitle));
  assert.equal(parsed[1].base_model, 'model, "quoted"\nname');
  assert.equal(parsed[0].best_accuracy, '0.8');
  assert.equal(parsed[1].best_accuracy, '');
  assert.equal(Number(parsed[2].train_seconds), 90);
  assert.equal(Number(parsed[0].model_bytes), 2000);
});

test('Markdown: header, alignment row, formatted cells, pipes escaped', () => {
  const md = toMarkdown([{ ...rows()[0], baseModel: 'a|b' }, rows()[1]]);
  const lines = md.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.ok(lines[0].startsWith('| Run | Base model | Strategy | Trainable params |'));
  assert.ok(lines[1].startsWith('| --- | --- | --- | ---: |'));
  assert.ok(lines[2].includes('| a\\|b |'));
  assert.ok(lines[2].includes('| 80.00% |'));
  assert.ok(lines[2].includes('| 1m 00s |'));
  assert.ok(lines[2].includes('| 2.0 KB |'));
  assert.ok(lines[3].includes('| model, "quoted" name |'), 'newline folded into a space');
  assert.ok(lines[3].includes('| — |'), 'unknown shown as a dash');
  // Same number of cells in every line.
  const cells = lines.map((l) => l.split(/(?<!\\)\|/).length);
  assert.ok(cells.every((c) => c === cells[0]), String(cells));
});

test('human formats', () => {
  assert.equal(formatSeconds(12.34), '12.3 s');
  assert.equal(formatSeconds(245), '4m 05s');
  assert.equal(formatSeconds(3725), '1h 02m');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(255_400_000), '255.4 MB');
});
