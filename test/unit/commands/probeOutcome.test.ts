// The time probe reports why it failed: the worker's error, how it exited and what it printed last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeWatch } from '../../../src/commands/probeOutcome';

const rows = () => ({ trainRows: 120, evalRows: 30 });
const progress = (sps: number) => ({ type: 'progress' as const, step: 1, totalSteps: 14, epoch: 0, loss: 1, lr: 1e-5, samplesPerSecond: sps, tokensPerSecond: 0, etaSeconds: 0 });

test('the steady rate is the median after the warm-up step; the encoding pass time comes from the worker log', () => {
  const w = new ProbeWatch(rows);
  assert.equal(w.feed({ type: 'started', runId: 'r', runDir: '/tmp/r', device: 'cpu', deviceReason: '', totalSteps: 14 }), undefined);
  w.feed({ type: 'log', level: 'info', message: 'encoded 120 training examples once into the feature cache in 2.50 s' });
  w.feed({ type: 'log', level: 'info', message: 'encoded 30 validation examples once into the feature cache in 0.75 s' });
  const outs = [1, 50, 40, 60, 45].map((r) => w.feed(progress(r)));
  assert.deepEqual(outs.slice(0, 4), [undefined, undefined, undefined, undefined]);
  assert.deepEqual(outs[4], { ok: true, samplesPerSecond: 50, device: 'cpu', trainRows: 120, evalRows: 30, encodeSeconds: 3.25 });
});

test('an error message from the worker is the reason', () => {
  const w = new ProbeWatch(rows);
  assert.deepEqual(w.feed({ type: 'error', message: 'data.csv: the label column "label" has 1 class; classification needs at least 2' }), { ok: false, reason: 'data.csv: the label column "label" has 1 class; classification needs at least 2' });
});

test('a worker that exits says how and what it printed last', () => {
  const w = new ProbeWatch(rows);
  assert.deepEqual(w.exited({ code: 1, signal: null }, ['loading', 'Error: Cannot find module onnxruntime-node']), { ok: false, reason: 'the worker stopped (exit code 1): Error: Cannot find module onnxruntime-node' });
  assert.deepEqual(w.exited({ code: null, signal: 'SIGKILL' }, []), { ok: false, reason: 'the worker stopped (SIGKILL)' });
});

test('a run that ends before enough steps says so, or repeats its logged error', () => {
  const w = new ProbeWatch(rows);
  w.feed(progress(10));
  assert.deepEqual(w.feed({ type: 'done', runDir: '/tmp/r', status: 'completed' }), { ok: false, reason: 'the run ended after 1 logged step(s), before its speed could be measured' });
  const v = new ProbeWatch(rows);
  v.feed({ type: 'log', level: 'error', message: 'out of memory' });
  assert.deepEqual(v.feed({ type: 'done', runDir: '/tmp/r', status: 'cancelled' }), { ok: false, reason: 'out of memory' });
});
