// Data-parallel training end to end, through the real CLI (`node dist/cli.js train`, so `npm run build` first, with
// the gloo addon built): two ranks on loopback, launched by torchrun (Debian's python3-torch) and by plain
// environment variables, train the same global batch as one rank — batchSize 4 on each of 2 ranks against 8 on one —
// and must log the same losses within 1e-5 for 20 steps and end with identical weights on both ranks. A rank that
// dies must end the other one with a clear error within the collective timeout, and the run as "failed".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { glooAvailable } from '../../../src/training/distributed/glooAddon';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { onCliMessages } from '../training/cliMessages';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const CLI = path.join(ROOT, 'dist/cli.js');
const STEPS = 20;
const gloo = glooAvailable();
const skipNoGloo = gloo.ok ? false : `the gloo addon is not built (${gloo.ok ? '' : gloo.reason})`;

/** 160 rows: 144 train in global batches of 8 (18 full steps an epoch), 16 validation. */
function dataFile(dir: string): string {
  const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').split('\n');
  const file = path.join(dir, 'train.csv');
  fs.writeFileSync(file, lines.slice(0, 161).join('\n') + '\n');
  return file;
}

function trainArgs(runs: string, data: string, batchSize: number, extra: string[] = []): string[] {
  // No dropout (each rank draws its own masks, a lone run others); one thread, so no rank times its own count.
  return [CLI, 'train', '--model', MODEL, '--data', data, '--runs', runs, '--device', 'cpu', '--json',
    '--set', `maxSteps=${STEPS}`, '--set', `batchSize=${batchSize}`, '--set', 'maxLength=32', '--set', 'learningRate=1e-3',
    '--set', 'loggingSteps=1', '--set', 'evalEvery=10', '--set', 'threads=1', '--set', 'dropout=false', ...extra];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Rank { child: child_process.ChildProcess; messages: FromWorker[]; stderr: string; exit: Promise<{ code: number | null; at: number }> }

function spawnRank(args: string[], env: Record<string, string>): Rank {
  const child = child_process.spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const r: Rank = { child, messages: [], stderr: '', exit: new Promise((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() }))) };
  onCliMessages(child.stdout!, (m) => r.messages.push(m));
  child.stderr!.on('data', (c: Buffer) => (r.stderr += c.toString()));
  return r;
}

const rankEnv = (rank: number, port: number, extra: Record<string, string> = {}) => ({ WORLD_SIZE: '2', RANK: String(rank), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), ...extra });

/** Two ranks of one run on a fresh loopback port, each started with `args` (and `extra` in its environment). */
async function startRanks(args: string[], extra: Record<string, string> = {}): Promise<Rank[]> {
  const port = await freePort();
  return [0, 1].map((r) => spawnRank(args, rankEnv(r, port, extra)));
}

/** Waits for every rank to end, each with exit code 0. */
async function allSucceed(ranks: Rank[]): Promise<void> {
  const ends = await Promise.all(ranks.map((r) => r.exit));
  ranks.forEach((r, i) => assert.equal(ends[i].code, 0, `rank ${i}: ${r.stderr}`));
}

const onlyRun = (runs: string) => {
  const dirs = fs.readdirSync(runs).filter((d) => fs.existsSync(path.join(runs, d, 'run.json')));
  assert.equal(dirs.length, 1, `one run folder in ${runs}: ${dirs.join(', ')}`);
  return path.join(runs, dirs[0]);
};
const losses = (runDir: string) => readMetrics(runDir).filter((m) => m.type === 'train').map((m) => ({ step: Number(m.step), loss: Number(m.loss), gradNorm: Number(m.gradNorm) }));

async function lone(dir: string, data: string, batchSize: number): Promise<string> {
  const runs = path.join(dir, `lone-${batchSize}`);
  const r = spawnRank(trainArgs(runs, data, batchSize), {});
  const { code } = await r.exit;
  assert.equal(code, 0, r.stderr);
  return onlyRun(runs);
}

function assertSameTraining(lone8: string, ranked: string, lone4: string): void {
  const a = losses(lone8);
  const b = losses(ranked);
  assert.deepEqual(b.map((x) => x.step), Array.from({ length: STEPS }, (_, i) => i + 1));
  assert.deepEqual(a.map((x) => x.step), b.map((x) => x.step));
  const worst = Math.max(...a.map((x, i) => Math.abs(x.loss - b[i].loss)));
  assert.ok(worst <= 1e-5, `largest loss difference over ${STEPS} steps: ${worst}`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i].gradNorm - b[i].gradNorm) <= 1e-4 * Math.max(1, a[i].gradNorm), `step ${i + 1} grad norm ${a[i].gradNorm} vs ${b[i].gradNorm}`);
  // The comparison can tell batches apart: one rank on batches of 4 alone trains another run.
  const c = losses(lone4);
  assert.ok(Math.max(...a.map((x, i) => Math.abs(x.loss - c[i].loss))) > 1e-3, 'a lone run on half batches differs');
  // Identical final weights on both ranks (compared element by element at the end), and rank 0's export is the
  // lone run's model to float rounding.
  const rec = readRun(ranked);
  assert.equal(rec.status, 'completed');
  const d = rec.distributed!;
  assert.deepEqual([d.backend, d.worldSize, d.perRankBatch, d.globalBatch], ['gloo', 2, 4, 8]);
  assert.equal(d.allReduce!.steps, STEPS, 'every step averaged its gradients');
  assert.ok(rec.distributed!.finalWeights!.tensors > 20);
  assert.equal(rec.distributed!.finalWeights!.differing, 0);
  assert.equal(rec.distributed!.finalWeights!.maxAbsDifference, 0);
  const wa = SafetensorsFile.open(path.join(lone8, 'model/model.safetensors'));
  const wb = SafetensorsFile.open(path.join(ranked, 'model/model.safetensors'));
  let maxDiff = 0;
  for (const [k, e] of wa.entries) {
    if (e.dtype !== 'F32') continue;
    const t = wa.readFloat32(k);
    const u = wb.readFloat32(k);
    for (let i = 0; i < t.length; i++) maxDiff = Math.max(maxDiff, Math.abs(t[i] - u[i]));
  }
  assert.ok(maxDiff < 1e-4, `largest weight difference to the lone run: ${maxDiff}`);
}

test('2 ranks by plain env vars = 1 rank on the global batch; rank 1 writes nothing; rank 0 owns the folder', { skip: skipNoGloo, timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-ddp-'));
  try {
    const data = dataFile(dir);
    const [lone8, lone4] = [await lone(dir, data, 8), await lone(dir, data, 4)];
    const runs = path.join(dir, 'ddp');
    const ranks = await startRanks(trainArgs(runs, data, 4));
    await allSucceed(ranks);
    const runDir = onlyRun(runs);
    assertSameTraining(lone8, runDir, lone4);
    assert.equal(readRun(runDir).distributed!.launcher, 'env');
    // Rank 1 says where the run is, and which rank owns it; its events name rank 0's folder, not its scratch.
    const done1 = ranks[1].messages.find((m) => m.type === 'done');
    assert.deepEqual(done1 && { ...done1 }, { type: 'done', runDir, status: 'completed' });
    assert.ok(ranks[1].messages.some((m) => m.type === 'log' && m.message.startsWith(`rank 1 of 2: rank 0 owns the run folder ${runDir}`)));
    assert.ok(!ranks[1].messages.some((m) => m.type === 'started' || m.type === 'checkpoint' || m.type === 'eval'), 'rank 1 neither starts a run, checkpoints nor evaluates');
    // rank 0's log names the engine, and its metrics hold only its own lines.
    const logs = readMetrics(runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
    assert.ok(logs.some((l) => /^data-parallel: final weights identical on all 2 ranks/.test(l)), logs.join('\n'));
    assert.ok(!logs.some((l) => l.startsWith('rank 1 of 2')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('accumulation: 2 ranks × 2 micro-batches of 2 = 1 rank × 2 of 4, with one all-reduce per optimizer step', { skip: skipNoGloo, timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-ddp-accum-'));
  try {
    const data = dataFile(dir);
    const accum = ['--set', 'gradientAccumulationSteps=2'];
    const loneRuns = path.join(dir, 'lone');
    const alone = spawnRank(trainArgs(loneRuns, data, 4, accum), {});
    assert.equal((await alone.exit).code, 0, alone.stderr);
    const runs = path.join(dir, 'ddp');
    await allSucceed(await startRanks(trainArgs(runs, data, 2, accum)));
    const a = losses(onlyRun(loneRuns));
    const b = losses(onlyRun(runs));
    assert.equal(b.length, STEPS);
    const worst = Math.max(...a.map((x, i) => Math.abs(x.loss - b[i].loss)));
    assert.ok(worst <= 1e-5, `largest loss difference: ${worst}`);
    const d = readRun(onlyRun(runs)).distributed!;
    assert.equal(d.allReduce!.steps, STEPS, '40 micro-batches per rank, 20 all-reduces: only at the step');
    assert.equal(d.finalWeights!.differing, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Debian's interpreter, where python3-torch installs (a pyenv python3 earlier on PATH has no torch).
const PYTHON = '/usr/bin/python3';
const torchrun = child_process.spawnSync(PYTHON, ['-c', 'import torch.distributed.run'], { stdio: 'ignore' }).status === 0;

test('2 ranks launched by torchrun (Debian python3-torch, --no_python) = 1 rank on the global batch', { skip: skipNoGloo || (!torchrun && `${PYTHON} -m torch.distributed.run is not installed (Debian: python3-torch)`), timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-torchrun-'));
  try {
    const data = dataFile(dir);
    const [lone8, lone4] = [await lone(dir, data, 8), await lone(dir, data, 4)];
    const runs = path.join(dir, 'ddp');
    const logDir = path.join(dir, 'torchrun-logs');
    // Without --redirects, Debian's torch 1.13 fails in elastic/multiprocessing/api.py for non-Python workers.
    const r = child_process.spawnSync(PYTHON, ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', '--log_dir', logDir,
      '--no_python', process.execPath, ...trainArgs(runs, data, 4)], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `torchrun: ${r.stderr.slice(-3000)}`);
    const runDir = onlyRun(runs);
    assertSameTraining(lone8, runDir, lone4);
    assert.equal(readRun(runDir).distributed!.launcher, 'torchrun');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a cancelled 2-rank run resumes on both ranks from rank 0\'s checkpoint and ends as the uninterrupted run; a resume on another world size is refused', { skip: skipNoGloo, timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-ddp-resume-'));
  try {
    const data = dataFile(dir);
    const lone8 = await lone(dir, data, 8);
    const runs = path.join(dir, 'ddp');
    const ranks = await startRanks(trainArgs(runs, data, 4));
    // Ctrl-C reaches rank 0 (torchrun and srun forward it to every rank; rank 0's decision is the one that counts).
    while (!ranks[0].messages.some((m) => m.type === 'progress' && m.step >= 7)) {
      assert.ok(ranks.every((r) => r.child.exitCode === null), `a rank ended early: ${ranks.map((r) => r.stderr).join('\n')}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    ranks[0].child.kill('SIGINT');
    await allSucceed(ranks);
    const runDir = onlyRun(runs);
    const cancelled = readRun(runDir);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.step >= 7 && cancelled.step < STEPS, `cancelled at step ${cancelled.step}`);
    for (const r of ranks) assert.deepEqual(r.messages.filter((m) => m.type === 'done').map((m) => m.type === 'done' && [m.runDir, m.status]), [[runDir, 'cancelled']]);

    const alone = spawnRank([CLI, 'train', '--resume', runDir, '--json'], {});
    assert.notEqual((await alone.exit).code, 0);
    assert.match(alone.stderr + JSON.stringify(alone.messages), /this run trained on 2 rank\(s\); resume it on 2 \(WORLD_SIZE=2\), not 1/);
    assert.equal(readRun(runDir).status, 'cancelled', 'a refused resume leaves the run as it was');

    const resumed = await startRanks([CLI, 'train', '--resume', runDir, '--json']);
    await allSucceed(resumed);
    const resumeLine = `resuming from step-${String(cancelled.step).padStart(8, '0')} (step ${cancelled.step})`;
    for (const r of resumed) assert.ok(r.messages.some((m) => m.type === 'log' && m.message === resumeLine), `both ranks read the same checkpoint: ${resumeLine}`);
    const rec = readRun(runDir);
    assert.equal(rec.status, 'completed');
    assert.equal(rec.distributed!.finalWeights!.differing, 0);
    const a = losses(lone8);
    const b = losses(runDir);
    assert.deepEqual(b.map((x) => x.step), a.map((x) => x.step));
    const worst = Math.max(...a.map((x, i) => Math.abs(x.loss - b[i].loss)));
    assert.ok(worst <= 1e-5, `largest loss difference to the uninterrupted lone run: ${worst}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const killed of [1, 0]) {
  test(`killing rank ${killed} ends rank ${1 - killed} with a clear error within the timeout${killed === 1 ? ', and the run as failed' : ''}`, { skip: skipNoGloo, timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-ddp-kill-'));
    try {
      const data = dataFile(dir);
      const runs = path.join(dir, 'ddp');
      const TIMEOUT_S = 30;
      const args = trainArgs(runs, data, 4, ['--set', 'maxSteps=100000', '--set', 'evalEvery=100000']);
      const ranks = await startRanks(args, { FTS_DIST_TIMEOUT_S: String(TIMEOUT_S) });
      // Both ranks are stepping (their progress lines), then one dies without a word.
      while (![0, 1].every((r) => ranks[r].messages.some((m) => m.type === 'progress' && m.step >= 5))) {
        assert.ok(ranks.every((r) => r.child.exitCode === null), `a rank ended early: ${ranks.map((r) => r.stderr).join('\n')}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const killedAt = performance.now();
      ranks[killed].child.kill('SIGKILL');
      const other = ranks[1 - killed];
      const { code, at } = await other.exit;
      const seconds = (at - killedAt) / 1000;
      assert.notEqual(code, 0, 'the surviving rank fails');
      assert.ok(seconds < TIMEOUT_S, `ended ${seconds.toFixed(1)} s after the kill`);
      const error = other.messages.find((m) => m.type === 'error');
      const text = error && error.type === 'error' ? error.message : other.stderr;
      assert.match(text, /gloo (allreduce|broadcast|barrier)/i, text);
      assert.match(text, new RegExp(`rank ${1 - killed} of 2`), text);
      if (killed === 1) {
        const rec = readRun(onlyRun(runs));
        assert.equal(rec.status, 'failed');
        assert.match(rec.error!, /gloo/i);
        assert.ok(rec.errorStep! >= 5);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a rank whose peer never comes fails the rendezvous within the timeout, saying so', { skip: skipNoGloo, timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-ddp-alone-'));
  try {
    const port = await freePort();
    const r = spawnRank(trainArgs(path.join(dir, 'runs'), dataFile(dir), 4), rankEnv(0, port, { FTS_DIST_TIMEOUT_S: '3' }));
    const t0 = performance.now();
    const { code, at } = await r.exit;
    assert.notEqual(code, 0);
    assert.ok((at - t0) / 1000 < 30, `ended after ${((at - t0) / 1000).toFixed(1)} s`);
    assert.match(r.stderr + JSON.stringify(r.messages), /rank 0 of 2/);
    assert.ok(!fs.existsSync(path.join(dir, 'runs')) || fs.readdirSync(path.join(dir, 'runs')).length === 0, 'no run folder for a run that never started');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the extension\'s worker trains alone whatever launch variables it inherited (a VS Code server inside a Slurm job)', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-ddp-inherited-'));
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { SLURM_NTASKS: '4', SLURM_PROCID: '2', WORLD_SIZE: '2', RANK: '1', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500' });
    const { runTraining } = await import('../../../src/training/run');
    const seen: FromWorker[] = [];
    await runTraining({ model: MODEL, data: dataFile(dir), strategy: 'full', runsRoot: path.join(dir, 'runs'), device: 'cpu', settings: { maxSteps: 2, batchSize: 8, maxLength: 32, threads: 1 } },
      { emit: (m) => seen.push(m), isCancelled: () => false, isPaused: () => false });
    const rec = readRun(onlyRun(path.join(dir, 'runs')));
    assert.equal(rec.status, 'completed');
    assert.equal(rec.distributed, undefined);
    assert.ok(!seen.some((m) => m.type === 'log' && m.message.startsWith('data-parallel')));
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
