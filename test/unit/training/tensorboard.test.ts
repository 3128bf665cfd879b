// TensorBoard event files (<run>/tensorboard/) read back by two readers that share nothing with the writer — the TS
// one in test/support (wire-level decoding) and test/reference/read_tfevents.py (google.protobuf descriptors, its own
// CRC) — must hold exactly the scalars of the run's metrics.jsonl: after a straight run, after a cancel and resume,
// and after a kill -9 between checkpoints and a resume (through the real CLI, so `npm run build` first).
// Needs `npm run fixtures`, and Debian's python3-protobuf for the Python reader.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import type { StrategyId } from '../../../src/training/strategies';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';
import { crc32c, maskedCrc32c } from '../../../src/training/tensorboard/crc32c';
import { tensorboardDir } from '../../../src/training/tensorboard/runTensorboard';
import { RunMetrics } from '../../../src/webview/runMetrics';
import { parseMetricsText } from '../../../src/webview/metricsEntries';
import { readEventDir, TfRecordError, visibleScalars } from '../../support/tfeventsReader';
import { onCliMessages } from './cliMessages';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const CLI = path.join(ROOT, 'dist/cli.js');
const PY_READER = path.join(ROOT, 'test/reference/read_tfevents.py');
const PYTHON = '/usr/bin/python3';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-tensorboard-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

// 60 training rows and a test file beside them: train, eval, test and (gradual unfreezing) lrGroups records.
const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
const DATA = path.join(TMP, 'data', 'train.csv');
fs.mkdirSync(path.dirname(DATA));
fs.writeFileSync(DATA, [lines[0], ...lines.slice(1, 61)].join('\n') + '\n');
fs.writeFileSync(path.join(TMP, 'data', 'test.csv'), [lines[0], ...lines.slice(61, 81)].join('\n') + '\n');

const SETTINGS = { epochs: 3, batchSize: 8, maxLength: 32, learningRate: 1e-3, loggingSteps: 1, evalEvery: 4, threads: 1 };

/** (tag, step, value) with value as a float32 holds it; sorted, so the order of the files does not matter. */
type Scalar = [string, number, number];
const f32 = (v: unknown): number => Math.fround(v === null ? Number.NaN : (v as number));
const sorted = (s: Scalar[]) => [...s].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2]));

/**
 * The scalars a run's metrics.jsonl should show in TensorBoard, written from the spec rather than from the writer:
 * each train line's loss, lr, epoch, throughput and grad norm; each eval/test metric; and the per-group learning rates
 * exactly as the dashboard computes them (webview/runMetrics.ts lrSeries).
 */
function expectedScalars(runDir: string): Scalar[] {
  const out: Scalar[] = [];
  const records = readMetrics(runDir);
  for (const r of records) {
    const step = r.step as number;
    if (r.type === 'train') {
      out.push(['train/loss', step, f32(r.loss)], ['train/learning_rate', step, f32(r.lr)], ['train/epoch', step, f32(r.epoch)], ['train/samples_per_second', step, f32(r.samplesPerSecond)]);
      if ('gradNorm' in r) out.push(['train/grad_norm', step, f32(r.gradNorm)]);
    } else if (r.type === 'eval' || r.type === 'test') {
      for (const [k, v] of Object.entries(r.metrics as Record<string, unknown>)) out.push([`${r.type}/${k}`, step, f32(v)]);
    }
  }
  if (records.some((r) => r.type === 'lrGroups')) {
    const dashboard = new RunMetrics();
    dashboard.add(parseMetricsText(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl').entries);
    const lr = dashboard.lrSeries(1e9);
    for (const s of lr.series) s.values.forEach((v, i) => v !== null && out.push([`lr/${s.label.replace(/ /g, '_')}`, lr.x[i], Math.fround(v)]));
  }
  return sorted(out);
}

function tsReader(runDir: string): Scalar[] {
  return sorted(visibleScalars(readEventDir(tensorboardDir(runDir))).map((s) => [s.tag, s.step, s.value]));
}

const pythonProblem = (() => {
  const r = child_process.spawnSync(PYTHON, ['-c', 'import google.protobuf'], { encoding: 'utf8' });
  return r.status === 0 ? false : `google.protobuf is not importable by ${PYTHON} (apt install python3-protobuf): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
})();

interface PyFile { name: string; file_version: string | null; events: { step: number; wall_time: number; session_status?: number; scalars: { tag: string; value: number | string }[] }[] }

function pyRead(target: string): { status: number | null; stderr: string; files: PyFile[] } {
  const r = child_process.spawnSync(PYTHON, [PY_READER, target], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
  return { status: r.status, stderr: r.stderr, files: r.status === 0 ? (JSON.parse(r.stdout) as { files: PyFile[] }).files : [] };
}

/** The Python reader's scalars, with TensorBoard's SessionLog START rule applied as in visibleScalars. */
function pyReader(runDir: string): Scalar[] {
  const r = pyRead(tensorboardDir(runDir));
  assert.equal(r.status, 0, `read_tfevents.py failed: ${r.stderr}`);
  let kept: Scalar[] = [];
  for (const f of r.files) {
    assert.equal(f.file_version, 'brain.Event:2', `${f.name}: first record's file_version`);
    for (const e of f.events) {
      if (e.session_status === 1) kept = kept.filter((s) => s[1] < e.step);
      for (const s of e.scalars) kept.push([s.tag, e.step, typeof s.value === 'string' ? Number(s.value) : s.value]);
    }
  }
  return sorted(kept);
}

function assertMirrors(runDir: string, what: string): Scalar[] {
  const expected = expectedScalars(runDir);
  assert.deepEqual(tsReader(runDir), expected, `${what}: TS reader vs metrics.jsonl`);
  if (!pythonProblem) assert.deepEqual(pyReader(runDir), expected, `${what}: Python reader vs metrics.jsonl`);
  return expected;
}

/** What the event files held when the trainer reported each step: `tensorboard --logdir` reads them while it runs. */
const liveLossSteps: number[][] = [];

async function train(strategy: StrategyId, runsRoot: string, o: { cancelAfterStep?: number; resumeFrom?: string; watch?: boolean } = {}): Promise<string> {
  const messages: FromWorker[] = [];
  let step = 0;
  let runDir = o.resumeFrom ?? '';
  const config: RunConfig = { model: MODEL, data: DATA, strategy, runsRoot, device: 'cpu', settings: SETTINGS };
  await runTraining(config, {
    emit: (m) => {
      messages.push(m);
      if (m.type === 'started') runDir = m.runDir;
      if (m.type === 'progress') step = m.step;
      if (m.type === 'progress' && o.watch) liveLossSteps.push(visibleScalars(readEventDir(tensorboardDir(runDir))).filter((s) => s.tag === 'train/loss').map((s) => s.step));
    },
    isCancelled: () => step >= (o.cancelAfterStep ?? Infinity),
    isPaused: () => false,
  }, o.resumeFrom);
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done?.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return done.runDir;
}

const straight = train('gradual-unfreezing', path.join(TMP, 'straight'), { watch: true });

test('crc32c: the RFC 3720 (iSCSI) test vectors and the check value of "123456789"', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  const c = 0xe3069283;
  assert.equal(maskedCrc32c(Buffer.from('123456789')), (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
});

test('a run writes one event file whose scalars, read by both readers, are exactly those of metrics.jsonl', async () => {
  const runDir = await straight;
  assert.equal(readRun(runDir).status, 'completed');
  const files = readEventDir(tensorboardDir(runDir));
  assert.equal(files.length, 1, 'one event file');
  assert.match(files[0].name, new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.[^.]+(\\.[^.]+)*\\.${process.pid}\\.\\d+$`));
  assert.equal(files[0].fileVersion, 'brain.Event:2');
  const expected = assertMirrors(runDir, 'straight run');
  // Not vacuous: every kind of record is there, and each train step is one event at its own time.
  const tags = new Set(expected.map((s) => s[0]));
  for (const t of ['train/loss', 'train/learning_rate', 'train/grad_norm', 'train/epoch', 'eval/loss', 'eval/accuracy', 'test/accuracy', 'lr/head', 'lr/layer_0']) assert.ok(tags.has(t), `tag ${t} in ${[...tags].join(', ')}`);
  const trains = readMetrics(runDir).filter((r) => r.type === 'train');
  const lossEvents = files[0].events.filter((e) => e.scalars.some((s) => s.tag === 'train/loss'));
  assert.deepEqual(lossEvents.map((e) => [e.step, e.wallTime]), trains.map((r) => [r.step, Date.parse(r.time as string) / 1000]));
  // Live: when the trainer reported step n, the files already held the train loss of steps 1..n.
  assert.equal(liveLossSteps.length, trains.length);
  liveLossSteps.forEach((steps, i) => assert.deepEqual(steps, Array.from({ length: i + 1 }, (_, k) => k + 1), `at progress ${i + 1}`));
});

test('a corrupted byte fails the CRC check of both readers', { skip: pythonProblem }, async () => {
  const runDir = await straight;
  const dir = tensorboardDir(runDir);
  const file = path.join(dir, fs.readdirSync(dir)[0]);
  const bytes = fs.readFileSync(file);
  const copy = path.join(TMP, 'corrupt');
  fs.mkdirSync(copy);
  const bad = path.join(copy, path.basename(file));
  // A byte inside the third record's data (a train event), then a byte of the first record's length.
  const third = 2 * 12 + 4 + Number(bytes.readBigUInt64LE(0)) + 4 + Number(bytes.readBigUInt64LE(12 + Number(bytes.readBigUInt64LE(0)) + 4)) + 4;
  for (const [at, why] of [[third + 12 + 5, /data CRC mismatch/], [2, /length CRC mismatch/]] as const) {
    const b = Buffer.from(bytes);
    b[at] ^= 0x10;
    fs.writeFileSync(bad, b);
    assert.throws(() => readEventDir(copy), (e: unknown) => e instanceof TfRecordError && why.test(e.message));
    const py = pyRead(bad);
    assert.equal(py.status, 2, `read_tfevents.py exit status (stderr: ${py.stderr})`);
    assert.match(py.stderr, why);
  }
  // The untouched copy reads, so the failures above are the flipped byte's.
  fs.writeFileSync(bad, bytes);
  assert.equal(pyRead(bad).status, 0);
  assert.equal(readEventDir(copy).length, 1);
});

test('cancel, then resume: the event files hold exactly the final metrics.jsonl', async () => {
  const runs = path.join(TMP, 'cancel');
  const runDir = await train('gradual-unfreezing', runs, { cancelAfterStep: 6 });
  assert.equal(readRun(runDir).status, 'cancelled');
  assertMirrors(runDir, 'after the cancel');
  await train('gradual-unfreezing', runs, { resumeFrom: runDir });
  assert.equal(readRun(runDir).status, 'completed');
  assert.equal(readEventDir(tensorboardDir(runDir)).length, 1, 'the resume replaced the old event file');
  const expected = assertMirrors(runDir, 'after the resume');
  // The resumed run logged every step once, so its curves equal the straight run's step for step.
  const steps = (s: Scalar[]) => s.filter((x) => x[0] === 'train/loss').map((x) => x[1]);
  assert.deepEqual(steps(expected), steps(expectedScalars(await straight)));
});

test('kill -9 between checkpoints, then --resume (CLI): the points past the checkpoint are gone from TensorBoard too', async () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const runs = path.join(TMP, 'kill');
  const args = ['train', '--model', MODEL, '--data', DATA, '--runs', runs, '--strategy', 'full', '--device', 'cpu', '--json', ...Object.entries(SETTINGS).flatMap(([k, v]) => ['--set', `${k}=${v}`])];
  const child = child_process.spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let killedAt = 0;
  onCliMessages(child.stdout, (m) => {
    // Evaluations (each with a checkpoint) every 4 steps: step 7 is 3 steps past the last one.
    if (m.type === 'progress' && !killedAt && m.step >= 7) {
      killedAt = m.step;
      child.kill('SIGKILL');
    }
  });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(killedAt >= 7 && killedAt % 4 !== 0, `killed at step ${killedAt}`);
  const runDir = path.join(runs, fs.readdirSync(runs)[0]);
  const before = tsReader(runDir);
  assert.ok(before.some((s) => s[0] === 'train/loss' && s[1] > 4), 'the killed run had mirrored steps past its checkpoint');
  const dir = tensorboardDir(runDir);
  const stale = readEventDir(dir);
  assert.equal(stale.length, 1);
  const staleBytes = fs.readFileSync(path.join(dir, stale[0].name));

  child_process.execFileSync(process.execPath, [CLI, 'train', '--resume', runDir, '--json'], { stdio: 'ignore' });
  assert.equal(readRun(runDir).status, 'completed');
  const expected = assertMirrors(runDir, 'after kill -9 and resume');
  assert.deepEqual(expected.filter((s) => s[0] === 'train/loss').map((s) => s[1]), Array.from({ length: expected.filter((s) => s[0] === 'train/loss').length }, (_, i) => i + 1), 'each step once');

  // A kill between moving the rebuilt file in and removing the old one leaves both: the rebuilt file sorts after the
  // old one and opens with a SessionLog START at step 0, so TensorBoard still shows exactly metrics.jsonl.
  const [rebuilt, ...others] = fs.readdirSync(dir);
  assert.deepEqual(others, [], 'the resume replaced the old event file');
  assert.ok(stale[0].name < rebuilt, `${stale[0].name} sorts before ${rebuilt}`);
  fs.writeFileSync(path.join(dir, stale[0].name), staleBytes);
  assert.equal(fs.readdirSync(dir).length, 2);
  assertMirrors(runDir, 'with the stale file left beside the rebuilt one');
});
