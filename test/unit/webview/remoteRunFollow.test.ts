// Issue 25: a run trained on a cluster node, followed from a VS Code window on another machine through shared
// storage. No control socket and no local worker: the window sees only run.json saying "running", a lease whose
// owner is a process on another host (its pid means nothing here), and metrics.jsonl growing. The dashboard's folder
// watch and metrics tail and the Runs view's state must show it running with its steps growing, and interrupted only
// once the owner's heartbeat stops.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEASE_STALE_MS } from '../../../src/training/runLease';
import { readRunState } from '../../../src/training/runStatus';
import { readRunSummary } from '../../../src/training/runSummaries';
import { MetricsTail } from '../../../src/webview/metricsTail';
import { watchRunFolder } from '../../../src/webview/runFolderWatch';
import { RunMetrics } from '../../../src/webview/runMetrics';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-run-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pid no process here has: the remote trainer's own, which a local liveness check would wrongly find dead. */
function deadPid(): number {
  return Number(child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/**
 * Another process stands in for rank 0 on node "gpu-node-7": it writes run.json, its lease (pid of that host) and
 * one train entry every 150 ms with a fresh heartbeat, as the trainer does, then stops (killed: it leaves both).
 */
const TRAINER = `
const fs = require('node:fs'); const path = require('node:path');
const [dir, pid, steps] = process.argv.slice(1); const total = Number(steps);
const now = () => new Date().toISOString();
const atomic = (f, v) => { fs.writeFileSync(f + '.tmp', JSON.stringify(v)); fs.renameSync(f + '.tmp', f); };
const started = now();
atomic(path.join(dir, 'run.json'), { id: path.basename(dir), status: 'running', createdAt: started, updatedAt: started, config: { model: '/shared/p/models/tiny-bert', data: 'data/train.csv', strategy: 'full' }, step: 0, totalSteps: total });
const lease = () => atomic(path.join(dir, 'lease.json'), { pid: Number(pid), host: 'gpu-node-7', startedAt: started, heartbeat: now() });
lease();
let step = 0;
const tick = setInterval(() => {
  step++;
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ type: 'train', time: now(), step, epoch: step / total, loss: 1 / step, lr: 1e-3, samplesPerSecond: 10, tokensPerSecond: 640, totalSteps: total }) + '\\n');
  lease();
  if (step === total) { clearInterval(tick); process.stdout.write('done'); }
}, 150);
`;

test('a run trained on another host is followed live: running, owned by that host, steps growing; interrupted only when its heartbeat stops', async () => {
  const dir = path.join(root, '20261208-040000-tiny-bert-full');
  fs.mkdirSync(dir);
  const steps = 12;
  const pid = deadPid();
  const trainer = child_process.spawn(process.execPath, ['-e', TRAINER, dir, String(pid), String(steps)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const finished = new Promise<void>((resolve) => trainer.stdout.on('data', () => resolve()));

  // What the dashboard does on each change (DashboardPanel.refresh): read the appended metrics, judge the state.
  const tail = new MetricsTail(path.join(dir, 'metrics.jsonl'));
  const metrics = new RunMetrics();
  const seen: { step: number; state: string; host?: string }[] = [];
  const look = () => {
    metrics.add(tail.read().entries);
    let state;
    try {
      state = readRunState(dir);
    } catch {
      return; // run.json not written yet
    }
    seen.push({ step: metrics.snapshot().lastTrain?.step ?? 0, state: state.state, host: state.owner?.host });
  };
  // The folder watch's poll (fs.watch gets no events for another host's writes on a network file system).
  const watch = watchRunFolder(dir, look, 100);
  try {
    await finished;
    await sleep(300);
  } finally {
    watch.dispose();
  }
  trainer.kill();

  assert.ok(seen.length >= 4, `the watch reported ${seen.length} changes`);
  assert.deepEqual([...new Set(seen.map((s) => `${s.state} ${s.host}`))], ['running gpu-node-7'], 'always running, owned by the remote host, never "interrupted" for want of a local worker');
  const stepsSeen = seen.map((s) => s.step);
  assert.deepEqual(stepsSeen, [...stepsSeen].sort((a, b) => a - b), 'steps only grow');
  assert.ok(new Set(stepsSeen).size >= 4, `steps seen: ${stepsSeen.join(',')}`);
  assert.equal(stepsSeen.at(-1), steps);
  assert.equal(metrics.snapshot().trainPoints, steps);

  // The Runs view's view of the same folder agrees, and says who trains it.
  const summary = readRunSummary(dir);
  assert.equal(summary.status, 'running');
  assert.equal(summary.state.owner?.pid, pid);

  // The trainer is gone (killed with the node): once its heartbeat is older than the staleness limit, interrupted.
  const later = Date.now() + LEASE_STALE_MS + 1000;
  const stale = readRunState(dir, later);
  assert.equal(stale.state, 'interrupted');
  assert.match(stale.why ?? '', new RegExp(`^no heartbeat from process ${pid} on gpu-node-7 since `));
});
