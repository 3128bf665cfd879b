// The report's three charts (loss, learning rate per layer group, eval metrics) as SVG, from the same series the
// dashboard draws (RunMetrics: downsampled, resumed steps replaced), so a report and the panel show the same curves.
import type { RunTask } from '../training/protocol';
import type { LineChartData } from '../webview/messages';
import type { RunMetrics } from '../webview/runMetrics';
import { lineChartSvg, type Chart, type ChartSeries } from './chartSvg';

/**
 * Points per series in a report chart. A PNG 800 units wide cannot show more; min-max downsampling keeps the spikes,
 * and it bounds the SVG (and so the render time) whatever the run's length.
 */
export const REPORT_MAX_POINTS = 800;

export interface ReportChart {
  file: string;
  alt: string;
  chart: Chart;
}

const seriesOf = (d: LineChartData, markers = false): ChartSeries[] => d.series.map((s) => ({ label: s.label, x: d.x, y: s.values, markers }));

/**
 * Train and eval loss from the dashboard's shared-axis form, each back on its own points: the train curve must not
 * break at an eval-only step (where it is null only because it logged nothing there), the sparse eval one is dotted.
 */
function lossSeries(d: LineChartData): ChartSeries[] {
  const [train, evalLoss] = d.series;
  const keep = (pick: (i: number) => boolean) => d.x.map((_, i) => i).filter(pick);
  const trainIdx = keep((i) => !(train.values[i] === null && evalLoss?.values[i] !== null && evalLoss?.values[i] !== undefined));
  const out: ChartSeries[] = [{ label: train.label, x: trainIdx.map((i) => d.x[i]), y: trainIdx.map((i) => train.values[i]) }];
  if (evalLoss && evalLoss.values.some((v) => v !== null)) {
    const evalIdx = keep((i) => evalLoss.values[i] !== null);
    out.push({ label: evalLoss.label, x: evalIdx.map((i) => d.x[i]), y: evalIdx.map((i) => evalLoss.values[i]), markers: true });
  }
  return out;
}

export function reportCharts(metrics: RunMetrics, task: RunTask, maxPoints = REPORT_MAX_POINTS): ReportChart[] {
  const snap = metrics.snapshot(maxPoints, task);
  const charts: ReportChart[] = [
    { file: 'loss.png', alt: 'Loss', chart: lineChartSvg({ title: 'Loss', xLabel: 'step', xInteger: true, series: lossSeries(snap.loss) }) },
    {
      file: 'learning-rate.png',
      alt: snap.lr.series.length > 1 ? 'Learning rate per layer group' : 'Learning rate',
      chart: lineChartSvg({ title: snap.lr.series.length > 1 ? 'Learning rate per layer group' : 'Learning rate', xLabel: 'step', xInteger: true, yFromZero: true, series: seriesOf(snap.lr) }),
    },
  ];
  if (snap.evals.length) {
    const byEpoch = snap.evals.every((e) => Number.isFinite(e.epoch));
    charts.push({
      file: 'eval-metrics.png',
      alt: 'Evaluation metrics',
      chart: lineChartSvg({ title: 'Evaluation metrics', xLabel: byEpoch ? 'epoch' : 'step', xInteger: !byEpoch, yRange: snap.evalChart.yRange, series: seriesOf(snap.evalChart, true) }),
    });
  }
  return charts;
}
