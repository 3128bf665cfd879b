// The one worker-process supervisor: attached workers (IPC, output tail, exit, dispose) and detached ones (own
// session, output to a log file, alive after the process that started them is gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeExit, forkAttached, OutputTail, processAlive, spawnDetached, tailOfFile, type WorkerExit } from '../../../src/util/workerProcess';

const SUPERVISOR = path.resolve(__dirname, '..', '..', '..', 'src', 'util', 'workerProcess.js');

function script(dir: string, name: string, code: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, code);
  return file;
}

const waitFor = async (what: string, fn: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('an attached worker exchanges messages, its output is kept for crash reports, and its kill is reported', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-wp-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const echo = script(dir, 'echo.js', `
    for (let i = 1; i <= 40; i++) console.error('line ' + i);
    process.on('message', (m) => process.send({ type: 'echo', n: m.n * 2 }));
    process.on('disconnect', () => process.exit(0));`);
  const worker = forkAttached<{ n: number }, { type: string; n: number }>({ script: echo, logLines: 5, isMessage: (m): m is { type: string; n: number } => (m as { type?: string }).type === 'echo' });
  const got = new Promise<number>((resolve) => worker.onMessage((m) => resolve(m.n)));
  assert.equal(worker.send({ n: 21 }), true);
  assert.equal(await got, 42);
  await waitFor('the output', () => worker.lastOutput().at(-1) === 'line 40');
  assert.deepEqual(worker.lastOutput(), ['line 36', 'line 37', 'line 38', 'line 39', 'line 40']);
  const exit = new Promise<WorkerExit>((resolve) => worker.onExit(resolve));
  worker.child.kill('SIGKILL');
  const e = await exit;
  assert.equal(describeExit(e), 'SIGKILL');
  assert.equal(worker.exited, true);
  assert.equal(worker.send({ n: 1 }), false);
});

test('dispose kills a worker that does not stop by itself within the grace time', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-wp-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Ignores the disconnect, as a worker stuck in a native call would.
  const stuck = script(dir, 'stuck.js', `process.on('disconnect', () => {}); process.send('ready'); setInterval(() => {}, 1000);`);
  const worker = forkAttached({ script: stuck, isMessage: (m): m is string => m === 'ready' });
  await new Promise<void>((resolve) => worker.onMessage(() => resolve()));
  const exit = new Promise<WorkerExit>((resolve) => worker.onExit(resolve));
  const t0 = Date.now();
  worker.dispose(300);
  assert.equal((await exit).signal, 'SIGKILL');
  assert.ok(Date.now() - t0 >= 250, 'killed before the grace time');
});

test('a detached worker runs in its own session, writes to its log file, and outlives the process that started it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-wp-'));
  const log = path.join(dir, 'worker.log');
  const pidFile = path.join(dir, 'pid');
  let pid = 0;
  t.after(() => {
    if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  // Keeps running until told to stop by a file, so the test can see it alive after its parent exited.
  const worker = script(dir, 'worker.js', `
    console.log('worker up ' + process.pid);
    const stop = ${JSON.stringify(path.join(dir, 'stop'))};
    const timer = setInterval(() => { if (require('fs').existsSync(stop)) { console.log('stopping'); clearInterval(timer); } }, 20);`);
  // The "window": starts the worker detached and exits at once.
  const parent = script(dir, 'parent.js', `
    const { spawnDetached } = require(${JSON.stringify(SUPERVISOR)});
    const w = spawnDetached({ script: ${JSON.stringify(worker)}, logFile: ${JSON.stringify(log)} });
    require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(w.pid));`);
  const r = child_process.spawnSync(process.execPath, [parent], { timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr?.toString());
  pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await waitFor('the worker log', () => tailOfFile(log, 5).some((l) => l.startsWith('worker up')));
  assert.equal(processAlive(pid), true, 'the detached worker died with its parent');
  if (process.platform === 'linux') {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    assert.equal(session, pid, 'not the leader of its own session');
    assert.equal(pgrp, pid);
  }
  fs.writeFileSync(path.join(dir, 'stop'), '');
  await waitFor('the worker to exit', () => !processAlive(pid));
  assert.deepEqual(tailOfFile(log, 5), [`worker up ${pid}`, 'stopping']);
});

test('a detached worker started by this process reports its exit', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-wp-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const w = spawnDetached({ script: script(dir, 'fail.js', `console.error('boom'); process.exit(3);`), logFile: path.join(dir, 'worker.log') });
  // The worker is unref'd: it does not keep this process alive, something else must (the extension host always does).
  const alive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(alive));
  assert.deepEqual(await w.exit, { code: 3, signal: null });
  assert.deepEqual(tailOfFile(path.join(dir, 'worker.log'), 5), ['boom']);
});

test('the output tail keeps the last lines across chunks and drops empty ones', () => {
  const tail = new OutputTail(3);
  assert.deepEqual(tail.push('a\nb\r\n\n'), ['a', 'b']);
  tail.push('c\nd\n');
  assert.deepEqual(tail.get(), ['b', 'c', 'd']);
  assert.deepEqual(tailOfFile(path.join(os.tmpdir(), 'fts-no-such-file.log'), 3), []);
});
