// One trainer per run folder (src/training/runLease.ts): a live owner's lease refuses a second trainer with a clear
// message; a dead owner's or a stale lease is taken over; the lease goes away when the run ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEASE_FILE, LEASE_STALE_MS, RunBusyError, acquireLease, readLease } from '../../../src/training/runLease';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');

const lease = (pid: number, heartbeat = new Date()) => ({ pid, host: os.hostname(), startedAt: heartbeat.toISOString(), heartbeat: heartbeat.toISOString() });

test('a lease held by a live process refuses a second one; a dead or stale owner is taken over; release removes it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-'));
  const other = child_process.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(dir, LEASE_FILE), JSON.stringify(lease(other.pid!)));
    assert.throws(() => acquireLease(dir), (e: Error) => e instanceof RunBusyError && new RegExp(`being trained by process ${other.pid} on `).test(e.message));
    // The same live pid with a heartbeat older than the limit: the owner hung or the pid was reused.
    fs.writeFileSync(path.join(dir, LEASE_FILE), JSON.stringify(lease(other.pid!, new Date(Date.now() - LEASE_STALE_MS - 1000))));
    const taken = acquireLease(dir);
    assert.equal(readLease(dir)?.lease.pid, process.pid);
    assert.equal(readLease(dir)?.held, true);
    taken.release();
    assert.ok(!fs.existsSync(path.join(dir, LEASE_FILE)));
  } finally {
    other.kill('SIGKILL');
  }
  // A pid that no longer exists.
  const dead = child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dir, LEASE_FILE), JSON.stringify(lease(Number(dead.stdout))));
  acquireLease(dir).release();
});

test('resuming a run another live trainer holds is refused, and the run is not marked failed; a finished run leaves no lease', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-runs-'));
  const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const data = path.join(runsRoot, 'small.csv');
  fs.writeFileSync(data, [lines[0], ...lines.slice(1, 17)].join('\n') + '\n');
  const messages: FromWorker[] = [];
  const config: RunConfig = { model: path.join(WS, 'models/tiny-bert'), data, strategy: 'full', runsRoot, device: 'cpu', settings: { batchSize: 8, maxLength: 32, maxSteps: 2, threads: 1 } };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done');
  assert.ok(!fs.existsSync(path.join(done.runDir, LEASE_FILE)), 'the lease is released at the end');

  const other = child_process.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(done.runDir, LEASE_FILE), JSON.stringify(lease(other.pid!)));
    const before = fs.readFileSync(path.join(done.runDir, 'metrics.jsonl'), 'utf8');
    await assert.rejects(runTraining({} as RunConfig, { emit: () => {}, isCancelled: () => false, isPaused: () => false }, done.runDir), /being trained by process \d+/);
    assert.equal(readRun(done.runDir).status, 'completed', 'the refused resume changed nothing');
    assert.equal(fs.readFileSync(path.join(done.runDir, 'metrics.jsonl'), 'utf8'), before);
    assert.ok(readMetrics(done.runDir).every((m) => m.level !== 'error'));
  } finally {
    other.kill('SIGKILL');
  }
});

test('the heartbeat goes on while the trainer thread is blocked (a long onnxruntime run or checkpoint write), and stops for good on release', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-beat-'));
  try {
    const held = acquireLease(dir, { heartbeatMs: 50 });
    const before = Date.parse(readLease(dir)!.lease.heartbeat);
    // Block this thread as session.run does: no timer of this thread can fire meanwhile.
    const blockStart = Date.now();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
    const blockEnd = Date.now();
    const beat = Date.parse(readLease(dir)!.lease.heartbeat);
    assert.ok(beat > before && beat >= blockStart + 100 && beat <= blockEnd, `heartbeat ${new Date(beat).toISOString()} not renewed during the block ${new Date(blockStart).toISOString()}..${new Date(blockEnd).toISOString()}`);
    held.release();
    assert.ok(!fs.existsSync(path.join(dir, LEASE_FILE)));
    // A released lease stays released: no late beat writes it back.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    assert.ok(!fs.existsSync(path.join(dir, LEASE_FILE)));
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
