import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MetricsTail } from '../../../src/webview/metricsTail';
import type { MetricsEntry } from '../../../src/training/protocol';

const steps = (es: MetricsEntry[]) => es.map((e) => ('step' in e ? e.step : -1));

function tmpFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tail-'));
  return path.join(dir, 'metrics.jsonl');
}

const line = (step: number, label = 'x') => JSON.stringify({ type: 'eval', step, epoch: 1, metrics: { accuracy: 0.5 }, perClass: [{ label, precision: 1, recall: 1, f1: 1, support: 1 }] }) + '\n';

test('an absent file yields nothing; appended lines are read once each', () => {
  const f = tmpFile();
  const t = new MetricsTail(f);
  assert.deepEqual(t.read(), { entries: [], problems: [], reset: false });
  fs.writeFileSync(f, line(1) + line(2));
  assert.deepEqual(steps(t.read().entries), [1, 2]);
  assert.equal(t.read().entries.length, 0);
  fs.appendFileSync(f, line(3));
  assert.deepEqual(steps(t.read().entries), [3]);
});

test('a line still being written waits for its newline, even when split inside a UTF-8 character', () => {
  const f = tmpFile();
  const t = new MetricsTail(f);
  const bytes = Buffer.from(line(7, 'négatif 😀'));
  const cut = bytes.indexOf(Buffer.from('😀')) + 2; // in the middle of the 4-byte emoji
  fs.writeFileSync(f, bytes.subarray(0, cut));
  assert.equal(t.read().entries.length, 0);
  fs.appendFileSync(f, bytes.subarray(cut));
  const { entries } = t.read();
  assert.equal(entries.length, 1);
  const e = entries[0];
  assert.ok(e.type === 'eval');
  assert.equal(e.perClass?.[0].label, 'négatif 😀');
});

test('bad lines are reported with their line number in the file', () => {
  const f = tmpFile();
  const t = new MetricsTail(f);
  fs.writeFileSync(f, line(1));
  t.read();
  fs.appendFileSync(f, '{oops\n' + line(3));
  const r = t.read();
  assert.deepEqual(steps(r.entries), [3]);
  assert.deepEqual(r.problems.length, 1);
  assert.ok(r.problems[0].startsWith(`${f}:2: not valid JSON`), r.problems[0]);
});

test('a truncated or replaced file is read again from the start and flagged as a reset', () => {
  const f = tmpFile();
  const t = new MetricsTail(f);
  fs.writeFileSync(f, line(1) + line(2) + line(3));
  t.read();
  fs.writeFileSync(f, line(9));
  const r = t.read();
  assert.equal(r.reset, true);
  assert.deepEqual(steps(r.entries), [9]);
  // replaced by rename (atomic rewrite) with a longer file
  const tmp = `${f}.tmp`;
  fs.writeFileSync(tmp, line(4) + line(5) + line(6) + line(7));
  fs.renameSync(tmp, f);
  const r2 = t.read();
  assert.equal(r2.reset, true);
  assert.deepEqual(steps(r2.entries), [4, 5, 6, 7]);
});
