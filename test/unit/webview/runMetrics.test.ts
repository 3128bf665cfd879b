import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetricsText } from '../../../src/webview/metricsEntries';
import { RunMetrics } from '../../../src/webview/runMetrics';

const train = (step: number, loss: number, lr = 1e-4, sps = 50) =>
  JSON.stringify({ time: '2026-01-01T00:00:00Z', type: 'train', step, epoch: step / 10, loss, lr, samplesPerSecond: sps, tokensPerSecond: sps * 64 });
const evalLine = (step: number, epoch: number, loss: number, accuracy: number, macroF1: number) =>
  JSON.stringify({
    type: 'eval',
    step,
    epoch,
    metrics: { loss, accuracy, macroF1, microF1: accuracy, weightedF1: macroF1 },
    perClass: [
      { label: 'neg', precision: 0.8, recall: 0.9, f1: 0.847, support: 10 },
      { label: 'pos', precision: 0.88, recall: 0.7, f1: 0.78, support: 10 },
    ],
    confusion: [
      [9, 1],
      [3, 7],
    ],
  });

test('metrics.jsonl lines become train/eval/summary entries; bad lines are reported with file and line', () => {
  const text = [train(1, 0.7), 'not json', '{"type":"train","loss":1}', '[1,2]', '{"type":"checkpoint","step":3}', evalLine(10, 1, 0.5, 0.8, 0.79), '{"type":"summary","trainSeconds":12.5,"modelBytes":1000}', ''].join('\n');
  const { entries, problems } = parseMetricsText(text, 'runs/a/metrics.jsonl');
  assert.deepEqual(entries.map((e) => e.type), ['train', 'eval', 'summary']);
  assert.equal(problems.length, 3);
  assert.match(problems[0], /^runs\/a\/metrics\.jsonl:2: not valid JSON/);
  assert.match(problems[1], /^runs\/a\/metrics\.jsonl:3: train entry without a numeric "step"/);
  assert.match(problems[2], /:4: expected a JSON object/);
});

test('a LoRA run\'s summary keeps the adapter size beside the merged model\'s', () => {
  const { entries } = parseMetricsText('{"type":"summary","modelBytes":438000000,"adapterBytes":1200000,"trainableParams":296450}', 'm');
  assert.deepEqual(entries[0], { type: 'summary', time: undefined, trainSeconds: undefined, samplesPerSecond: undefined, inferenceMsPerExample: undefined, modelBytes: 438000000, adapterBytes: 1200000, diskBytes: undefined, trainableParams: 296450, totalParams: undefined, finalMetrics: undefined, stopReason: undefined });
});

test('a null loss (diverged, NaN serialised by JSON) stays a gap, not a zero', () => {
  const { entries } = parseMetricsText('{"type":"train","step":1,"epoch":0,"loss":null,"lr":0.1,"samplesPerSecond":1,"tokensPerSecond":1}', 'm');
  const m = new RunMetrics();
  m.add(entries);
  assert.deepEqual(m.snapshot().loss.series[0].values, [null]);
});

test('snapshot: train loss and sparse eval loss share one x axis; LR and throughput series; eval per epoch', () => {
  const lines = [train(5, 0.69, 1e-5, 40), train(10, 0.6, 2e-5, 42), evalLine(10, 1, 0.55, 0.75, 0.74), train(15, 0.5, 1.5e-5, 44), train(20, 0.4, 1e-5, 46), evalLine(20, 2, 0.45, 0.85, 0.84)];
  const m = new RunMetrics();
  m.add(parseMetricsText(lines.join('\n'), 'm').entries);
  const s = m.snapshot();
  assert.deepEqual(s.loss.x, [5, 10, 15, 20]);
  assert.deepEqual(s.loss.series.map((x) => x.label), ['train loss', 'eval loss']);
  assert.deepEqual(s.loss.series[0].values, [0.69, 0.6, 0.5, 0.4]);
  assert.deepEqual(s.loss.series[1].values, [null, 0.55, null, 0.45]);
  assert.deepEqual(s.lr.series[0].values, [1e-5, 2e-5, 1.5e-5, 1e-5]);
  assert.deepEqual(s.throughput.series[0].values, [40, 42, 44, 46]);
  assert.deepEqual(s.evalChart.x, [1, 2]);
  assert.deepEqual(s.evalChart.series.map((x) => x.label), ['accuracy', 'macroF1', 'weightedF1', 'microF1']);
  assert.deepEqual(s.evalChart.series[0].values, [0.75, 0.85]);
  assert.equal(s.evals.length, 2);
  assert.equal(s.latestEval?.step, 20);
  assert.deepEqual(s.latestEval?.confusion, [
    [9, 1],
    [3, 7],
  ]);
  assert.equal(s.latestEval?.perClass[1].label, 'pos');
  assert.equal(s.trainPoints, 4);
  assert.equal(s.lastTrain?.step, 20);
});

test('a resumed run replaces the steps logged after its checkpoint (and their evals)', () => {
  const m = new RunMetrics();
  const first = [train(10, 0.9), train(20, 0.8), evalLine(20, 1, 0.7, 0.6, 0.6), train(30, 0.7), train(40, 0.6), evalLine(40, 2, 0.65, 0.65, 0.64)];
  m.add(parseMetricsText(first.join('\n'), 'm').entries);
  // killed after step 40, resumed from the checkpoint at step 20
  m.add(parseMetricsText([train(30, 0.5), train(40, 0.45)].join('\n'), 'm').entries);
  const s = m.snapshot();
  assert.deepEqual(s.loss.x, [10, 20, 30, 40]);
  assert.deepEqual(s.loss.series[0].values, [0.9, 0.8, 0.5, 0.45]);
  assert.deepEqual(s.evals.map((e) => e.step), [20]);
});

test('a 100k-step metrics file is shaped into bounded chart series', () => {
  const m = new RunMetrics();
  const entries = parseMetricsText(Array.from({ length: 100_000 }, (_, i) => train(i + 1, 2 / (i + 1))).join('\n'), 'm').entries;
  m.add(entries);
  const s = m.snapshot(1000);
  assert.equal(s.trainPoints, 100_000);
  for (const chart of [s.loss, s.lr, s.throughput]) {
    assert.ok(chart.x.length <= 1000, `${chart.series[0].label}: ${chart.x.length} points`);
    for (const series of chart.series) assert.equal(series.values.length, chart.x.length);
  }
  assert.equal(s.loss.x[0], 1);
  assert.equal(s.loss.x.at(-1), 100_000);
  // The serialised update stays small enough to post several times a second.
  assert.ok(JSON.stringify(s).length < 200_000, `${JSON.stringify(s).length} bytes`);
});

test('problems are capped so a corrupt file cannot grow the message without bound', () => {
  const m = new RunMetrics();
  m.addProblems(Array.from({ length: 100 }, (_, i) => `line ${i}`));
  assert.equal(m.problems.length, 20);
  assert.equal(m.problems[0], 'line 0');
});

test('trainer log lines are kept, capped, with warnings outliving info lines', () => {
  const m = new RunMetrics();
  const lines = [JSON.stringify({ type: 'log', level: 'warn', message: '1 row repeats line 225' })];
  for (let i = 0; i < 60; i++) lines.push(JSON.stringify({ type: 'log', level: 'info', message: `epoch ${i}` }));
  lines.push('{"type":"log","level":"info"}');
  const { entries, problems } = parseMetricsText(lines.join('\n'), 'm');
  assert.equal(problems.length, 1);
  assert.match(problems[0], /:62: log entry without a "message"/);
  m.add(entries);
  const logs = m.snapshot().logs;
  assert.equal(logs.length, 50);
  assert.equal(logs[0].message, '1 row repeats line 225');
  assert.equal(logs[1].message, 'epoch 11');
  assert.equal(logs.at(-1)?.message, 'epoch 59');
});
