// Axis ticks at "nice" values (1, 2 or 5 times a power of ten) for the report's SVG charts, and the axis range they
// span. The dashboard leaves this to uPlot; a chart drawn without a browser has to choose them itself.

/** The tick spacing closest to span / count among 1, 2, 5 × 10^k. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

export interface NiceAxis {
  min: number;
  max: number;
  ticks: number[];
}

/**
 * An axis covering [lo, hi] whose ends are ticks, about `count` intervals wide. A flat series (lo == hi) gets a range
 * around its value, so its line is drawn mid-plot instead of dividing by zero.
 */
export function niceAxis(lo: number, hi: number, count = 5, integer = false): NiceAxis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`niceAxis: the range must be finite (got ${lo}..${hi})`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  // integer: steps are counted, a tick at step 2.5 would name a step that does not exist.
  const step = integer ? Math.max(1, niceStep(hi - lo, count)) : niceStep(hi - lo, count);
  const min = Number((Math.floor(lo / step + 1e-9) * step).toPrecision(12));
  const max = Number((Math.ceil(hi / step - 1e-9) * step).toPrecision(12));
  const ticks: number[] = [];
  // Computed from the index, not accumulated, so 0.1 + 0.2 rounding never shifts a tick off its label.
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(Number((min + i * step).toPrecision(12)));
  return { min, max, ticks };
}
