// Runs that ended while no window followed them are reported once: what is said for each end state, and the
// workspace's list of runs still to report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMissedEnd, RunReports } from '../../../src/commands/runReports';

test('each end state is described with its step and error; a run still held is not reported yet', () => {
  assert.equal(describeMissedEnd({ id: 'r1', status: 'running', step: 12 }, true), undefined);
  assert.deepEqual(describeMissedEnd({ id: 'r1', status: 'completed', step: 40 }, false), { status: 'completed', text: 'Fine-tune run r1 completed while no window was open.', resumable: false });
  assert.deepEqual(describeMissedEnd({ id: 'r2', status: 'cancelled', step: 7 }, false), { status: 'cancelled', text: 'Fine-tune run r2 was cancelled while no window was open (at step 7).', resumable: true });
  assert.deepEqual(describeMissedEnd({ id: 'r3', status: 'failed', step: 9, errorStep: 8, error: 'NaN loss' }, false), { status: 'failed', text: 'Fine-tune run r3 failed at step 8 while no window was open: NaN loss', resumable: true });
  // "running" but nobody holds the lease: the worker died without an end state.
  assert.deepEqual(describeMissedEnd({ id: 'r4', status: 'running', step: 3 }, false), { status: 'interrupted', text: 'Fine-tune run r4 stopped while no window was open (interrupted after step 3).', resumable: true });
  assert.equal(describeMissedEnd(undefined, false)?.status, 'missing');
});

test('a run is expected once and forgotten when reported', async () => {
  const store = new Map<string, unknown>();
  const memento = {
    get: <T>(key: string, fallback: T): T => (store.has(key) ? (store.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => void store.set(key, value),
    keys: () => [...store.keys()],
  };
  const reports = new RunReports(memento as never);
  await reports.expect('/runs/a');
  await reports.expect('/runs/b');
  await reports.expect('/runs/a');
  assert.deepEqual(reports.pending(), ['/runs/a', '/runs/b']);
  await reports.reported('/runs/a');
  assert.deepEqual(reports.pending(), ['/runs/b']);
  // A second window reading the same workspace state does not report it again.
  assert.deepEqual(new RunReports(memento as never).pending(), ['/runs/b']);
});
