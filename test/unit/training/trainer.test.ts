// End-to-end trainer tests on the generated tiny BERT: what each strategy changes, LR values, exact resume after kill -9.
// Needs `npm run fixtures` (npm test runs it first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile } from '../../../src/models/safetensors';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import type { StrategyId } from '../../../src/training/strategies';
import { runTraining } from '../../../src/training/run';
import { learningRate, resolveWarmupSteps } from '../../../src/training/worker/schedules';
import { onCliMessages } from './cliMessages';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const TRAIN = path.join(WS, 'data/sentiment_train.csv');
const CLI = path.join(ROOT, 'out/src/cli.js');

/** A small labelled file (no split siblings: the trainer makes a stratified validation split). */
function smallDataset(rows: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-data-'));
  const lines = fs.readFileSync(TRAIN, 'utf8').trim().split('\n');
  const file = path.join(dir, 'small.csv');
  fs.writeFileSync(file, [lines[0], ...lines.slice(1, rows + 1)].join('\n') + '\n');
  return file;
}

async function train(strategy: StrategyId, settings: Record<string, unknown>, data = smallDataset(40), model = MODEL, cancelAfterStep = Infinity): Promise<{ runDir: string; messages: FromWorker[] }> {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-runs-'));
  const messages: FromWorker[] = [];
  const config: RunConfig = { model, data, strategy, runsRoot, device: 'cpu', settings: { batchSize: 8, maxLength: 32, learningRate: 1e-3, ...settings } };
  const stepsDone = () => messages.filter((m) => m.type === 'progress').length;
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => stepsDone() >= cancelAfterStep, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return { runDir: done.runDir, messages };
}

function tensors(file: string): Map<string, Float32Array> {
  const st = SafetensorsFile.open(file);
  return new Map(st.names().map((n) => [n, st.readFloat32(n)]));
}

const base = tensors(path.join(MODEL, 'model.safetensors'));

function changes(runDir: string): { changed: string[]; same: string[] } {
  const trained = tensors(path.join(runDir, 'model', 'model.safetensors'));
  const changed: string[] = [];
  const same: string[] = [];
  for (const [name, values] of trained) {
    const before = base.get(name);
    assert.ok(before, `exported "${name}" is not in the base checkpoint`);
    (Buffer.compare(Buffer.from(values.buffer, values.byteOffset, values.byteLength), Buffer.from(before.buffer, before.byteOffset, before.byteLength)) === 0 ? same : changed).push(name);
  }
  return { changed, same };
}

const meanAbsDelta = (runDir: string, prefix: string) => {
  const trained = tensors(path.join(runDir, 'model', 'model.safetensors'));
  let sum = 0;
  let n = 0;
  for (const [name, v] of trained) {
    if (!name.startsWith(prefix) || !name.endsWith('weight')) continue;
    const b = base.get(name)!;
    for (let i = 0; i < v.length; i++) sum += Math.abs(v[i] - b[i]);
    n += v.length;
  }
  return sum / n;
};

test('feature extraction: only the head changes; the frozen encoder is bit-identical; features are cached', async () => {
  const { runDir } = await train('feature-extraction', { epochs: 2 });
  const { changed, same } = changes(runDir);
  assert.deepEqual(changed.sort(), ['classifier.bias', 'classifier.weight']);
  assert.ok(same.includes('bert.pooler.dense.weight') && same.includes('bert.embeddings.word_embeddings.weight'));
  assert.ok(fs.existsSync(path.join(runDir, 'cache', 'features.bin')));
  assert.ok(readMetrics(runDir).some((m) => m.type === 'log' && String(m.message).includes('feature cache')));
});

test('feature extraction caches the validation features too; evaluating from them equals the exported model on the same file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-fe-eval-'));
  const lines = fs.readFileSync(TRAIN, 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(dir, 'train.csv'), [lines[0], ...lines.slice(1, 33)].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'validation.csv'), [lines[0], ...lines.slice(33, 53)].join('\n') + '\n');
  const { runDir } = await train('feature-extraction', { epochs: 1 }, path.join(dir, 'train.csv'));
  assert.ok(fs.existsSync(path.join(runDir, 'cache', 'eval-features.bin')));
  const logs = readMetrics(runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
  assert.ok(logs.some((l) => /encoded 20 validation examples once into the feature cache/.test(l)), logs.join('\n'));
  const evals = readMetrics(runDir).filter((m) => m.type === 'eval');
  assert.equal(evals.length, 1);
  const { evaluateFolder } = await import('../../../src/training/worker/evaluateFolder');
  const direct = await evaluateFolder(path.join(runDir, 'model'), path.join(dir, 'validation.csv'), readRun(runDir));
  const cached = evals[0].metrics as Record<string, number>;
  assert.equal(cached.accuracy, direct.metrics.accuracy);
  assert.ok(Math.abs(cached.loss - direct.metrics.loss) < 1e-5, `loss from cached features ${cached.loss} vs the exported model ${direct.metrics.loss}`);
});

test('checkpoint retention keeps the last and the best only; the summary says what the run folder takes on disk', async () => {
  // Evaluate (and checkpoint) every step: six checkpoints are written, at most two (the last, the best) remain.
  const { runDir } = await train('full', { maxSteps: 6, evalEvery: 1, learningRate: 5e-3 }, smallDataset(24));
  const run = readRun(runDir);
  const { listCheckpoints } = await import('../../../src/training/runStore');
  const kept = listCheckpoints(runDir).map((c) => path.basename(c));
  assert.ok(run.bestCheckpoint, 'a best checkpoint is named');
  const expected = [...new Set([path.basename(run.bestCheckpoint!), 'step-00000006'])].sort();
  assert.deepEqual(kept, expected, `kept ${kept.join(', ')}`);
  // The artifacts hold graphs only: the weights live in the run's checkpoints and export, not copied a third time.
  assert.ok(!fs.existsSync(path.join(runDir, 'artifacts', 'epoch-0', 'checkpoint')));
  const summary = readMetrics(runDir).find((m) => m.type === 'summary') as { diskBytes?: number } | undefined;
  assert.ok(summary && typeof summary.diskBytes === 'number');
  // Measured just before the summary line was appended: the folder now is that plus a few hundred bytes of metrics.
  const { runDiskUsage } = await import('../../../src/training/runDiskUsage');
  const now = runDiskUsage(runDir).total;
  assert.ok(summary.diskBytes <= now && now - summary.diskBytes < 4096, `summary ${summary.diskBytes} vs folder ${now}`);
  const logs = readMetrics(runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
  assert.ok(logs.some((l) => /^run folder on disk: .*checkpoints/.test(l)), logs.join('\n'));
});

test('a run that stops on an error ends as "failed" with the error and the step, not as "running"', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-fail-'));
  const messages: FromWorker[] = [];
  // SGD at lr 1e30: the first update makes the weights infinite, so the next loss is NaN and the trainer stops.
  const config: RunConfig = { model: MODEL, data: smallDataset(24), strategy: 'full', runsRoot, device: 'cpu', settings: { batchSize: 8, maxLength: 32, optimizer: 'sgd', learningRate: 1e30, loggingSteps: 1 } };
  await assert.rejects(runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false }), /the loss became NaN at step \d+/);
  const started = messages.find((m) => m.type === 'started');
  assert.ok(started && started.type === 'started');
  const run = readRun(started.runDir);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /the loss became NaN/);
  const lastStep = Math.max(0, ...messages.filter((m) => m.type === 'progress').map((m) => (m as { step: number }).step));
  assert.equal(run.errorStep, lastStep);
  assert.ok(readMetrics(started.runDir).some((m) => m.type === 'log' && m.level === 'error' && /^failed at step \d+: the loss became NaN/.test(String(m.message))));
});

test('a run refused by validation (model or data) leaves no run folder behind, for the trainer and for SetFit', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-bad-data-'));
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'text,label\nonly one class here,positive\nand again,positive\nstill the same,positive\n');
  for (const strategy of ['full', 'setfit'] as const) {
    const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-bad-runs-'));
    const config: RunConfig = { model: MODEL, data: bad, strategy, runsRoot, device: 'cpu', settings: { batchSize: 8, maxLength: 32 } };
    await assert.rejects(runTraining(config, { emit: () => {}, isCancelled: () => false, isPaused: () => false }), /one class|at least two/i);
    assert.deepEqual(fs.readdirSync(runsRoot), [], `${strategy}: no run folder`);
    const missing: RunConfig = { ...config, model: path.join(dir, 'no-such-model') };
    await assert.rejects(runTraining(missing, { emit: () => {}, isCancelled: () => false, isPaused: () => false }));
    assert.deepEqual(fs.readdirSync(runsRoot), [], `${strategy}: no run folder for a missing model`);
  }
});

test('partial fine-tuning: embeddings and the bottom layer stay bit-identical, the rest trains', async () => {
  const { runDir } = await train('partial', { epochs: 1, freezeLayers: 1 });
  const { changed, same } = changes(runDir);
  assert.ok(same.filter((n) => n.includes('embeddings') || n.includes('encoder.layer.0.')).length === same.length, `unexpectedly frozen: ${same}`);
  assert.ok(same.some((n) => n.includes('encoder.layer.0.')) && same.some((n) => n.includes('embeddings')));
  assert.ok(changed.includes('bert.encoder.layer.1.attention.self.query.weight') && changed.includes('classifier.weight') && changed.includes('bert.pooler.dense.weight'));
});

test('gradual unfreezing: epoch 0 trains the head, epoch 1 adds the top layer; lower layers untouched', async () => {
  const { runDir } = await train('gradual-unfreezing', { epochs: 2 });
  const { changed, same } = changes(runDir);
  assert.ok(changed.includes('bert.encoder.layer.1.output.dense.weight') && changed.includes('classifier.weight'));
  assert.ok(same.includes('bert.encoder.layer.0.output.dense.weight') && same.includes('bert.embeddings.word_embeddings.weight'));
  const logs = readMetrics(runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
  assert.ok(logs.some((l) => /epoch 0: training 4 of/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /epoch 1: training \d+ of/.test(l) && !/epoch 1: training 4 of/.test(l)));
  // Each phase logs its trainable groups' LR multipliers, from the step it starts after (the dashboard's LR curves).
  const stepsPerEpoch = readRun(runDir).totalSteps / 2;
  const groups = readMetrics(runDir).filter((m) => m.type === 'lrGroups').map((m) => ({ step: m.step, groups: m.groups }));
  assert.deepEqual(groups, [{ step: 0, groups: { head: 1 } }, { step: stepsPerEpoch, groups: { 'layer 1': 1, head: 1 } }]);
});

test('discriminative learning rates: every tensor trains, lower layers move less', async () => {
  const { runDir } = await train('discriminative-lr', { epochs: 1, layerDecay: 0.3, dropout: false, weightDecay: 0 });
  const { same } = changes(runDir);
  assert.deepEqual(same.filter((n) => !n.includes('token_type')), []);
  const emb = meanAbsDelta(runDir, 'bert.embeddings.word');
  const low = meanAbsDelta(runDir, 'bert.encoder.layer.0.');
  const high = meanAbsDelta(runDir, 'bert.encoder.layer.1.');
  const head = meanAbsDelta(runDir, 'classifier.');
  assert.ok(emb < low && low < high && high < head, `emb ${emb} layer0 ${low} layer1 ${high} head ${head}`);
  const groups = readMetrics(runDir).filter((m) => m.type === 'lrGroups').map((m) => ({ step: m.step, groups: m.groups }));
  assert.deepEqual(groups, [{ step: 0, groups: { embeddings: 0.3 ** 3, 'layer 0': 0.3 ** 2, 'layer 1': 0.3, head: 1 } }]);
});

test('logged learning rates equal the HF schedule formulas at every logged step', async () => {
  const { runDir } = await train('full', { epochs: 2, scheduler: 'cosine', warmupRatio: 0.25, loggingSteps: 1 });
  const run = readRun(runDir);
  const steps = readMetrics(runDir).filter((m) => m.type === 'train') as unknown as { step: number; lr: number }[];
  assert.ok(steps.length >= 6);
  const warmup = resolveWarmupSteps(run.totalSteps, 0, 0.25);
  for (const s of steps) {
    // The lr logged at optimizer step s is the one applied by that step: HF's LambdaLR value at s-1.
    assert.equal(s.lr, learningRate(s.step - 1, { name: 'cosine', baseLr: 1e-3, totalSteps: run.totalSteps, warmupSteps: warmup }));
  }
  assert.equal(steps[0].lr, 0); // HF warmup starts at 0
});

test('an epoch ending inside a gradient-accumulation window still steps on it, as the HF Trainer does', async () => {
  const { runDir } = await train('full', { epochs: 2, batchSize: 8, gradientAccumulationSteps: 3, scheduler: 'linear', loggingSteps: 1 });
  const run = readRun(runDir);
  const micro = Math.ceil(run.dataset.trainRows / 8);
  assert.notEqual(micro % 3, 0, `the split must leave a partial window (${micro} micro-batches per epoch)`);
  const perEpoch = Math.ceil(micro / 3);
  assert.equal(run.totalSteps, 2 * perEpoch);
  const steps = readMetrics(runDir).filter((m) => m.type === 'train') as unknown as { step: number; lr: number; epoch: number }[];
  // Every planned optimizer step happens, the partial window's included, so the schedule runs to its end.
  assert.deepEqual(steps.map((x) => x.step), Array.from({ length: 2 * perEpoch }, (_, i) => i + 1));
  const args = run.config.settings as { warmupSteps: number; warmupRatio: number };
  const warmupSteps = resolveWarmupSteps(run.totalSteps, args.warmupSteps, args.warmupRatio);
  for (const x of steps) assert.equal(x.lr, learningRate(x.step - 1, { name: 'linear', baseLr: 1e-3, totalSteps: run.totalSteps, warmupSteps }));
  assert.equal(run.step, 2 * perEpoch);
});

test('several steps per run (an ONNX Loop, as on CUDA) train as single steps do: same steps, lrs, evaluations, weights', async () => {
  // No Dropout, so both runs draw nothing random; the group pads its batches to a common length, which the masks hide
  // (what differs is summation order: ~1e-7 here).
  const settings = { epochs: 3, evalEvery: 4, loggingSteps: 1, dropout: false, scheduler: 'linear', warmupRatio: 0.2 };
  const data = smallDataset(60);
  const single = await train('full', { ...settings, stepsPerRun: 1 }, data);
  const grouped = await train('full', { ...settings, stepsPerRun: 3 }, data);
  const logged = (runDir: string, type: string) => readMetrics(runDir).filter((m) => m.type === type) as unknown as { step: number; lr: number; loss: number; metrics?: Record<string, number> }[];
  assert.ok(readMetrics(grouped.runDir).some((m) => m.type === 'log' && /3 optimizer steps per onnxruntime run/.test(String(m.message))));
  const [a, b] = [logged(single.runDir, 'train'), logged(grouped.runDir, 'train')];
  assert.ok(a.length >= 9, `only ${a.length} steps`);
  assert.deepEqual(b.map((x) => [x.step, x.lr]), a.map((x) => [x.step, x.lr]));
  b.forEach((x, i) => assert.ok(Math.abs(x.loss - a[i].loss) < 1e-5, `step ${x.step}: loss ${x.loss} vs ${a[i].loss}`));
  // Evaluations (and the checkpoints after them) at the same steps, with the same results.
  const [ea, eb] = [logged(single.runDir, 'eval'), logged(grouped.runDir, 'eval')];
  assert.deepEqual(eb.map((x) => x.step), ea.map((x) => x.step));
  assert.ok(ea.some((x) => x.step % 3 !== 0), 'an evaluation must fall inside a group of 3 for the bound to matter');
  eb.forEach((x, i) => assert.ok(Math.abs(x.metrics!.loss - ea[i].metrics!.loss) < 1e-5, `eval at step ${x.step}: ${x.metrics!.loss} vs ${ea[i].metrics!.loss}`));
  const [wa, wb] = [tensors(path.join(single.runDir, 'model', 'model.safetensors')), tensors(path.join(grouped.runDir, 'model', 'model.safetensors'))];
  let worst = 0;
  let sum = 0;
  let count = 0;
  for (const [name, v] of wa) {
    v.forEach((x, i) => {
      const d = Math.abs(x - wb.get(name)![i]);
      worst = Math.max(worst, d);
      sum += d;
      count++;
    });
  }
  // Adam turns a 1e-7 gradient difference into a visible step where the gradient is itself ~0 (m/√v flips sign), so
  // single elements may differ by a fraction of a learning rate; on average the runs agree to rounding.
  assert.ok(worst < 5e-4 && sum / count < 1e-7, `weights differ by ${worst} at most, ${sum / count} on average`);
  // And they did train: the grouped run moved the weights as far as the single one.
  assert.ok(meanAbsDelta(grouped.runDir, 'bert.encoder') > 1e-4);
});

test('masked-LM pre-training trains the body, and a classification run starts from its export', async () => {
  const text = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlm-')), 'corpus.txt');
  fs.writeFileSync(text, fs.readFileSync(path.join(WS, 'data/reviews.txt'), 'utf8').split('\n').slice(0, 120).join('\n'));
  const { runDir } = await train('mlm', { epochs: 1 }, text);
  const mlm = tensors(path.join(runDir, 'model', 'model.safetensors'));
  assert.ok([...mlm.keys()].some((k) => k.startsWith('cls.predictions')));
  const delta = (name: string) => mlm.get(name)!.some((v, i) => v !== base.get(name)![i]);
  assert.ok(delta('bert.encoder.layer.0.attention.self.query.weight') && delta('bert.embeddings.word_embeddings.weight'));
  const evals = readMetrics(runDir).filter((m) => m.type === 'eval') as unknown as { metrics: { perplexity: number } }[];
  assert.ok(evals.length && Number.isFinite(evals[0].metrics.perplexity));
  const { runDir: cls } = await train('feature-extraction', { epochs: 1 }, smallDataset(40), path.join(runDir, 'model'));
  const fromMlm = tensors(path.join(cls, 'model', 'model.safetensors'));
  assert.deepEqual([...fromMlm.get('bert.encoder.layer.0.attention.self.query.weight')!], [...mlm.get('bert.encoder.layer.0.attention.self.query.weight')!]);
});

test('kill -9 mid-epoch, then --resume, reaches bit-identical final weights', async () => {
  const data = smallDataset(120);
  const args = (runs: string) => ['train', '--model', MODEL, '--data', data, '--runs', runs, '--device', 'cpu', '--json',
    '--set', 'epochs=3', '--set', 'batchSize=8', '--set', 'maxLength=32', '--set', 'learningRate=1e-3', '--set', 'loggingSteps=1'];
  const runsA = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-a-'));
  child_process.execFileSync(process.execPath, [CLI, ...args(runsA)], { stdio: 'ignore' });
  const runA = path.join(runsA, fs.readdirSync(runsA)[0]);

  const runsB = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-b-'));
  const child = child_process.spawn(process.execPath, [CLI, ...args(runsB)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stepsPerEpoch = 0;
  let killedAt = 0;
  await new Promise<void>((resolve) => {
    onCliMessages(child.stdout, (m) => {
      if (m.type === 'started') stepsPerEpoch = m.totalSteps / 3;
      // Mid-way through the second epoch: one checkpoint exists, half an epoch is lost.
      if (m.type === 'progress' && !killedAt && m.step >= stepsPerEpoch * 1.5) {
        killedAt = m.step;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => resolve());
  });
  assert.ok(killedAt > 0, 'the run finished before it could be killed');
  const runB = path.join(runsB, fs.readdirSync(runsB)[0]);
  assert.equal(readRun(runB).status, 'running');
  assert.ok(!fs.existsSync(path.join(runB, 'model')));
  // What a write cut by the kill leaves behind; the resumed run removes it.
  const leftover = path.join(runB, 'checkpoints', 'step-99999999.tmp-4242');
  fs.mkdirSync(leftover, { recursive: true });
  fs.writeFileSync(path.join(runB, 'run.json.tmp-4242-1'), '{"torn');
  child_process.execFileSync(process.execPath, [CLI, 'train', '--resume', runB, '--json'], { stdio: 'ignore' });
  assert.equal(readRun(runB).status, 'completed');
  assert.ok(!fs.existsSync(leftover) && !fs.existsSync(path.join(runB, 'run.json.tmp-4242-1')), 'temporaries of the killed run are gone');
  assert.ok(readMetrics(runB).some((m) => m.type === 'log' && /^removed \d+ file\(s\) left by writes .*step-99999999\.tmp-4242/.test(String(m.message))));
  const a = fs.readFileSync(path.join(runA, 'model', 'model.safetensors'));
  const b = fs.readFileSync(path.join(runB, 'model', 'model.safetensors'));
  assert.ok(a.equals(b), 'resumed weights differ from the uninterrupted run');
  assert.ok(readMetrics(runB).some((m) => m.type === 'log' && /resuming from step-/.test(String(m.message))));
});

test('cancel takes effect at the next step and leaves a resumable checkpoint', async () => {
  const { runDir, messages } = await train('full', { epochs: 3, loggingSteps: 1 }, smallDataset(40), MODEL, 2);
  const progress = messages.filter((m) => m.type === 'progress');
  assert.equal(progress.length, 2);
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done?.type === 'done' && done.status === 'cancelled');
  assert.equal(readRun(runDir).status, 'cancelled');
  assert.ok(fs.existsSync(path.join(runDir, 'checkpoints', 'step-00000002', 'state.json')));
});

test('pause holds the loop between steps and says so; continuing goes on from the same step', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-runs-'));
  const messages: FromWorker[] = [];
  let releaseAt = Infinity;
  let pausedSteps = -1;
  const progress = () => messages.filter((m) => m.type === 'progress').length;
  await runTraining(
    { model: MODEL, data: smallDataset(40), strategy: 'full', runsRoot, device: 'cpu', settings: { batchSize: 8, maxLength: 32, epochs: 2, loggingSteps: 1 } },
    {
      emit: (m) => {
        messages.push(m);
        if (m.type === 'paused' && m.paused) {
          pausedSteps = progress();
          releaseAt = Date.now() + 700;
        }
      },
      isCancelled: () => false,
      // The user pauses after step 2 and continues 0.7 s after the worker said it stopped.
      isPaused: () => progress() >= 2 && Date.now() < releaseAt,
    },
  );
  const kinds = messages.map((m) => (m.type === 'paused' ? `paused:${m.paused}:${m.step}` : m.type)).filter((k) => k !== 'log');
  const at = kinds.indexOf('paused:true:2');
  assert.ok(at > 0, `no pause at step 2: ${kinds.join(' ')}`);
  assert.equal(kinds[at + 1], 'paused:false:2', 'something happened while paused');
  assert.equal(pausedSteps, 2);
  const steps = messages.filter((m) => m.type === 'progress').map((m) => (m as { step: number }).step);
  assert.deepEqual(steps, Array.from({ length: steps.length }, (_, i) => i + 1), 'steps lost or repeated around the pause');
  assert.equal(messages.filter((m) => m.type === 'paused').length, 2);
  assert.equal(messages.at(-1)?.type, 'done');
  // The pause is not training time: the window logged after it does not count the 0.7 s.
  const third = messages.filter((m) => m.type === 'progress')[2] as { samplesPerSecond: number };
  assert.ok(third.samplesPerSecond > 8 / 0.7, `samples/s ${third.samplesPerSecond} counts the pause`);
});

test('early stopping stops after `patience` evaluations without improvement and exports the best checkpoint', async () => {
  // An lr this high ruins the model after the first evaluations, so macro-F1 stops improving.
  const { runDir } = await train('full', { epochs: 8, evalEvery: 2, learningRate: 0.5, earlyStopping: { metric: 'loss', patience: 2 } }, smallDataset(40));
  const run = readRun(runDir);
  const evals = readMetrics(runDir).filter((m) => m.type === 'eval') as unknown as { step: number; metrics: { loss: number } }[];
  assert.ok(run.totalSteps > evals.at(-1)!.step, 'the run went to the end: nothing stopped it');
  const best = Math.min(...evals.map((e) => e.metrics.loss));
  assert.equal(run.bestMetric?.value, best);
  assert.equal(evals.length - 1 - evals.findIndex((e) => e.metrics.loss === best), 2);
  assert.ok(readMetrics(runDir).some((m) => m.type === 'log' && /exporting the best checkpoint/.test(String(m.message))));
});

test('`finetune-studio train` with no arguments trains the bundled default and writes a valid run folder', () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'default-run-'));
  child_process.execFileSync(process.execPath, [CLI, 'train', '--runs', runs, '--set', 'epochs=1'], { stdio: 'ignore' });
  const [id] = fs.readdirSync(runs);
  const dir = path.join(runs, id);
  const run = readRun(dir);
  assert.equal(run.status, 'completed');
  assert.equal(run.config.model, MODEL);
  assert.equal(run.config.data, TRAIN);
  assert.match(run.dataset.fingerprint, /^sha256:[0-9a-f]{64}$/);
  assert.equal(run.device.executionProvider, 'cpu');
  assert.ok(run.versions.onnxruntime && run.versions.node);
  const metrics = readMetrics(dir);
  assert.ok(metrics.some((m) => m.type === 'train') && metrics.some((m) => m.type === 'eval') && metrics.some((m) => m.type === 'summary'));
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) assert.ok(fs.existsSync(path.join(dir, 'model', f)), f);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  assert.deepEqual(Object.values(config.id2label), run.dataset.labels);
});

test('`finetune-studio export` refuses a non-empty --out without --force, replaces it with --force, and refuses an unfinished run', async () => {
  const { runDir } = await train('feature-extraction', { maxSteps: 2 }, smallDataset(16));
  const cli = (...a: string[]) => child_process.spawnSync(process.execPath, [CLI, 'export', '--run', runDir, ...a], { encoding: 'utf8' });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'export-out-'));
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
  const refused = cli('--out', out);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /is not empty; choose another --out or add --force/);
  assert.deepEqual(fs.readdirSync(out), ['notes.txt'], 'nothing merged into it');
  const forced = cli('--out', out, '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.ok(fs.existsSync(path.join(out, 'model.safetensors')) && !fs.existsSync(path.join(out, 'notes.txt')));
  // A run that is not completed has no export to give, whatever its model/ holds.
  const record = readRun(runDir);
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...record, status: 'cancelled' }));
  const unfinished = cli('--out', path.join(out, 'elsewhere'));
  assert.equal(unfinished.status, 1);
  assert.match(unfinished.stderr, /the run is cancelled, not completed/);
});
