// Several runs' curves on one chart: uPlot draws aligned data (one shared x array), so each run's points are placed on
// the sorted union of all runs' steps, with null where that run logged nothing.
import type { ComparisonCurve, LineChartData } from './messages';

export function overlayCurves(curves: readonly ComparisonCurve[]): LineChartData {
  const x = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  const series = curves.map((c) => {
    const at = new Map<number, number | null>();
    c.x.forEach((step, i) => at.set(step, c.loss[i] ?? null));
    return { label: c.runId, values: x.map((step) => at.get(step) ?? null) };
  });
  return { x, series };
}
