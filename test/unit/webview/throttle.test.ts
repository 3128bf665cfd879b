import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, Throttle } from '../../../src/webview/throttle';

/** A manual clock: time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn, id: nextId++ };
      timers.push(t);
      return t.id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.fn();
    }
    now = end;
  };
  return { clock, advance, pending: () => timers.length };
}

test('first request is delivered at once, a burst inside the interval coalesces into one trailing delivery', () => {
  const { clock, advance } = fakeClock();
  const at: number[] = [];
  const t = new Throttle(() => at.push(clock.now()), 250, clock);
  t.request();
  assert.deepEqual(at, [0]);
  for (let i = 0; i < 1000; i++) {
    advance(0.2);
    t.request();
  }
  // 1000 requests over 200 ms → the trailing delivery lands exactly 250 ms after the first.
  assert.deepEqual(at, [0]);
  advance(100);
  assert.deepEqual(at, [0, 250]);
});

test('a 100k-step run logging every 1 ms is delivered at most once per 250 ms', () => {
  const { clock, advance } = fakeClock();
  let deliveries = 0;
  const t = new Throttle(() => deliveries++, 250, clock);
  for (let i = 0; i < 100_000; i++) {
    t.request();
    advance(1);
  }
  advance(250);
  // 100 s of logging → 400 intervals, +1 for the immediate first delivery.
  assert.ok(deliveries <= 401, `delivered ${deliveries} times`);
  assert.ok(deliveries >= 399, `delivered ${deliveries} times`);
});

test('after a quiet period the next request is immediate again', () => {
  const { clock, advance } = fakeClock();
  const at: number[] = [];
  const t = new Throttle(() => at.push(clock.now()), 250, clock);
  t.request();
  advance(1000);
  t.request();
  assert.deepEqual(at, [0, 1000]);
});

test('dispose cancels the pending delivery', () => {
  const { clock, advance, pending } = fakeClock();
  let n = 0;
  const t = new Throttle(() => n++, 250, clock);
  t.request();
  advance(10);
  t.request();
  assert.equal(pending(), 1);
  t.dispose();
  assert.equal(pending(), 0);
  advance(1000);
  t.request();
  assert.equal(n, 1);
});
