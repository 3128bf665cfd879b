// Line charts as standalone SVG text for the run report: axes with nice ticks, one polyline per series (null values
// break the line), optional point markers for sparse series, and a legend. Pure and DOM-free, so the report is drawn
// the same way in the CLI, on a remote host or in a test; reportPng.ts turns the text into a PNG.
import { tickLabels } from '../webview/chartTicks';
import { niceAxis } from './niceTicks';

export interface ChartSeries {
  label: string;
  x: readonly number[];
  /** null: no point at that x (a gap in the line). */
  y: readonly (number | null)[];
  /** Draw a dot at each point: for sparse series (evaluations), whose few points a thin line alone hides. */
  markers?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  series: readonly ChartSeries[];
  /** A fixed y range (the task's metric scale); else the data's, widened to nice ticks. */
  yRange?: readonly [number, number];
  /** Keep 0 on the y axis (a learning rate warms up from 0). */
  yFromZero?: boolean;
  /** The x values are counts (optimizer steps): ticks on whole numbers only. */
  xInteger?: boolean;
  width?: number;
  height?: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  /** The plot area in SVG user units (= pixels at scale 1). */
  plot: { left: number; top: number; width: number; height: number };
  xDomain: [number, number];
  yDomain: [number, number];
}

export interface Chart {
  svg: string;
  layout: ChartLayout;
  /** Each series' stroke colour, in the order given. */
  colors: string[];
  /** Points drawn (after the caller's downsampling): what bounds the SVG's size. */
  points: number;
}

/** Tableau 10: distinct at a glance and readable for the common colour-vision deficiencies. */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const MARGIN = { left: 70, right: 32, top: 36, bottom: 46 };
/** Dots beyond this many points would merge into a thick line: a dense series is drawn as a line only. */
const MAX_MARKERS = 60;

/** Step counts: 25k reads at a glance and fits under its tick where 25000 crowds its neighbours. */
const countLabels = (ticks: number[]): string[] => (Math.max(...ticks) >= 10_000 ? ticks.map((t) => (t === 0 ? '0' : `${Number((t / 1000).toPrecision(6))}k`)) : ticks.map(String));
const LEGEND_ROW = 18;

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One decimal is a tenth of a pixel: finer adds bytes, not sharpness. */
const r1 = (v: number): string => String(Math.round(v * 10) / 10);

function extent(values: Iterable<number | null>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Legend entries per row: as many as fit the plot's width at ~150 units each. */
const legendColumns = (plotWidth: number) => Math.max(1, Math.floor(plotWidth / 150));

export function lineChartSvg(spec: ChartSpec): Chart {
  const width = spec.width ?? 800;
  const height = spec.height ?? 360;
  const withData = spec.series.filter((s) => s.y.some((v) => v !== null && Number.isFinite(v)));
  // One series named as the chart is needs no legend; any other (accuracy alone under "Evaluation metrics") does.
  const legend = spec.series.length > 1 || (spec.series.length === 1 && spec.series[0].label.toLowerCase() !== spec.title.toLowerCase());
  const legendRows = legend ? Math.ceil(spec.series.length / legendColumns(width - MARGIN.left - MARGIN.right)) : 0;
  const plot = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom - (legendRows ? legendRows * LEGEND_ROW + 8 : 0) };
  if (plot.height < 40 || plot.width < 40) throw new Error(`lineChartSvg: ${width}×${height} leaves no room for the plot of "${spec.title}" (${spec.series.length} series)`);

  const xs = extent(withData.flatMap((s) => s.x.filter((_, i) => s.y[i] !== null)));
  const ys = extent(withData.flatMap((s) => s.y));
  const xAxis = niceAxis(xs?.[0] ?? 0, xs?.[1] ?? 1, 8, spec.xInteger);
  const yLo = spec.yRange?.[0] ?? (spec.yFromZero ? Math.min(0, ys?.[0] ?? 0) : (ys?.[0] ?? 0));
  const yHi = spec.yRange?.[1] ?? (ys?.[1] ?? 1);
  const yAxis = niceAxis(yLo, yHi, 5);
  // A fixed range is the scale itself (accuracy 0..1): ticks inside it, no widening past it.
  const yDomain: [number, number] = spec.yRange ? [spec.yRange[0], spec.yRange[1]] : [yAxis.min, yAxis.max];
  const yTicks = spec.yRange ? yAxis.ticks.filter((t) => t >= yDomain[0] - 1e-12 && t <= yDomain[1] + 1e-12) : yAxis.ticks;
  const layout: ChartLayout = { width, height, plot, xDomain: [xAxis.min, xAxis.max], yDomain };
  const px = (x: number) => plot.left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * plot.width;
  const py = (y: number) => plot.top + ((yDomain[1] - y) / (yDomain[1] - yDomain[0])) * plot.height;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">${escapeXml(spec.title)}</text>`);

  // Grid and tick labels first, so the curves are drawn over them.
  const yLabels = tickLabels(yTicks);
  yTicks.forEach((t, i) => {
    const y = r1(py(t));
    out.push(`<line x1="${plot.left}" y1="${y}" x2="${plot.left + plot.width}" y2="${y}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(`<text x="${plot.left - 6}" y="${y}" dy="4" text-anchor="end" fill="#444">${escapeXml(yLabels[i])}</text>`);
  });
  const xLabels = spec.xInteger ? countLabels(xAxis.ticks) : tickLabels(xAxis.ticks);
  xAxis.ticks.forEach((t, i) => {
    const x = r1(px(t));
    out.push(`<line x1="${x}" y1="${plot.top}" x2="${x}" y2="${plot.top + plot.height}" stroke="#f0f0f0" stroke-width="1"/>`);
    out.push(`<text x="${x}" y="${plot.top + plot.height + 16}" text-anchor="middle" fill="#444">${escapeXml(xLabels[i])}</text>`);
  });
  out.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#999" stroke-width="1"/>`);
  out.push(`<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height + 36}" text-anchor="middle" fill="#222">${escapeXml(spec.xLabel)}</text>`);
  if (!withData.length) {
    out.push(`<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height / 2}" text-anchor="middle" fill="#888" font-size="14">No data logged</text>`);
  }

  const colors = spec.series.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]);
  let points = 0;
  // Drawn last to first, so the first series (train loss, the headline metric) lies on top where curves meet.
  [...spec.series].reverse().forEach((s, back) => {
    const color = colors[spec.series.length - 1 - back];
    // A null ends the current stretch: the next point starts a new one (M) instead of bridging the gap.
    let d = '';
    let open = false;
    const dots: string[] = [];
    for (let k = 0; k < s.x.length; k++) {
      const v = s.y[k];
      if (v === null || !Number.isFinite(v)) {
        open = false;
        continue;
      }
      const x = r1(px(s.x[k]));
      const y = r1(py(v));
      d += `${open ? 'L' : 'M'}${x} ${y}`;
      open = true;
      points++;
      if (s.markers && s.x.length <= MAX_MARKERS) dots.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${color}"/>`);
    }
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round" data-series="${escapeXml(s.label)}"/>`);
    out.push(...dots);
  });

  if (legendRows) {
    const columns = legendColumns(plot.width);
    const colWidth = plot.width / columns;
    spec.series.forEach((s, i) => {
      const x = plot.left + (i % columns) * colWidth;
      const y = plot.top + plot.height + 58 + Math.floor(i / columns) * LEGEND_ROW;
      out.push(`<rect x="${r1(x)}" y="${y - 9}" width="14" height="10" fill="${colors[i]}"/>`);
      out.push(`<text class="legend" x="${r1(x + 20)}" y="${y}" fill="#222">${escapeXml(s.label)}</text>`);
    });
  }
  out.push('</svg>');
  return { svg: out.join('\n'), layout, colors, points };
}
