// Exact resume through the real CLI (`node dist/cli.js train`, so `npm run build` first): full fine-tuning of the tiny
// BERT with dropout on, interrupted by kill -9 or SIGINT at random steps between evaluations and checkpoints, then
// `train --resume` to the end, must export byte-identical weights to one uninterrupted run.
// EXACT_RESUME_SEED=<n> replays a reported draw of steps; EXACT_RESUME_CLI=<file> runs another build of the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { latestCheckpoint, readMetrics, readRun } from '../../../src/training/runStore';
import { onCliMessages } from './cliMessages';
import { runTraining } from '../../../src/training/run';
import { Rng } from '../../../src/util/rng';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const CLI = process.env.EXACT_RESUME_CLI ?? path.join(ROOT, 'dist/cli.js');
// 144 training rows in batches of 8: 18 steps an epoch, 54 in all; evaluations (each with a checkpoint) every 10 steps.
const ROWS = 160;
const EPOCHS = 3;
const EVAL_EVERY = 10;
const TOTAL_STEPS = 54;

function args(runs: string, data: string): string[] {
  return ['train', '--model', MODEL, '--data', data, '--runs', runs, '--device', 'cpu', '--json',
    // dropout is on by default; one thread, so no run can pick another summation order by timing its first batch
    '--set', `epochs=${EPOCHS}`, '--set', 'batchSize=8', '--set', 'maxLength=32', '--set', 'learningRate=1e-3',
    '--set', 'loggingSteps=1', '--set', `evalEvery=${EVAL_EVERY}`, '--set', 'threads=1', '--set', 'dropout=true'];
}

function messages(stdout: string): FromWorker[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FromWorker);
}

const onlyRun = (runs: string) => path.join(runs, fs.readdirSync(runs)[0]);
const weights = (runDir: string) => fs.readFileSync(path.join(runDir, 'model', 'model.safetensors'));

/** Starts a run, sends `signal` once it reports step `at`, waits for the process to end; returns what it printed. */
function interrupt(runs: string, data: string, signal: 'SIGKILL' | 'SIGINT', at: number): Promise<{ sentAt: number; printed: FromWorker[] }> {
  const child = child_process.spawn(process.execPath, [CLI, ...args(runs, data)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const printed: FromWorker[] = [];
  let sentAt = 0;
  onCliMessages(child.stdout, (m) => {
    printed.push(m);
    if (m.type === 'progress' && !sentAt && m.step >= at) {
      sentAt = m.step;
      child.kill(signal);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve({ sentAt, printed }));
  });
}

const trainSteps = (runDir: string): number[] => readMetrics(runDir).filter((m) => m.type === 'train').map((m) => Number(m.step));

/** `count` distinct steps, each at least 4 steps after an evaluation, so a stop a few steps late still falls between two. */
function drawSteps(rng: Rng, count: number, taken: Set<number>): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const s = 1 + rng.int(TOTAL_STEPS - 6);
    if (s % EVAL_EVERY === 0 || s % EVAL_EVERY > EVAL_EVERY - 4 || taken.has(s)) continue;
    taken.add(s);
    out.push(s);
  }
  return out.sort((a, b) => a - b);
}

test('kill -9 and SIGINT at 10 random steps each, then --resume: final weights byte-identical to the uninterrupted run', async (t) => {
  const seed = Number(process.env.EXACT_RESUME_SEED ?? Date.now() % 2 ** 31);
  const rng = new Rng(seed);
  const taken = new Set<number>();
  const plan = { SIGKILL: drawSteps(rng, 10, taken), SIGINT: drawSteps(rng, 10, taken) };
  t.diagnostic(`EXACT_RESUME_SEED=${seed}: kill -9 at steps ${plan.SIGKILL.join(', ')}; SIGINT at ${plan.SIGINT.join(', ')}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exact-resume-'));
  try {
    const data = path.join(tmp, 'train.csv');
    const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
    fs.writeFileSync(data, lines.slice(0, ROWS + 1).join('\n') + '\n');

    const straight = path.join(tmp, 'straight');
    const out = child_process.execFileSync(process.execPath, [CLI, ...args(straight, data)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const started = messages(out).find((m) => m.type === 'started');
    assert.ok(started?.type === 'started' && started.totalSteps === TOTAL_STEPS, `the run plan changed: ${JSON.stringify(started)}`);
    const reference = weights(onlyRun(straight));

    const failures: string[] = [];
    for (const signal of ['SIGKILL', 'SIGINT'] as const) {
      for (const [i, at] of plan[signal].entries()) {
        const runs = path.join(tmp, `${signal}-${i}`);
        const { sentAt, printed } = await interrupt(runs, data, signal, at);
        assert.ok(sentAt > 0, `${signal} at ${at}: the run ended before reaching that step`);
        const runDir = onlyRun(runs);
        let stoppedAt: number;
        if (signal === 'SIGINT') {
          // A cancel: the step in flight finishes, a checkpoint is written there, the run ends "cancelled".
          const done = printed.find((m) => m.type === 'done');
          assert.ok(done?.type === 'done' && done.status === 'cancelled', `SIGINT at ${at}: ${JSON.stringify(done)}`);
          const last = printed.filter((m) => m.type === 'checkpoint').pop();
          assert.ok(last?.type === 'checkpoint');
          stoppedAt = last.step;
          assert.ok(stoppedAt % EVAL_EVERY !== 0, `SIGINT at ${at}: the cancel checkpoint fell on an evaluation (step ${stoppedAt}), which tests nothing new`);
        } else {
          assert.equal(readRun(runDir).status, 'running', `kill -9 at ${at}`);
          stoppedAt = sentAt;
        }
        const resumed = messages(child_process.execFileSync(process.execPath, [CLI, 'train', '--resume', runDir, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
        // A cancel resumes from its own checkpoint; a kill from the last evaluation's (none before the first).
        const checkpoint = signal === 'SIGINT' ? stoppedAt : Math.floor(stoppedAt / EVAL_EVERY) * EVAL_EVERY;
        const expected = checkpoint ? `resuming from step-${String(checkpoint).padStart(8, '0')} (step ${checkpoint})` : 'no checkpoint was written before the run stopped: starting from step 0';
        assert.ok(resumed.some((m) => m.type === 'log' && m.message === expected), `${signal} at ${at}: no "${expected}" in ${JSON.stringify(resumed.filter((m) => m.type === 'log'))}`);
        assert.equal(readRun(runDir).status, 'completed');
        // Each step's record once, in order, as in the uninterrupted run (a kill's records past the checkpoint removed).
        assert.deepEqual(trainSteps(runDir), trainSteps(onlyRun(straight)), `${signal} at ${at}: train records of metrics.jsonl`);
        if (!weights(runDir).equals(reference)) failures.push(`${signal} at step ${sentAt}, resumed from step ${checkpoint}`);
      }
    }
    assert.deepEqual(failures, [], `resumed weights differ from the uninterrupted run (EXACT_RESUME_SEED=${seed})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a cancel inside a gradient-accumulation window waits for its step, and resuming from there is exact', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exact-resume-acc-'));
  try {
    const data = path.join(tmp, 'train.csv');
    const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
    fs.writeFileSync(data, lines.slice(0, 81).join('\n') + '\n');
    const config = (runsRoot: string): RunConfig => ({
      model: MODEL, data, strategy: 'full', runsRoot, device: 'cpu',
      settings: { epochs: 2, batchSize: 8, maxLength: 32, learningRate: 1e-3, gradientAccumulationSteps: 2, evalEvery: 'epoch', threads: 1, dropout: true },
    });
    const done = (msgs: FromWorker[]) => msgs.find((m) => m.type === 'done');
    const straight: FromWorker[] = [];
    await runTraining(config(path.join(tmp, 'a')), { emit: (m) => straight.push(m), isCancelled: () => false, isPaused: () => false });
    const a = done(straight);
    assert.ok(a?.type === 'done' && a.status === 'completed');

    // The trainer asks before every micro-batch; the 4th question comes after micro-batch 2, the first half of step 2.
    let asked = 0;
    const cut: FromWorker[] = [];
    await runTraining(config(path.join(tmp, 'b')), { emit: (m) => cut.push(m), isCancelled: () => ++asked >= 4, isPaused: () => false });
    const b = done(cut);
    assert.ok(b?.type === 'done' && b.status === 'cancelled');
    const state = JSON.parse(fs.readFileSync(path.join(latestCheckpoint(b.runDir)!, 'state.json'), 'utf8')) as { step: number; microInEpoch: number };
    assert.deepEqual([state.step, state.microInEpoch], [2, 4], 'the cancel checkpoint closes the window it fell in');
    await runTraining(config(path.join(tmp, 'b')), { emit: () => undefined, isCancelled: () => false, isPaused: () => false }, b.runDir);
    assert.ok(weights(b.runDir).equals(weights(a.runDir)), 'resumed weights differ from the uninterrupted run');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
