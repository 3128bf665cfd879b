// The test split never selects: a test file beside the training file changes neither the evaluations, nor the best
// checkpoint, nor where early stopping stops; it is evaluated once, on the exported weights, after training.
// The test labels are inverted, so a run that evaluated (and selected) on them would log other numbers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';
import { evaluateFolder } from '../../../src/training/worker/evaluateFolder';
import { fixtureModel, fixtureWorkspace } from '../models/support';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'out/src/cli.js');
const MODEL = fixtureModel('tiny-bert');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-test-split-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const lines = fs.readFileSync(path.join(fixtureWorkspace(), 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
const header = lines[0];
const trainRows = lines.slice(1, 61);
const heldOut = lines.slice(61, 101).filter((l) => !trainRows.includes(l));
const invert = (l: string) => l.replace(/,(positive|negative)$/, (_, y: string) => `,${y === 'positive' ? 'negative' : 'positive'}`);

function folder(name: string, files: Record<string, string[]>): string {
  const dir = path.join(TMP, name);
  fs.mkdirSync(dir);
  for (const [f, rows] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), [header, ...rows].join('\n') + '\n');
  return path.join(dir, 'train.csv');
}

const ALONE = folder('alone', { 'train.csv': trainRows });
const WITH_TEST = folder('with-test', { 'train.csv': trainRows, 'test.csv': heldOut.map(invert) });
const TRUE_TEST = path.join(folder('true-test', { 'train.csv': trainRows, 'test.csv': heldOut }), '..', 'test.csv');

// Early stopping loads the best checkpoint back: the test must see those weights, and selection must not see the test.
const SETTINGS = { batchSize: 8, maxLength: 32, learningRate: 5e-3, epochs: 6, threads: 1, seed: 3, earlyStopping: { metric: 'macroF1', patience: 2, threshold: 0, mode: 'max' as const } };

async function train(data: string): Promise<{ runDir: string; messages: FromWorker[] }> {
  const messages: FromWorker[] = [];
  const config: RunConfig = { model: MODEL, data, strategy: 'full', runsRoot: path.join(TMP, 'runs'), device: 'cpu', settings: SETTINGS };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return { runDir: done.runDir, messages };
}

const runs = Promise.all([train(ALONE), train(WITH_TEST)]);

test('a test file changes no evaluation, no best checkpoint and no early stop; it is evaluated once, on the exported model', async () => {
  const [[a, b]] = [await runs];
  const evals = (dir: string) => readMetrics(dir).filter((m) => m.type === 'eval').map((m) => ({ step: m.step, metrics: m.metrics }));
  assert.ok(evals(a.runDir).length >= 2, 'the run evaluated at least twice');
  assert.deepEqual(evals(b.runDir), evals(a.runDir));
  const [ra, rb] = [readRun(a.runDir), readRun(b.runDir)];
  assert.deepEqual(rb.bestMetric, ra.bestMetric);
  assert.equal(path.basename(rb.bestCheckpoint ?? ''), path.basename(ra.bestCheckpoint ?? 'none'));
  const stop = (dir: string) => readMetrics(dir).find((m) => m.type === 'summary')?.stopReason;
  assert.equal(stop(b.runDir), stop(a.runDir));
  assert.ok(fs.readFileSync(path.join(b.runDir, 'model', 'model.safetensors')).equals(fs.readFileSync(path.join(a.runDir, 'model', 'model.safetensors'))), 'the same model is exported');

  // Exactly one test entry, only where there is a test file, on the exported (best) weights.
  assert.equal(readMetrics(a.runDir).filter((m) => m.type === 'test').length, 0);
  const tests = readMetrics(b.runDir).filter((m) => m.type === 'test');
  assert.equal(tests.length, 1);
  const t = tests[0] as unknown as { step: number; examples: number; metrics: Record<string, number> };
  assert.equal(t.examples, heldOut.length);
  assert.equal(t.step, stop(b.runDir) === 'early-stopped' ? rb.bestMetric!.step : rb.step);
  // Binary labels inverted: the exported model's accuracy on the true labels is 1 minus the logged test accuracy.
  const onTrue = await evaluateFolder(path.join(b.runDir, 'model'), TRUE_TEST, rb);
  assert.ok(Math.abs(onTrue.metrics.accuracy + t.metrics.accuracy - 1) < 1e-9, `${onTrue.metrics.accuracy} + ${t.metrics.accuracy}`);
  const done = b.messages.find((m) => m.type === 'done');
  assert.deepEqual(done && done.type === 'done' && done.testMetrics, t.metrics);
  assert.ok(!a.messages.some((m) => m.type === 'done' && 'testMetrics' in m));
});

test('run.json and the log state each split: its rows, where it came from and its role', async () => {
  const [, b] = await runs;
  const splits = readRun(b.runDir).dataset.splits;
  assert.deepEqual(splits, {
    train: { rows: 54, source: 'train.csv' },
    validation: { rows: 6, source: 'a stratified 10% slice of train.csv (seed 3)' },
    test: { rows: heldOut.length, source: 'test.csv' },
  });
  assert.equal(readRun(b.runDir).dataset.evalRows, 6);
  const logs = readMetrics(b.runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
  assert.ok(logs.includes(`splits: train 54 (train.csv); validation 6 (a stratified 10% slice of train.csv (seed 3)): picks the best checkpoint and drives early stopping; test ${heldOut.length} (test.csv): evaluated once after training, never used for selection`), logs.join('\n'));
  assert.equal(logs.filter((l) => l.startsWith('test (test.csv, ')).length, 1);
  assert.equal(logs.filter((l) => l.startsWith('validation is a stratified 10% slice of train.csv (seed 3): no validation file was found')).length, 1);
});

test('`finetune-studio train` prints the test metrics once, apart from the validation evaluations', () => {
  const r = child_process.spawnSync(process.execPath, [CLI, 'train', '--model', MODEL, '--data', WITH_TEST, '--runs', path.join(TMP, 'cli-runs'), '--device', 'cpu',
    '--set', 'maxSteps=2', '--set', 'batchSize=8', '--set', 'maxLength=32', '--set', 'threads=1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const printed = r.stderr.split('\n').filter((l) => l.startsWith('test (once, never used for selection): '));
  assert.equal(printed.length, 1, r.stderr);
  assert.match(printed[0], /^test \(once, never used for selection\): loss \d+\.\d{4} {2}accuracy \d\.\d{4} {2}macroF1 \d\.\d{4}/);
});

test('SetFit: the test file changes no evaluation; it is evaluated once on the final model', async () => {
  const pick = (label: string) => trainRows.filter((l) => l.endsWith(`,${label}`) && !l.startsWith('"')).slice(0, 6);
  const few = [...pick('positive'), ...pick('negative')];
  const validation = heldOut.slice(0, 20);
  const testRows = heldOut.slice(20).map(invert);
  const setfit = async (data: string) => {
    const messages: FromWorker[] = [];
    const config: RunConfig = { model: MODEL, data, strategy: 'setfit', runsRoot: path.join(TMP, 'setfit-runs'), device: 'cpu', settings: { learningRate: 1e-3, batchSize: 16, maxLength: 32, setfitIterations: 2, seed: 7, threads: 1, setfitHead: 'differentiable', setfitHeadEpochs: 2 } };
    await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
    const done = messages.find((m) => m.type === 'done');
    assert.ok(done && done.type === 'done', JSON.stringify(messages.filter((m) => m.type === 'error')));
    return done;
  };
  const [a, b] = await Promise.all([
    setfit(folder('setfit-alone', { 'train.csv': few, 'dev.csv': validation })),
    setfit(folder('setfit-test', { 'train.csv': few, 'dev.csv': validation, 'test.csv': testRows })),
  ]);
  const evals = (dir: string) => readMetrics(dir).filter((m) => m.type === 'eval').map((m) => ({ step: m.step, metrics: m.metrics }));
  assert.equal(evals(a.runDir).length, 2);
  assert.deepEqual(evals(b.runDir), evals(a.runDir));
  assert.deepEqual(readRun(b.runDir).bestMetric, readRun(a.runDir).bestMetric);
  const tests = readMetrics(b.runDir).filter((m) => m.type === 'test');
  assert.equal(tests.length, 1);
  assert.equal(tests[0].examples, testRows.length);
  assert.deepEqual(b.testMetrics, tests[0].metrics);
  assert.equal(readMetrics(a.runDir).filter((m) => m.type === 'test').length, 0);
  assert.deepEqual(readRun(b.runDir).dataset.splits, { train: { rows: 12, source: 'train.csv' }, validation: { rows: 20, source: 'dev.csv' }, test: { rows: testRows.length, source: 'test.csv' } });
});

test('`finetune-studio list` shows the test metric beside BEST for runs with a test split, and run.json holds it', async () => {
  const [a, b] = await runs;
  const rb = readRun(b.runDir);
  const t = readMetrics(b.runDir).find((m) => m.type === 'test') as unknown as { step: number; examples: number; metrics: Record<string, number> };
  assert.deepEqual(rb.test, { step: t.step, examples: t.examples, metrics: t.metrics });
  assert.equal(readRun(a.runDir).test, undefined);
  const r = child_process.spawnSync(process.execPath, [CLI, 'list', '--runs', path.join(TMP, 'runs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.split('\n');
  assert.deepEqual(out[0].split(/\s{2,}/), ['RUN', 'STATE', 'STEP', 'STRATEGY', 'MODEL', 'BEST', 'TEST']);
  const row = (dir: string) => out.map((l) => l.split(/\s{2,}/)).find((c) => c[0] === path.basename(dir))!;
  assert.equal(row(b.runDir)[6], `macroF1 ${t.metrics.macroF1.toFixed(4)}`);
  assert.equal(row(a.runDir)[6], '—');
  const json = child_process.spawnSync(process.execPath, [CLI, 'list', '--runs', path.join(TMP, 'runs'), '--json'], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(json.find((j) => j.dir === b.runDir).testMetrics, t.metrics);
  assert.ok(!('testMetrics' in json.find((j) => j.dir === a.runDir)));

  // `eval` on the true test labels prints its metrics, and the run's own test figures beside them on stderr.
  const ev = child_process.spawnSync(process.execPath, [CLI, 'eval', '--run', b.runDir, '--data', TRUE_TEST], { encoding: 'utf8' });
  assert.equal(ev.status, 0, ev.stderr);
  const f = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ');
  assert.equal(ev.stderr.trim(), `the run's test split (test.csv, ${t.examples} examples, evaluated once at its end, never used for selection): ${f(t.metrics)}`);
  assert.match(ev.stdout, new RegExp(`accuracy ${(1 - t.metrics.accuracy).toFixed(4)}`));
});
