// A run's true state (src/training/runStatus.ts) from run.json + its lease: a live owner is running (or paused), a
// dead pid, a stale heartbeat, another host's stale lease or no lease at all is interrupted; end states are what the
// record says, a failed one with its error and step. The resume that takes a run over records the interruption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker } from '../../../src/training/protocol';
import { LEASE_FILE, LEASE_STALE_MS, readLease, type LeaseInfo } from '../../../src/training/runLease';
import { STARTING_GRACE_MS, canResume, describeRunState, noteResume, notePaused, readRunState, resumeCommand, runStateOf } from '../../../src/training/runStatus';
import { appendMetrics, readMetrics, readRun, writeRun, type RunRecord, type RunStatus } from '../../../src/training/runStore';

const NOW = Date.parse('2026-12-03T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function record(status: RunStatus, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'r', status, createdAt: iso(NOW - 600_000), updatedAt: iso(NOW - 120_000),
    config: { model: '/m/tiny-bert', data: '/d.csv', strategy: 'full', runsRoot: '/runs' }, model: { path: '/m/tiny-bert', modelType: 'bert' },
    dataset: { path: '/d.csv', fingerprint: 'sha256:0', labels: ['a', 'b'], trainRows: 10, evalRows: 2 }, versions: {},
    device: { executionProvider: 'cpu', reason: 'default' }, totalSteps: 50, step: 20, ...extra,
  };
}

const lease = (pid: number, heartbeatAgo: number, host = os.hostname()): LeaseInfo => ({ pid, host, startedAt: iso(NOW - 300_000), heartbeat: iso(NOW - heartbeatAgo) });

/** A process that lives while the test needs it, and the pid of one that no longer exists. */
function processes(): { live: child_process.ChildProcess; deadPid: number } {
  const live = child_process.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const dead = child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return { live, deadPid: Number(dead.stdout) };
}

function runFolder(rec: RunRecord, l?: LeaseInfo): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstatus-'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec));
  if (l) fs.writeFileSync(path.join(dir, LEASE_FILE), JSON.stringify(l));
  return dir;
}

test('running needs a live owner: dead pid, stale heartbeat, another host gone quiet and no lease are interrupted', () => {
  const { live, deadPid } = processes();
  const dirs: string[] = [];
  try {
    const stateOf = (rec: RunRecord, l?: LeaseInfo) => {
      const dir = runFolder(rec, l);
      dirs.push(dir);
      return readRunState(dir, NOW);
    };
    const running = stateOf(record('running'), lease(live.pid!, 5_000));
    assert.equal(running.state, 'running');
    assert.equal(running.owner?.pid, live.pid);
    assert.equal(describeRunState(running), `running (checkpoint at step 20/50) · trained by process ${live.pid} on ${os.hostname()} since ${iso(NOW - 300_000)}`);
    assert.match(describeRunState({ ...running, step: 0 }), /^running \(no checkpoint yet\) · trained by /);

    const dead = stateOf(record('running'), lease(deadPid, 5_000));
    assert.equal(dead.state, 'interrupted');
    assert.equal(dead.why, `process ${deadPid} on ${os.hostname()} is gone`);
    assert.equal(dead.owner?.pid, deadPid, 'the stopped trainer is named');
    assert.equal(dead.step, 20, 'the step a resume continues from');

    // A live pid whose heartbeat stopped: hung, or the pid was reused by another program.
    const stale = stateOf(record('running'), lease(live.pid!, LEASE_STALE_MS + 1_000));
    assert.equal(stale.state, 'interrupted');
    assert.match(stale.why!, /^no heartbeat from process \d+ on .+ since 2026-12-03T09:58:59\.000Z$/);

    // Another host's pid cannot be checked from here: only its heartbeat says whether it lives.
    assert.equal(stateOf(record('running'), lease(deadPid, 5_000, 'other-host')).state, 'running');
    const quiet = stateOf(record('running'), lease(deadPid, LEASE_STALE_MS + 1, 'other-host'));
    assert.equal(quiet.state, 'interrupted');
    assert.match(quiet.why!, /^no heartbeat from process \d+ on other-host since /);

    // No lease: a run written before leases existed, or one whose lease was removed. Within the grace period of a
    // fresh record it is a run that is starting (it writes run.json just before it takes its lease).
    const noLease = stateOf(record('running'));
    assert.equal(noLease.state, 'interrupted');
    assert.equal(noLease.why, 'no trainer holds the run (it left no lease)');
    assert.equal(stateOf(record('running', { updatedAt: iso(NOW - STARTING_GRACE_MS + 1_000) })).state, 'running');
    assert.equal(stateOf(record('running', { updatedAt: iso(NOW - STARTING_GRACE_MS - 1) })).state, 'interrupted');
  } finally {
    live.kill('SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('paused only with a live owner; end states are what the record says, a failed one with its error and step', () => {
  const { live, deadPid } = processes();
  try {
    const held = readLease(runFolderTmp(lease(live.pid!, 1_000)), NOW);
    assert.equal(held?.held, true);
    const paused = runStateOf(record('running', { pausedAt: 17 }), held, NOW);
    assert.deepEqual([paused.state, paused.pausedAt, paused.owner?.pid], ['paused', 17, live.pid]);
    assert.equal(describeRunState(paused), `paused at step 17/50 · held by process ${live.pid} on ${os.hostname()}`);
    // Killed while paused: nobody holds it any more.
    const gone = readLease(runFolderTmp(lease(deadPid, 1_000)), NOW);
    assert.equal(runStateOf(record('running', { pausedAt: 17 }), gone, NOW).state, 'interrupted');
    // A lease left behind does not change an end state (the trainer wrote it before it could release the lease).
    for (const s of ['completed', 'cancelled'] as const) {
      assert.equal(runStateOf(record(s), held, NOW).state, s);
      assert.equal(runStateOf(record(s), undefined, NOW).state, s);
    }
    const failed = runStateOf(record('failed', { error: 'the loss became NaN at step 13', errorStep: 12 }), undefined, NOW);
    assert.deepEqual([failed.state, failed.error, failed.errorStep], ['failed', 'the loss became NaN at step 13', 12]);
    assert.equal(describeRunState(failed), 'failed at step 12/50: the loss became NaN at step 13');
  } finally {
    live.kill('SIGKILL');
  }
});

const tmpDirs: string[] = [];
function runFolderTmp(l: LeaseInfo): string {
  const dir = runFolder(record('running'), l);
  tmpDirs.push(dir);
  return dir;
}
test.after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

test('Resume is offered for interrupted, cancelled and failed runs only; the command line is quoted for a shell', () => {
  assert.deepEqual((['running', 'paused', 'interrupted', 'completed', 'cancelled', 'failed'] as const).filter(canResume), ['interrupted', 'cancelled', 'failed']);
  assert.equal(resumeCommand('/ws/.finetune/runs/20261203-tiny-bert-full'), 'finetune-studio train --resume /ws/.finetune/runs/20261203-tiny-bert-full');
  assert.equal(resumeCommand("/my runs/it's"), `finetune-studio train --resume '/my runs/it'\\''s'`);
});

test('the resume that takes a run over records the interruption (run.json and a log line with the last step); an ended run is left alone', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstatus-note-'));
  try {
    writeRun(dir, record('running', { step: 20, pausedAt: 23 }));
    for (const step of [21, 22, 23]) appendMetrics(dir, { type: 'train', step, epoch: 0, loss: 0.5, lr: 1e-4, samplesPerSecond: 1, tokensPerSecond: 1 });
    const previous = lease(4_000_000, 30_000);
    const emitted: FromWorker[] = [];
    noteResume(dir, previous, (m) => emitted.push(m));
    const rec = readRun(dir);
    assert.equal(rec.pausedAt, undefined, 'the stopped trainer\'s pause mark is dropped');
    assert.equal(rec.interruptions?.length, 1);
    assert.deepEqual({ ...rec.interruptions![0], resumedAt: undefined }, {
      pid: 4_000_000, host: os.hostname(), startedAt: previous.startedAt, lastHeartbeat: previous.heartbeat, step: 23, resumedAt: undefined,
      resumedBy: { pid: process.pid, host: os.hostname() },
    });
    const logged = readMetrics(dir).filter((m) => m.type === 'log');
    assert.equal(logged.length, 1);
    assert.match(String(logged[0].message), new RegExp(`^interrupted: the previous owner, process 4000000 on ${os.hostname()} .*stopped at step 23 without ending the run; process ${process.pid} on .* resumes it from the last checkpoint \\(step 20\\)$`));
    assert.deepEqual(emitted, [{ type: 'log', level: 'warn', message: logged[0].message }]);

    // A cancelled run resumed: no interruption, and run.json is not rewritten.
    writeRun(dir, record('cancelled'));
    const before = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
    noteResume(dir, undefined, (m) => emitted.push(m));
    assert.equal(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), before);
    assert.equal(emitted.length, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the trainer\'s pause messages mark run.json while it holds, and only while it runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstatus-pause-'));
  try {
    writeRun(dir, record('running'));
    notePaused(dir, true, 31);
    assert.equal(readRun(dir).pausedAt, 31);
    notePaused(dir, false, 31);
    assert.equal('pausedAt' in readRun(dir), false);
    writeRun(dir, record('completed'));
    notePaused(dir, true, 40);
    assert.equal(readRun(dir).pausedAt, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
