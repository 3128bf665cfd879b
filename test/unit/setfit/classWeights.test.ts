// classWeights in SetFit: both heads train with the weights (the contrastive body phase does not), run.json and the log
// state them. A few-shot imbalanced set (24 negative, 4 positive) from the generated imbalanced fixture; the frozen body
// keeps each run to seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';
import { fixtureModel, fixtureWorkspace, tempDir } from '../models/support';

const dataDir = tempDir('setfit-weights-data');
const runsRoot = tempDir('setfit-weights-runs');
test.after(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(runsRoot, { recursive: true, force: true });
});

const TRAIN = (() => {
  const data = path.join(fixtureWorkspace(), 'data');
  const rows = fs.readFileSync(path.join(data, 'imbalanced_train.csv'), 'utf8').trim().split('\n');
  const pick = (label: string, n: number) => rows.slice(1).filter((l) => l.endsWith(`,${label}`)).slice(0, n);
  fs.writeFileSync(path.join(dataDir, 'train.csv'), [rows[0], ...pick('negative', 24), ...pick('positive', 4)].join('\n') + '\n');
  fs.copyFileSync(path.join(data, 'imbalanced_validation.csv'), path.join(dataDir, 'validation.csv'));
  return path.join(dataDir, 'train.csv');
})();

async function setfit(settings: Record<string, unknown>): Promise<string> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model: fixtureModel('tiny-bert'), data: TRAIN, strategy: 'setfit', runsRoot, device: 'cpu',
    settings: { setfitBodyEpochs: 0, batchSize: 8, maxLength: 32, seed: 3, threads: 1, ...settings },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return done.runDir;
}

const head = (runDir: string) => JSON.parse(fs.readFileSync(path.join(runDir, 'model', 'model_head.json'), 'utf8')) as { bias: number[] };
const logText = (runDir: string) => readMetrics(runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
const expected = { negative: 28 / (2 * 24), positive: 28 / (2 * 4) };

for (const kind of ['logistic', 'differentiable'] as const) {
  test(`SetFit ${kind} head: balanced weights from the training split, recorded, and the head they train differs from the unweighted one`, async () => {
    const extra = kind === 'differentiable' ? { setfitHead: kind, setfitHeadEpochs: 3, headLearningRate: 1e-2 } : {};
    const weighted = await setfit({ ...extra, classWeights: 'balanced' });
    assert.deepEqual(readRun(weighted).classWeights, { kind: 'class', source: 'balanced', byLabel: expected });
    assert.ok(logText(weighted).some((l) => l.startsWith('class weights (cross-entropy), balanced on the training split: n / (classes × count): negative 0.5833, positive 3.500') &&
      l.endsWith(`(the ${kind} head's loss; the contrastive body phase is unweighted)`)), logText(weighted).join('\n'));
    const plain = await setfit(extra);
    assert.equal(readRun(plain).classWeights, undefined);
    const [wb, pb] = [head(weighted).bias, head(plain).bias];
    // The rare class weighted up gains intercept against the common one.
    assert.ok(wb[1] - wb[0] > pb[1] - pb[0], `bias gap weighted ${wb[1] - wb[0]} vs unweighted ${pb[1] - pb[0]}`);
  });
}
