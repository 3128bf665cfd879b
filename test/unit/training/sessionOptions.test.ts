import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ortTypes from 'onnxruntime-node';
import { chooseThreads, threadCandidates, trainingSessionOptions } from '../../../src/training/worker/sessionOptions';

/** Sessions whose run() advances a virtual clock by a fixed cost per thread count (plus optional jitter per call). */
function fakeSessions(cost: Record<number, number[]>) {
  let now = 0;
  const opened: number[] = [];
  const released: number[] = [];
  const calls: Record<number, number> = {};
  const open = async (threads: number) => {
    opened.push(threads);
    calls[threads] = 0;
    return {
      run: async () => {
        const seq = cost[threads];
        now += seq[Math.min(calls[threads]++, seq.length - 1)];
        return {};
      },
      release: async () => void released.push(threads),
    } as unknown as ortTypes.InferenceSession;
  };
  return { open, opened, released, clock: () => now };
}

test('the fastest thread count is chosen, from the best of the timed rounds, and every probe session is released', async () => {
  // Call 0 is the warm-up; a burst of load on 2 threads' first timed round is ignored by taking the best round.
  const f = fakeSessions({ 2: [9, 0.9, 0.2, 0.21], 1: [9, 0.35, 0.34, 0.36] });
  const choice = await chooseThreads([2, 1], f.open, {}, { clock: f.clock });
  assert.equal(choice.threads, 2);
  assert.deepEqual(choice.timings.map((t) => [t.threads, +t.seconds.toFixed(9)]), [[2, 0.2], [1, 0.34]]);
  assert.match(choice.reason, /^2 CPU threads, chosen by timing a forward pass of the first batch \(2 → 200\.0 ms, 1 → 340\.0 ms; probe 20\.4 s\)$/);
  assert.deepEqual(f.released.sort(), [1, 2]);
});

test('a larger thread count must be 5 % faster to be chosen: fewer threads leave cores to the editor', async () => {
  const near = fakeSessions({ 4: [1, 0.097], 2: [1, 0.099], 1: [1, 0.1] });
  assert.equal((await chooseThreads([4, 2, 1], near.open, {}, { clock: near.clock })).threads, 1);
  const clear = fakeSessions({ 4: [1, 0.05], 2: [1, 0.094], 1: [1, 0.1] });
  assert.equal((await chooseThreads([4, 2, 1], clear.open, {}, { clock: clear.clock })).threads, 4);
  const oneWins = fakeSessions({ 2: [1, 0.3], 1: [1, 0.2] });
  const c = await chooseThreads([2, 1], oneWins.open, {}, { clock: oneWins.clock });
  assert.equal(c.threads, 1);
  assert.match(c.reason, /^1 CPU thread,/);
});

test('sessions are released even when a probe run fails', async () => {
  const released: number[] = [];
  const open = async (threads: number) =>
    ({ run: async () => { if (threads === 1) throw new Error('boom'); return {}; }, release: async () => void released.push(threads) }) as unknown as ortTypes.InferenceSession;
  await assert.rejects(chooseThreads([2, 1], open, {}), /boom/);
  assert.deepEqual(released.sort(), [1, 2]);
});

test('candidates are all cores, half, one — without repeats', () => {
  assert.deepEqual(threadCandidates(16), [16, 8, 1]);
  assert.deepEqual(threadCandidates(2), [2, 1]);
  assert.deepEqual(threadCandidates(1), [1]);
  assert.deepEqual(threadCandidates(3), [3, 2, 1]);
});

test('training sessions run without spinning pool threads or a memory pattern, on the asked provider', () => {
  const o = trainingSessionOptions('cpu', 3);
  assert.equal(o.intraOpNumThreads, 3);
  assert.equal(o.enableMemPattern, false);
  assert.deepEqual(o.executionProviders, ['cpu']);
  assert.deepEqual(o.extra, { session: { intra_op: { allow_spinning: '0' } } });
  assert.equal('intraOpNumThreads' in trainingSessionOptions('cuda'), false);
});

test('with a budget, a short run keeps all cores untimed and says why; a long run times every candidate', async () => {
  // 1 s per forward pass at 2 threads, 2 s at 1; opening costs nothing on the fake clock, the warm-up 1 s.
  const cost = { 2: [1, 1, 1, 1], 1: [2, 2, 2, 2] };
  const short = fakeSessions(cost);
  const s = await chooseThreads([2, 1], short.open, {}, { clock: short.clock, budget: { fraction: 0.02, runSeconds: (f) => 30 * f } });
  assert.equal(s.threads, 2);
  assert.deepEqual(short.opened, [2], 'the other candidate was never opened');
  assert.match(s.reason, /^2 CPU threads \(all cores\), not timed against 1: that would take about \d+\.\d s, more than 2 % of this run \(about 30 s\); set "threads" to choose$/);
  assert.ok(s.probeSeconds <= 2, `probe ${s.probeSeconds} s`);

  const long = fakeSessions(cost);
  const l = await chooseThreads([2, 1], long.open, {}, { clock: long.clock, budget: { fraction: 0.02, runSeconds: (f) => 100000 * f } });
  assert.deepEqual(long.opened, [2, 1]);
  assert.deepEqual(l.timings.map((t) => t.threads), [2, 1]);
  assert.doesNotMatch(l.reason, /round\(s\) to stay within/);

  // In between: fewer rounds, still both candidates.
  const mid = fakeSessions(cost);
  const m = await chooseThreads([2, 1], mid.open, {}, { clock: mid.clock, budget: { fraction: 0.02, runSeconds: (f) => 400 * f } });
  assert.deepEqual(mid.opened, [2, 1]);
  assert.match(m.reason, /1 round\(s\) to stay within the probe budget/);
  assert.ok(m.probeSeconds <= 0.02 * 400, `probe ${m.probeSeconds} s within the 8 s budget`);
});
