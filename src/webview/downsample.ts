// Chart data reduction. A 100k-step run must not send 100k points per update to the webview, but the curve a user
// sees must keep its spikes (a loss spike is the thing to notice), so each bucket keeps its minimum and maximum.

export interface XY {
  x: number[];
  y: number[];
}

/**
 * Reduces a series (x ascending) to at most `maxPoints` points: the first and last points, plus the min and max of
 * each of (maxPoints - 2) / 2 equal-width index buckets in between, in x order. Series that fit are returned as copies.
 */
export function downsampleMinMax(series: XY, maxPoints: number): XY {
  const n = series.x.length;
  if (maxPoints < 4) throw new Error(`downsampleMinMax: maxPoints must be at least 4 (got ${maxPoints})`);
  if (n <= maxPoints) return { x: series.x.slice(), y: series.y.slice() };
  const { x, y } = series;
  const out: XY = { x: [x[0]], y: [y[0]] };
  const buckets = Math.floor((maxPoints - 2) / 2);
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const v = y[i];
      if (Number.isNaN(v)) continue;
      if (lo < 0 || v < y[lo]) lo = i;
      if (hi < 0 || v > y[hi]) hi = i;
    }
    // A bucket of only NaN (diverged loss) keeps one point so the chart shows the gap.
    if (lo < 0) lo = hi = start;
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      out.x.push(x[i]);
      out.y.push(y[i]);
    }
  }
  out.x.push(x[n - 1]);
  out.y.push(y[n - 1]);
  return out;
}

/**
 * Puts two series on one x axis (what uPlot needs): the sorted union of both x, with null where a series has no
 * point. Used to draw the sparse eval loss over the dense train loss.
 */
export function alignSeries(a: XY, b: XY): { x: number[]; a: (number | null)[]; b: (number | null)[] } {
  const x: number[] = [];
  const ya: (number | null)[] = [];
  const yb: (number | null)[] = [];
  const val = (v: number) => (Number.isFinite(v) ? v : null);
  let i = 0;
  let j = 0;
  while (i < a.x.length || j < b.x.length) {
    const xa = i < a.x.length ? a.x[i] : Infinity;
    const xb = j < b.x.length ? b.x[j] : Infinity;
    if (xa === xb) {
      x.push(xa);
      ya.push(val(a.y[i++]));
      yb.push(val(b.y[j++]));
    } else if (xa < xb) {
      x.push(xa);
      ya.push(val(a.y[i++]));
      yb.push(null);
    } else {
      x.push(xb);
      ya.push(null);
      yb.push(val(b.y[j++]));
    }
  }
  return { x, a: ya, b: yb };
}
