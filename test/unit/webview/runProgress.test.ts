// The dashboard's progress line (src/webview/runProgress.ts): one completed-step count whether it came from the last
// logged step or from the worker's pause message, and an ETA that counts down with running time only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeMs, completedSteps, notePause, remainingSeconds, type PauseSpan } from '../../../src/webview/runProgress';

test('paused at step 343 after the last log line at 340: the header and the pause say 343', () => {
  // loggingSteps 10: metrics.jsonl and the last live progress say 340; the worker paused after completing 343 steps.
  const lastLogged = 340;
  const pausedAt = 343;
  assert.equal(completedSteps(lastLogged, lastLogged, 300, pausedAt, pausedAt), 343);
  // After Continue the count does not fall back to the last log line before the next one arrives.
  assert.equal(completedSteps(lastLogged, lastLogged, 300, pausedAt, undefined), 343);
  assert.equal(completedSteps(undefined, undefined, undefined), 0);
  assert.equal(completedSteps(Number.NaN, 12), 12);
});

test('ETA with a pause in the middle: only the running time counts it down', () => {
  const report = { etaSeconds: 100, receivedAt: 0 };
  // Ran 0..10 s, paused 10..40 s, running again 40..50 s: 20 s of training since the report.
  let pauses: PauseSpan[] = [];
  pauses = notePause(pauses, true, 10_000);
  assert.equal(remainingSeconds(report, pauses, 25_000), 90, 'frozen while paused');
  pauses = notePause(pauses, false, 40_000);
  assert.deepEqual(pauses, [{ start: 10_000, end: 40_000 }]);
  assert.equal(remainingSeconds(report, pauses, 50_000), 80);
  assert.equal(remainingSeconds(report, pauses, 500_000), 0, 'never negative');
});

test('pauses before the report or overlapping its start count only their part after it', () => {
  const pauses: PauseSpan[] = [{ start: 0, end: 5_000 }, { start: 8_000, end: 12_000 }, { start: 20_000 }];
  // From 10 s to 30 s: paused 10..12 and 20..30 → 8 s active.
  assert.equal(activeMs(10_000, 30_000, pauses), 8_000);
  assert.equal(activeMs(30_000, 30_000, pauses), 0);
});

test('notePause: a repeated pause message keeps the first start; a continue without a pause changes nothing', () => {
  const once = notePause([], true, 1_000);
  assert.equal(notePause(once, true, 2_000), once);
  assert.deepEqual(notePause([], false, 3_000), []);
  const two = notePause(notePause(notePause(once, false, 2_000), true, 5_000), false, 6_000);
  assert.deepEqual(two, [{ start: 1_000, end: 2_000 }, { start: 5_000, end: 6_000 }]);
});
