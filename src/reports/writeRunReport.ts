// Writes a run's report into a folder: report.md with its charts as PNGs beside it (loss.png, learning-rate.png,
// eval-metrics.png), and report.html, the same report in one self-contained file (charts inlined). Headless: the CLI,
// the extension and tests all call this; it reads only the run folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunState } from '../training/runStatus';
import { metricsPath, readRun } from '../training/runStore';
import { writeFileAtomic } from '../util/atomicWrite';
import { parseMetricsText } from '../webview/metricsEntries';
import { RunMetrics } from '../webview/runMetrics';
import { runTaskOf } from '../webview/taskView';
import { reportCharts, REPORT_MAX_POINTS } from './reportCharts';
import { toHtml, toMarkdown } from './reportDocument';
import { svgToPng } from './reportPng';
import { runReportBlocks } from './runReport';

export interface ReportOptions {
  /** PNG pixels per SVG unit (default 2). */
  scale?: number;
  maxPoints?: number;
  /** The footer's time (default: now). */
  now?: Date;
}

export interface WrittenReport {
  outDir: string;
  markdown: string;
  html: string;
  images: string[];
}

/** `<run>/report/`: where the report goes unless told otherwise. */
export const defaultReportDir = (runDir: string): string => path.join(runDir, 'report');

export async function writeRunReport(runDir: string, outDir = defaultReportDir(runDir), options: ReportOptions = {}): Promise<WrittenReport> {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(path.join(dir, 'run.json'))) throw new Error(`${dir} is not a run folder: it has no run.json (pass the folder of one run, e.g. .finetune/runs/<id>)`);
  const run = readRun(dir);
  const state = readRunState(dir);
  const file = metricsPath(dir);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const { entries, problems } = parseMetricsText(text, file);
  const metrics = new RunMetrics();
  metrics.add(entries);

  const out = path.resolve(outDir);
  const charts = reportCharts(metrics, runTaskOf(run), options.maxPoints ?? REPORT_MAX_POINTS);
  const images = new Map<string, Uint8Array>();
  for (const c of charts) {
    const png = await svgToPng(c.chart.svg, options.scale);
    images.set(c.file, png);
    writeFileAtomic(path.join(out, c.file), png);
  }
  const blocks = runReportBlocks({ dir, run, entries, problems, state, charts, generatedAt: (options.now ?? new Date()).toISOString() });
  const markdown = path.join(out, 'report.md');
  const html = path.join(out, 'report.html');
  writeFileAtomic(markdown, toMarkdown(blocks));
  const heading = blocks.find((b) => b.kind === 'heading');
  writeFileAtomic(html, toHtml(blocks, heading?.kind === 'heading' ? heading.text : `Run report: ${run.id}`, images));
  return { outDir: out, markdown, html, images: charts.map((c) => path.join(out, c.file)) };
}
