import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComparisonSource } from '../../../src/webview/comparisonData';

function runFolder(root: string, id: string, strategy: string, lines: object[], tail = ''): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  const run = {
    id,
    status: 'completed',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    config: { model: `/m/${id}-model`, data: '/d.csv', strategy, settings: { epochs: 2 } },
    model: { path: `/m/${id}-model`, modelType: 'bert' },
    dataset: { path: '/d.csv', fingerprint: 'x', labels: ['a', 'b'], trainRows: 10, evalRows: 4 },
    versions: {},
    device: { executionProvider: 'webgpu', reason: 'asked' },
    totalSteps: 4,
    step: 4,
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join('') + tail);
  return dir;
}

const roots: string[] = [];
/** A runs folder removed when the tests end. */
function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cmp-'));
  roots.push(root);
  return root;
}
test.after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const train = (step: number, loss: number) => ({ type: 'train', step, epoch: step / 2, loss, lr: 1e-4, samplesPerSecond: 10 * step, tokensPerSecond: 1 });
const evalAt = (step: number, accuracy: number) => ({ type: 'eval', step, epoch: step / 2, metrics: { loss: 1 - accuracy, accuracy, macroF1: accuracy - 0.05 } });

test('rows and curves come from each run folder; unreadable runs are reported, not fatal', () => {
  const root = tempRoot();
  const a = runFolder(root, 'a', 'full', [train(1, 0.9), train(2, 0.7), evalAt(2, 0.75), train(3, 0.6), train(4, 0.5), evalAt(4, 0.8), { type: 'summary', trainSeconds: 12, modelBytes: 999 }]);
  const b = runFolder(root, 'b', 'feature-extraction', [train(2, 0.8), evalAt(2, 0.6)]);
  const broken = path.join(root, 'broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'run.json'), '{"id":');
  const data = new ComparisonSource([a, b, broken]).read();
  assert.deepEqual(data.runDirs, [a, b, broken]);
  assert.deepEqual(data.rows.map((r) => [r.runId, r.strategy, r.bestAccuracy, r.trainSeconds, r.device, r.baseModel]), [
    ['a', 'full', 0.8, 12, 'webgpu', 'a-model'],
    ['b', 'feature-extraction', 0.6, null, 'webgpu', 'b-model'],
  ]);
  assert.deepEqual(data.curves[0], { runId: 'a', x: [1, 2, 3, 4], loss: [0.9, 0.7, 0.6, 0.5] });
  assert.equal(data.problems.length, 1);
  assert.match(data.problems[0], /^broken: .*run\.json: not a readable run record/);
});

test('a line still being written is left for the next read, which picks up only what was appended', () => {
  const root = tempRoot();
  const a = runFolder(root, 'a', 'full', [train(1, 0.9), evalAt(1, 0.5)], '{"type":"eval","step":2,"epo');
  const source = new ComparisonSource([a]);
  assert.equal(source.read().rows[0].bestAccuracy, 0.5);
  fs.appendFileSync(path.join(a, 'metrics.jsonl'), 'ch":1,"metrics":{"accuracy":0.7}}\n');
  const second = source.read();
  assert.equal(second.rows[0].bestAccuracy, 0.7);
  assert.deepEqual(second.problems, []);
});

test('the status column is the true state: a "running" run whose trainer is gone is interrupted, and noticed without a file change', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cmp-state-'));
  const trainer = child_process.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const dir = runFolder(root, 'live', 'full', [train(1, 0.9)]);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record, status: 'running' }));
    const now = new Date().toISOString();
    fs.writeFileSync(path.join(dir, 'lease.json'), JSON.stringify({ pid: trainer.pid, host: os.hostname(), startedAt: now, heartbeat: now }));
    const done = runFolder(root, 'done', 'full', [train(1, 0.9)]);
    const source = new ComparisonSource([dir, done]);
    assert.deepEqual(source.read().rows.map((r) => r.status), ['running', 'completed']);
    assert.equal(source.statesChanged(), false);
    const exited = once(trainer, 'exit');
    trainer.kill('SIGKILL');
    await exited;
    assert.equal(source.statesChanged(), true, 'the dead trainer is noticed though no file changed');
    assert.deepEqual(source.read().rows.map((r) => r.status), ['interrupted', 'completed']);
  } finally {
    trainer.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
});
