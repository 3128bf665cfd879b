// Class weights end to end on the generated imbalanced sentiment data (8 % positive in train and validation) and the
// tiny BERT: the unweighted run collapses to "negative" and says so; balanced weights, stated in the log and run.json,
// lift macro-F1. Needs `npm run fixtures`. Single-threaded CPU runs with a fixed seed: the figures are reproducible
// (seeds 1–5 give 0.4792 unweighted against 0.57–0.64 balanced; bench/classWeights.ts reports them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EvalEntry, FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';

const WS = path.resolve(__dirname, '../../../../test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const TRAIN = path.join(WS, 'data/imbalanced_train.csv');
const VALIDATION = path.join(WS, 'data/imbalanced_validation.csv');

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'class-weights-runs-'));
test.after(() => fs.rmSync(runsRoot, { recursive: true, force: true }));

const countLabels = (file: string) => {
  const labels = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.slice(l.lastIndexOf(',') + 1));
  return { n: labels.length, negative: labels.filter((l) => l === 'negative').length, positive: labels.filter((l) => l === 'positive').length };
};

async function train(settings: Record<string, unknown>, strategy: RunConfig['strategy'] = 'full'): Promise<{ runDir: string; messages: FromWorker[] }> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model: MODEL, data: TRAIN, strategy, runsRoot, device: 'cpu',
    settings: { learningRate: 1e-3, epochs: 5, batchSize: 16, maxLength: 64, threads: 1, seed: 1, ...settings },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return { runDir: done.runDir, messages };
}

const logs = (runDir: string) => readMetrics(runDir).filter((m) => m.type === 'log') as { level: string; message: string }[];
const evals = (runDir: string) => readMetrics(runDir).filter((m) => m.type === 'eval') as unknown as EvalEntry[];

test('imbalanced data: unweighted collapses to "negative" with a warning; balanced weights (in the log and run.json) lift macro-F1', async () => {
  const val = countLabels(VALIDATION);
  const tr = countLabels(TRAIN);
  assert.ok(tr.positive / tr.n < 0.1 && val.positive / val.n < 0.1, 'the fixture is imbalanced');

  const plain = await train({});
  const plainRecord = readRun(plain.runDir);
  assert.equal(plainRecord.classWeights, undefined, 'an unweighted run records no weights');
  // All-negative predictions: F1(negative) = 2·share / (1 + share), F1(positive) = 0.
  const allNegativeMacroF1 = (2 * (val.negative / val.n)) / (1 + val.negative / val.n) / 2;
  assert.ok(Math.abs(plainRecord.bestMetric!.value - allNegativeMacroF1) < 1e-9, `unweighted best macro-F1 ${plainRecord.bestMetric!.value}, all-negative ${allNegativeMacroF1}`);
  const warnings = logs(plain.runDir).filter((l) => l.level === 'warn' && l.message.includes('predictions collapse'));
  assert.equal(warnings.length, evals(plain.runDir).length, 'one warning per collapsed evaluation');
  assert.match(warnings[0].message, new RegExp(`^step \\d+: predictions collapse to one class: 100\\.0 % of the validation predictions are "negative", whose true share is ${(100 * val.negative / val.n).toFixed(1)} %; never predicted: "positive"\\. .*set "classWeights": "balanced"`));
  const lastPlain = evals(plain.runDir).at(-1)!;
  assert.deepEqual(lastPlain.perClass!.map((c) => c.predicted), [val.n, 0]);

  const weighted = await train({ classWeights: 'balanced' });
  const record = readRun(weighted.runDir);
  const expected = { negative: tr.n / (2 * tr.negative), positive: tr.n / (2 * tr.positive) };
  assert.deepEqual(record.classWeights, { kind: 'class', source: 'balanced', byLabel: expected });
  assert.equal(record.config.settings?.classWeights, 'balanced');
  assert.ok(logs(weighted.runDir).some((l) => l.message.startsWith(`class weights (cross-entropy), balanced on the training split: n / (classes × count): negative ${expected.negative.toPrecision(4)}, positive ${expected.positive.toPrecision(4)}`)));
  const best = record.bestMetric!;
  assert.equal(best.name, 'macroF1', 'macro-F1 stays the selection metric');
  assert.ok(best.value > plainRecord.bestMetric!.value + 0.05, `balanced macro-F1 ${best.value} vs unweighted ${plainRecord.bestMetric!.value}`);
  const lastWeighted = evals(weighted.runDir).at(-1)!;
  assert.ok(lastWeighted.perClass![1].predicted! > 0 && lastWeighted.perClass![1].recall > 0, 'the weighted model predicts the rare class');
});

test('class weights that do not fit the data stop the run before its folder exists, naming the labels', async () => {
  const before = fs.readdirSync(runsRoot).length;
  await assert.rejects(train({ classWeights: { postive: 5 } }), {
    message: '"classWeights" names "postive" (did you mean "positive"?), which is not a label of this data; its labels are "negative", "positive".',
  });
  await assert.rejects(train({ classWeights: [1, 2, 3] }), /"classWeights" lists 3 weight\(s\), but the data has 2 classes \("negative", "positive"\)/);
  await assert.rejects(train({ classWeights: 'balanced' }, 'mlm'), /this run trains a masked language model/);
  assert.equal(fs.readdirSync(runsRoot).length, before);
});

test('multi-label: balanced positive weights (negatives / positives per label) reach the BCE loss and run.json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'class-weights-multi-'));
  try {
    const lines = fs.readFileSync(TRAIN, 'utf8').trim().split('\n').slice(1, 121);
    // Two labels per row at most: the sentiment when positive (rare), and "long" for texts over 60 characters.
    const rows = lines.map((l) => {
      const text = l.slice(0, l.lastIndexOf(',')).replace(/^"|"$/g, '');
      return { text, labels: [...(l.endsWith(',positive') ? ['positive'] : []), ...(text.length > 60 ? ['long'] : [])] };
    });
    const write = (name: string, xs: typeof rows) => fs.writeFileSync(path.join(dir, name), xs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    write('train.jsonl', rows.slice(0, 90));
    write('validation.jsonl', rows.slice(90));
    const train = rows.slice(0, 90);
    const pos = (label: string) => train.filter((r) => r.labels.includes(label)).length;
    assert.ok(pos('positive') > 0 && pos('long') > 0 && pos('positive') < 45, 'both labels occur, "positive" rarely');
    const data = path.join(dir, 'train.jsonl');
    const firstLoss = (runDir: string) => (readMetrics(runDir).find((m) => m.type === 'train') as { loss: number }).loss;
    const run = async (classWeights: 'none' | 'balanced') => {
      const messages: FromWorker[] = [];
      await runTraining({ model: MODEL, data, strategy: 'full', runsRoot, device: 'cpu', settings: { maxSteps: 1, loggingSteps: 1, batchSize: 90, maxLength: 32, threads: 1, seed: 1, classWeights } },
        { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
      const done = messages.find((m) => m.type === 'done');
      assert.ok(done && done.type === 'done', JSON.stringify(messages.filter((m) => m.type === 'error')));
      return done.runDir;
    };
    const weighted = await run('balanced');
    const labels = readRun(weighted).dataset.labels;
    assert.deepEqual(readRun(weighted).classWeights, { kind: 'positive', source: 'balanced', byLabel: Object.fromEntries(labels.map((l) => [l, (90 - pos(l)) / pos(l)])) });
    const plain = await run('none');
    // One batch of all 90 rows from the same initial weights: "positive"'s pos_weight (~11) multiplies its positives' terms.
    assert.ok(firstLoss(weighted) > firstLoss(plain) * 1.05, `weighted BCE ${firstLoss(weighted)} vs unweighted ${firstLoss(plain)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
