// Axis tick text for the dashboard charts (pure, so it is unit-tested outside the browser).

/** Tick labels with as many digits as the tick spacing needs (an LR of 2e-5 must not read "0", 0.25 not "0.3"). */
export function tickLabels(splits: number[]): string[] {
  const finite = splits.filter((v) => Number.isFinite(v));
  const step = finite.length > 1 ? Math.abs(finite[1] - finite[0]) : 0;
  const max = Math.max(0, ...finite.map(Math.abs));
  const decimalsOf = (x: number) => {
    for (let d = 0; d < 10; d++) if (Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) < 1e-6) return d;
    return 10;
  };
  if (max !== 0 && (max < 1e-3 || max >= 1e6)) {
    const exp = Math.floor(Math.log10(max));
    const d = step > 0 ? Math.min(6, decimalsOf(step / 10 ** exp)) : 1;
    return splits.map((v) => (v === 0 ? '0' : v.toExponential(d)));
  }
  const d = step > 0 ? Math.min(8, decimalsOf(step)) : 2;
  return splits.map((v) => v.toFixed(d));
}
