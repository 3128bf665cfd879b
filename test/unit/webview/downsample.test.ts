import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignSeries, downsampleMinMax } from '../../../src/webview/downsample';

test('series that fit are returned unchanged (as copies)', () => {
  const s = { x: [1, 2, 3], y: [5, 4, 3] };
  const d = downsampleMinMax(s, 10);
  assert.deepEqual(d, s);
  assert.notEqual(d.x, s.x);
});

test('100k points come down to at most maxPoints, keeping first, last and every bucket extreme', () => {
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const y = x.map((i) => 1 / i);
  y[54_321] = 99; // a spike in the middle must survive
  y[77_777] = -5; // and a dip
  const d = downsampleMinMax({ x, y }, 1000);
  assert.ok(d.x.length <= 1000, `got ${d.x.length}`);
  assert.ok(d.x.length >= 900);
  assert.equal(d.x[0], 1);
  assert.equal(d.x.at(-1), n);
  assert.ok(d.y.includes(99));
  assert.ok(d.y.includes(-5));
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1], 'x stays strictly ascending');
  // Every kept point is a real point of the input.
  for (let i = 0; i < d.x.length; i++) assert.equal(d.y[i], y[d.x[i] - 1]);
});

test('hand-checked buckets: 10 points into 6 → first, (min,max) of two buckets, last', () => {
  // maxPoints 6 → 2 buckets over indices 1..8: [1..4] and [5..8].
  const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const y = [0, 5, 1, 7, 3, 2, 9, 4, 8, 6];
  const d = downsampleMinMax({ x, y }, 6);
  // bucket 1: y 5,1,7,3 → min at x=2 (1), max at x=3 (7); bucket 2: y 2,9,4,8 → min at x=5 (2), max at x=6 (9)
  assert.deepEqual(d.x, [0, 2, 3, 5, 6, 9]);
  assert.deepEqual(d.y, [0, 1, 7, 2, 9, 6]);
});

test('NaN values do not win a bucket; an all-NaN bucket keeps one point', () => {
  const d = downsampleMinMax({ x: [0, 1, 2, 3, 4, 5], y: [1, NaN, NaN, 2, NaN, 3] }, 4);
  // 1 bucket over indices 1..4: min 2 and max 2 at x=3 → one point
  assert.deepEqual(d.x, [0, 3, 5]);
  const allNaN = downsampleMinMax({ x: [0, 1, 2, 3, 4, 5], y: [1, NaN, NaN, NaN, NaN, 3] }, 4);
  assert.equal(allNaN.x.length, 3);
  assert.ok(Number.isNaN(allNaN.y[1]));
});

test('maxPoints below 4 is refused with a message', () => {
  assert.throws(() => downsampleMinMax({ x: [1], y: [1] }, 3), /at least 4/);
});

test('alignSeries merges two x axes and fills gaps with null', () => {
  const r = alignSeries({ x: [1, 2, 3, 4], y: [10, 20, 30, 40] }, { x: [2, 4, 5], y: [0.2, NaN, 0.5] });
  assert.deepEqual(r.x, [1, 2, 3, 4, 5]);
  assert.deepEqual(r.a, [10, 20, 30, 40, null]);
  assert.deepEqual(r.b, [null, 0.2, null, null, 0.5]);
});

test('overlayCurves puts runs with different logging steps on one axis', async () => {
  const { overlayCurves } = await import('../../../src/webview/overlay');
  const o = overlayCurves([
    { runId: 'a', x: [10, 20, 30], loss: [1, 0.8, 0.6] },
    { runId: 'b', x: [5, 20, 40], loss: [1.2, null, 0.5] },
  ]);
  assert.deepEqual(o.x, [5, 10, 20, 30, 40]);
  assert.deepEqual(o.series, [
    { label: 'a', values: [null, 1, 0.8, 0.6, null] },
    { label: 'b', values: [1.2, null, null, null, 0.5] },
  ]);
  assert.deepEqual(overlayCurves([]), { x: [], series: [] });
});
