// A line chart over uPlot, coloured from the VS Code theme and redrawn when the theme or the panel size changes.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LineChartData } from '../messages';
import { tickLabels } from '../chartTicks';
import { h, onThemeChange, themeColor } from './dom';

// Second colour red, not orange: Dark Modern's chart orange is too dark to read as a thin line on its background.
const PALETTE: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-yellow', '#cca700'],
];

export const seriesColor = (i: number): string => themeColor(...PALETTE[i % PALETTE.length]);

/** Past the palette (a 12-layer model has 14 LR groups) colours repeat, so each round of them gets its own dash. */
const DASHES: (number[] | undefined)[] = [undefined, [6, 3], [2, 2], [8, 3, 2, 3]];
export const seriesDash = (i: number): number[] | undefined => DASHES[Math.floor(i / PALETTE.length) % DASHES.length];

export interface LineChartOptions {
  id: string;
  title: string;
  xLabel: string;
  /** Show points (sparse series such as eval loss, per-epoch metrics). */
  points?: boolean[];
  yLog?: boolean;
  /** Fixed y range (ratios such as accuracy read best on 0..1); auto when absent. */
  yRange?: [number, number];
  height?: number;
}

function lastValue(values: (number | null)[]): string {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null) return Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  return '—';
}

export class LineChart {
  readonly element: HTMLElement;
  private readonly canvasHost: HTMLElement;
  private plot: uPlot | undefined;
  private data: LineChartData = { x: [], series: [] };
  private yLog: boolean;
  private yRange: [number, number] | undefined;
  private title: string;
  private readonly heading: HTMLElement;

  constructor(private readonly opts: LineChartOptions) {
    this.yLog = opts.yLog ?? false;
    this.yRange = opts.yRange;
    this.title = opts.title;
    this.canvasHost = h('div', { class: 'chart-canvas' });
    this.heading = h('h3', {}, opts.title);
    this.element = h('section', { class: 'chart', id: opts.id, 'data-points': 0, role: 'img', 'aria-label': opts.title }, this.heading, this.canvasHost);
    onThemeChange(() => this.rebuild());
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(this.canvasHost);
  }

  /** For a chart whose content changes kind (one LR curve, or one per layer group). */
  setTitle(title: string): void {
    this.title = title;
    this.heading.textContent = title;
  }

  /** For a chart whose scale depends on the run (SQuAD's percentages against ratios); redraws only on a change. */
  setYRange(range: [number, number] | undefined): void {
    if (range?.[0] === this.yRange?.[0] && range?.[1] === this.yRange?.[1]) return;
    this.yRange = range;
    this.rebuild();
  }

  setLogScale(log: boolean): void {
    this.yLog = log;
    this.rebuild();
  }

  update(data: LineChartData): void {
    const shapeChanged = data.series.length !== this.data.series.length || data.series.some((s, i) => s.label !== this.data.series[i]?.label);
    this.data = data;
    const drawn = data.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
    this.element.setAttribute('data-points', String(drawn));
    // Canvas is invisible to screen readers: the section says what the chart shows and its latest values.
    const latest = data.series.map((s) => `${s.label} ${lastValue(s.values)}`).join(', ');
    this.element.setAttribute('aria-label', `${this.title}: ${drawn} points over ${this.opts.xLabel} ${data.x[0] ?? '—'} to ${data.x.at(-1) ?? '—'}; latest ${latest}`);
    if (!this.plot || shapeChanged) this.rebuild();
    else this.plot.setData(this.aligned());
  }

  private aligned(): uPlot.AlignedData {
    // Log axes cannot show values ≤ 0 (a zero LR at the end of a linear schedule): those become gaps.
    const series = this.data.series.map((s) => (this.yLog ? s.values.map((v) => (v !== null && v > 0 ? v : null)) : s.values));
    return [this.data.x, ...series];
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.canvasHost.clientWidth), height: this.opts.height ?? 220 };
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    if (!this.data.series.length) return;
    const fg = themeColor('--vscode-foreground', '#cccccc');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      ...this.size(),
      scales: { x: { time: false }, y: { distr: this.yLog ? 3 : 1, ...(this.yRange && !this.yLog ? { range: this.yRange } : {}) } },
      axes: [
        { ...axis, label: this.opts.xLabel },
        { ...axis, size: 64, values: (_u, splits) => tickLabels(splits) },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: this.opts.xLabel },
        ...this.data.series.map((s, i) => ({
          label: s.label,
          stroke: seriesColor(i),
          dash: seriesDash(i),
          width: 1.5,
          spanGaps: true,
          points: { show: this.opts.points?.[i] ?? false, size: 6, fill: seriesColor(i) },
        })),
      ],
    };
    this.plot = new uPlot(options, this.aligned(), this.canvasHost);
  }
}
