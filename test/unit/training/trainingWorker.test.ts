// A detached training worker (the tsc build of worker/main.ts) and the extension's side of it, without VS Code: the
// run goes on when its window disconnects, a second "window" reconnects through control.json and controls it, the
// end removes the socket and control.json, and a worker that dies is detected by the window that started it and by
// one that only reconnected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readLease } from '../../../src/training/runLease';
import { launchTraining, reconnectTraining, type TrainingConnection } from '../../../src/training/trainingWorker';
import { CONTROL_FILE, readControl } from '../../../src/training/workerControl';
import { processAlive } from '../../../src/util/workerProcess';
import { fixtureWorkspace, tempDir } from '../models/support';

const WORKER = path.resolve(__dirname, '..', '..', '..', 'src', 'training', 'worker', 'main.js');
const WS = fixtureWorkspace();

function config(runsRoot: string, epochs: number): RunConfig {
  return {
    model: path.join(WS, 'models', 'tiny-bert'), data: path.join(WS, 'data', 'sentiment_train.csv'), strategy: 'full', device: 'cpu', runsRoot,
    settings: { epochs, maxLength: 32, batchSize: 4, loggingSteps: 1, threads: 1 },
  };
}

/** Collects a connection's messages; `next` waits for the first (new) one that matches (each test has a timeout). */
function recorder(c: TrainingConnection) {
  const seen: FromWorker[] = [];
  const waiters: { match: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }[] = [];
  c.onMessage((m) => {
    seen.push(m);
    for (const w of waiters.splice(0)) {
      if (w.match(m)) w.resolve(m);
      else waiters.push(w);
    }
  });
  const next = <T extends FromWorker>(match: (m: FromWorker) => m is T): Promise<T> =>
    new Promise((resolve) => waiters.push({ match, resolve: resolve as (m: FromWorker) => void }));
  return { seen, next };
}

const isStarted = (m: FromWorker): m is Extract<FromWorker, { type: 'started' }> => m.type === 'started';
const progressAfter = (step: number) => (m: FromWorker): m is Extract<FromWorker, { type: 'progress' }> => m.type === 'progress' && m.step > step;
const isPaused = (paused: boolean) => (m: FromWorker): m is Extract<FromWorker, { type: 'paused' }> => m.type === 'paused' && m.paused === paused;

test('the run goes on without its window; another window reconnects, pauses, continues and cancels it; the end leaves no socket or control file', { timeout: 60_000 }, async (t) => {
  const root = tempDir('trainingWorker');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const first = launchTraining({ workerScript: WORKER, config: config(root, 40) });
  assert.equal(first.detached, true);
  const a = recorder(first);
  const started = await a.next(isStarted);
  const reached = (await a.next(progressAfter(2))).step;
  const control = readControl(started.runDir)!;
  assert.ok(control, 'no control.json beside a held lease');
  assert.equal(control.pid, first.pid);
  assert.equal(readLease(started.runDir)?.lease.pid, first.pid);
  assert.equal(control.log, path.join(started.runDir, 'worker.log'), 'the launch log did not move into the run folder');
  assert.deepEqual(fs.readdirSync(root).filter((f) => f.startsWith('.launch-')), []);

  // The window goes away: the worker does not.
  first.disconnect();
  assert.deepEqual(await first.end, { kind: 'left' });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(processAlive(first.pid), true);

  const second = (await reconnectTraining(started.runDir))!;
  assert.ok(second, 'could not reconnect to the live run');
  const b = recorder(second);
  // The catch-up says which run this is and how far it got: not restarted from step 0.
  const again = await b.next(isStarted);
  assert.equal(again.runId, started.runId);
  const resumedAt = (await b.next(progressAfter(reached))).step;
  assert.ok(resumedAt > reached, `step ${resumedAt} after reconnecting, ${reached} before`);

  second.send({ type: 'pause' });
  const paused = await b.next(isPaused(true));
  const metrics = path.join(started.runDir, 'metrics.jsonl');
  const trainLines = () => fs.readFileSync(metrics, 'utf8').split('\n').filter((l) => l.includes('"type":"train"')).length;
  const atPause = trainLines();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(trainLines(), atPause, 'steps were trained while paused');
  second.send({ type: 'resume' });
  assert.equal((await b.next(isPaused(false))).step, paused.step);
  await b.next(progressAfter(paused.step));
  second.send({ type: 'cancel' });
  const end = await second.end;
  assert.equal(end.kind, 'ended');
  assert.ok(end.kind === 'ended' && end.last.type === 'done' && end.last.status === 'cancelled', JSON.stringify(end));
  assert.equal(fs.existsSync(path.join(started.runDir, CONTROL_FILE)), false, 'control.json left behind');
  assert.equal(readLease(started.runDir), undefined, 'lease left behind');
  if (process.platform !== 'win32') assert.equal(fs.existsSync(control.address), false, 'socket file left behind');
  await waitGone(first.pid);
});

test('a killed worker is reported as stopped by the window that started it (with the signal) and by one that reconnected', { timeout: 60_000 }, async (t) => {
  const root = tempDir('trainingWorker');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const first = launchTraining({ workerScript: WORKER, config: config(root, 40) });
  const a = recorder(first);
  const started = await a.next(isStarted);
  await a.next(progressAfter(1));
  const control = readControl(started.runDir)!;
  const second = (await reconnectTraining(started.runDir))!;
  process.kill(first.pid, 'SIGKILL');
  const [e1, e2] = await Promise.all([first.end, second.end]);
  assert.equal(e1.kind === 'stopped' && e1.how, 'SIGKILL');
  assert.equal(e2.kind, 'stopped');
  // What the killed worker could not remove, the windows that saw it die did; its lease stays for the UI to show
  // the run as interrupted, and nobody reconnects to it.
  const address = control.address;
  assert.equal(fs.existsSync(path.join(started.runDir, CONTROL_FILE)), false, 'control.json of the dead worker left');
  if (process.platform !== 'win32') assert.equal(fs.existsSync(address), false, 'socket file of the dead worker left');
  assert.equal(readLease(started.runDir)?.held, false);
  assert.equal(await reconnectTraining(started.runDir), undefined);
});

test('a pause sent before the new worker listens is delivered once it does', { timeout: 60_000 }, async (t) => {
  const root = tempDir('trainingWorker');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const c = launchTraining({ workerScript: WORKER, config: config(root, 40) });
  const r = recorder(c);
  assert.equal(c.send({ type: 'pause' }), true);
  const paused = await r.next(isPaused(true));
  assert.ok(paused.step <= 2, `paused only at step ${paused.step}`);
  c.send({ type: 'cancel' });
  const end = await c.end;
  assert.ok(end.kind === 'ended' && end.last.type === 'done' && end.last.status === 'cancelled', JSON.stringify(end));
});

test('a run that fails validation reports the error and leaves neither a run folder nor a launch log', { timeout: 60_000 }, async (t) => {
  const root = tempDir('trainingWorker');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const c = launchTraining({ workerScript: WORKER, config: { ...config(root, 1), data: path.join(root, 'missing.csv') } });
  const end = await c.end;
  assert.ok(end.kind === 'ended' && end.last.type === 'error', JSON.stringify(end));
  assert.match(end.last.type === 'error' ? end.last.message : '', /missing\.csv/);
  assert.deepEqual(fs.readdirSync(root), []);
});

test('where detaching is refused the worker runs attached, says why, and still completes', { timeout: 60_000 }, async (t) => {
  const root = tempDir('trainingWorker');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const c = launchTraining({ workerScript: WORKER, config: config(root, 1), refuseDetach: true });
  assert.equal(c.detached, false);
  assert.match(c.attachedReason ?? '', /did not start a detached worker.*Resume continues it/);
  const end = await c.end;
  assert.ok(end.kind === 'ended' && end.last.type === 'done' && end.last.status === 'completed', JSON.stringify(end));
});

async function waitGone(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (processAlive(pid)) {
    if (Date.now() > deadline) assert.fail(`worker ${pid} still runs after its run ended`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
