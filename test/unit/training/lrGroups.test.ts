// Per-group learning rates (src/training/lrGroups.ts + the dashboard's LR series in src/webview/runMetrics.ts): what
// the trainer logs for layer-wise decay and gradual unfreezing, and the curves drawn from it, including old files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planParameters } from '../../../src/training/parameterGroups';
import { compareLrGroups, lrGroupMultipliers } from '../../../src/training/lrGroups';
import type { MetricsEntry } from '../../../src/training/protocol';
import { parseMetricsText } from '../../../src/webview/metricsEntries';
import { RunMetrics } from '../../../src/webview/runMetrics';

const NAMES = [
  'bert.embeddings.word_embeddings.weight', 'bert.embeddings.LayerNorm.weight',
  'bert.encoder.layer.0.attention.self.query.weight', 'bert.encoder.layer.0.output.dense.bias',
  'bert.encoder.layer.1.attention.self.query.weight', 'bert.encoder.layer.1.output.LayerNorm.weight',
  'bert.pooler.dense.weight', 'classifier.weight', 'classifier.bias',
];

test('layer-wise decay: one multiplier per group, bottom to top, decay^(L - i) with the embeddings below layer 1', () => {
  const groups = lrGroupMultipliers(planParameters(NAMES, 2, 'discriminative-lr', { layerDecay: 0.5 }));
  assert.deepEqual(Object.keys(groups), ['embeddings', 'layer 0', 'layer 1', 'head']);
  assert.deepEqual(groups, { embeddings: 0.125, 'layer 0': 0.25, 'layer 1': 0.5, head: 1 });
});

test('gradual unfreezing: only the trainable groups, one more layer per epoch', () => {
  assert.deepEqual(lrGroupMultipliers(planParameters(NAMES, 2, 'gradual-unfreezing', { epoch: 0 })), { head: 1 });
  assert.deepEqual(lrGroupMultipliers(planParameters(NAMES, 2, 'gradual-unfreezing', { epoch: 1 })), { 'layer 1': 1, head: 1 });
  assert.deepEqual(lrGroupMultipliers(planParameters(NAMES, 2, 'gradual-unfreezing', { epoch: 3 })), { embeddings: 1, 'layer 0': 1, 'layer 1': 1, head: 1 });
  assert.deepEqual(['head', 'layer 10', 'layer 2', 'embeddings'].sort(compareLrGroups), ['embeddings', 'layer 2', 'layer 10', 'head']);
});

const train = (step: number, lr: number) => ({ type: 'train', step, epoch: step / 4, loss: 0.5, lr, samplesPerSecond: 10, tokensPerSecond: 100 });

test('the dashboard draws lr × multiplier per group, null while a group is frozen', () => {
  const lines = [
    { type: 'lrGroups', step: 0, groups: { head: 1 } },
    train(1, 1e-4), train(2, 2e-4),
    { type: 'lrGroups', step: 2, groups: { 'layer 1': 1, head: 1 } },
    train(3, 2e-4), train(4, 1e-4),
  ].map((l) => JSON.stringify(l)).join('\n');
  const { entries, problems } = parseMetricsText(lines, 'metrics.jsonl');
  assert.deepEqual(problems, []);
  const m = new RunMetrics();
  m.add(entries);
  const lr = m.snapshot().lr;
  assert.deepEqual(lr.x, [1, 2, 3, 4]);
  assert.deepEqual(lr.series.map((s) => s.label), ['layer 1', 'head']);
  assert.deepEqual(lr.series[0].values, [null, null, 2e-4, 1e-4]);
  assert.deepEqual(lr.series[1].values, [1e-4, 2e-4, 2e-4, 1e-4]);
});

test('layer-wise decay curves differ by their multiplier; a resumed run replaces the phases logged after its checkpoint', () => {
  const m = new RunMetrics();
  const entries: MetricsEntry[] = [
    { type: 'lrGroups', step: 0, groups: { embeddings: 0.25, 'layer 0': 0.5, head: 1 } },
    { type: 'train', step: 1, epoch: 0.5, loss: 1, lr: 4e-4, samplesPerSecond: 1, tokensPerSecond: 1 },
    { type: 'train', step: 2, epoch: 1, loss: 1, lr: 4e-4, samplesPerSecond: 1, tokensPerSecond: 1 },
    // Stopped run's next phase (unused now), then the resume from step 1 with its own phase entry.
    { type: 'lrGroups', step: 2, groups: { head: 9 } },
    { type: 'lrGroups', step: 1, groups: { embeddings: 0.25, 'layer 0': 0.5, head: 1 } },
    { type: 'train', step: 2, epoch: 1, loss: 1, lr: 8e-4, samplesPerSecond: 1, tokensPerSecond: 1 },
  ];
  m.add(entries);
  const lr = m.snapshot().lr;
  assert.deepEqual(lr.series.map((s) => [s.label, s.values]), [
    ['embeddings', [1e-4, 2e-4]],
    ['layer 0', [2e-4, 4e-4]],
    ['head', [4e-4, 8e-4]],
  ]);
});

test('a metrics.jsonl written before per-group logging reads as one learning rate; a bad lrGroups line is a problem', () => {
  const { entries, problems } = parseMetricsText([train(1, 1e-4), train(2, 5e-5)].map((l) => JSON.stringify(l)).join('\n') + '\n{"type":"lrGroups","step":3}', 'm.jsonl');
  assert.deepEqual(problems, ['m.jsonl:3: lrGroups entry without a "groups" object']);
  const m = new RunMetrics();
  m.add(entries);
  assert.deepEqual(m.snapshot().lr, { x: [1, 2], series: [{ label: 'learning rate', values: [1e-4, 5e-5] }] });
});
