import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  appendMetrics, createRunDir, fingerprintFiles, latestCheckpoint, listCheckpoints, pruneCheckpoints, readMetrics, saveCheckpoint,
} from '../../../src/training/runStore';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runstore-'));

test('runs started in the same second get distinct folders', () => {
  const root = tmp();
  const a = createRunDir(root, '/m/tiny-bert', 'full');
  const b = createRunDir(root, '/m/tiny-bert', 'full');
  assert.notEqual(a.dir, b.dir);
  assert.match(a.id, /^\d{8}-\d{6}-tiny-bert-full$/);
});

/** A train record as the trainer writes it. */
const trainEntry = (step: number, loss = 0.5) => ({ type: 'train' as const, step, epoch: 0, loss, lr: 1e-4, samplesPerSecond: 1, tokensPerSecond: 1 });

test('a torn last metrics line is ignored', () => {
  const dir = tmp();
  appendMetrics(dir, trainEntry(1, 0.5));
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step": 2, "lo');
  const m = readMetrics(dir);
  assert.equal(m.length, 1);
  assert.equal(m[0].loss, 0.5);
});

test('checkpoints: incomplete ones are invisible; pruning keeps last K and the best', () => {
  const dir = tmp();
  const paths = [1, 2, 3, 4].map((s) => saveCheckpoint(dir, s, { 'weights.bin': new Uint8Array([s]) }, { step: s }));
  fs.mkdirSync(path.join(dir, 'checkpoints', 'step-00000005')); // crashed before state.json
  assert.equal(latestCheckpoint(dir), paths[3]);
  pruneCheckpoints(dir, 2, paths[0]);
  assert.deepEqual(listCheckpoints(dir), [paths[0], paths[2], paths[3]]);
  assert.deepEqual([...fs.readFileSync(path.join(paths[2], 'weights.bin'))], [3]);
});

test('fingerprint changes with the content', async () => {
  const dir = tmp();
  const f = path.join(dir, 'd.csv');
  fs.writeFileSync(f, 'text,label\na,1\n');
  const a = await fingerprintFiles([f]);
  fs.writeFileSync(f, 'text,label\na,0\n');
  assert.notEqual(a, await fingerprintFiles([f]));
  assert.match(a, /^sha256:[0-9a-f]{64}$/);
});

test('a metrics line torn by a kill does not swallow the next record', async () => {
  const { appendMetrics, readMetrics } = await import('../../../src/training/runStore');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstore-torn-'));
  appendMetrics(dir, trainEntry(1));
  // A kill in the middle of a write leaves half a record without its newline.
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"type":"train","st');
  appendMetrics(dir, trainEntry(2));
  appendMetrics(dir, trainEntry(3));
  assert.deepEqual(readMetrics(dir).map((m) => m.step), [1, 2, 3]);
});

test('before a resume, train and eval records past its checkpoint go (they are trained again); logs stay, torn lines go', async () => {
  const { appendMetrics, dropMetricsAfter, readMetrics } = await import('../../../src/training/runStore');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstore-redo-'));
  try {
    for (const s of [1, 2, 3, 4, 5]) appendMetrics(dir, trainEntry(s));
    appendMetrics(dir, { type: 'eval', step: 2, epoch: 0.5, metrics: { accuracy: 0.5 } });
    appendMetrics(dir, { type: 'log', level: 'info', message: 'after step 5' });
    appendMetrics(dir, { type: 'eval', step: 4, epoch: 1, metrics: { accuracy: 0.7 } });
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"type":"train","st');
    assert.equal(dropMetricsAfter(dir, 2), 4);
    assert.deepEqual(readMetrics(dir).map((m) => `${m.type}:${m.step ?? m.message}`), ['train:1', 'train:2', 'eval:2', 'log:after step 5']);
    assert.equal(dropMetricsAfter(dir, 2), 0, 'nothing more to drop');
    appendMetrics(dir, trainEntry(3));
    assert.deepEqual(readMetrics(dir).filter((m) => m.type === 'train').map((m) => m.step), [1, 2, 3]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
