// The report's pieces on their own: nice axis ticks, the SVG charts' bounds on long runs and gaps, the Markdown and
// HTML spelling, the confusion summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { lineChartSvg } from '../../../src/reports/chartSvg';
import { niceAxis } from '../../../src/reports/niceTicks';
import { reportCharts, REPORT_MAX_POINTS } from '../../../src/reports/reportCharts';
import { markdownTable, toHtml, toMarkdown } from '../../../src/reports/reportDocument';
import { confusionBlocks, evalRowsShown, MAX_EVAL_ROWS } from '../../../src/reports/runReport';
import { writeRunReport } from '../../../src/reports/writeRunReport';
import type { EvalEntry, MetricsEntry } from '../../../src/training/protocol';
import { RunMetrics } from '../../../src/webview/runMetrics';

test('niceAxis: ends on ticks of 1, 2 or 5 × 10^k that cover the range; whole steps for step axes; a flat series gets room', () => {
  assert.deepEqual(niceAxis(0.31, 0.72), { min: 0.3, max: 0.8, ticks: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] });
  assert.deepEqual(niceAxis(0, 2e-5).ticks, [0, 5e-6, 1e-5, 1.5e-5, 2e-5]);
  assert.deepEqual(niceAxis(1, 6, 8, true).ticks, [1, 2, 3, 4, 5, 6]);
  const flat = niceAxis(0.5, 0.5);
  assert.ok(flat.min < 0.5 && flat.max > 0.5);
  assert.throws(() => niceAxis(0, Number.NaN), /must be finite/);
});

test('a null breaks the line: two stretches, not one bridging the gap', () => {
  const c = lineChartSvg({ title: 't', xLabel: 'step', series: [{ label: 'loss', x: [1, 2, 3, 4], y: [1, 0.8, null, 0.5] }] });
  const d = /<path d="([^"]*)"/.exec(c.svg)![1];
  assert.equal((d.match(/M/g) ?? []).length, 2);
  assert.equal((d.match(/L/g) ?? []).length, 1);
  assert.equal(c.points, 3);
});

test('a fixed y range (accuracy 0..1) is the axis itself, whatever the data', () => {
  const c = lineChartSvg({ title: 't', xLabel: 'epoch', yRange: [0, 1], series: [{ label: 'accuracy', x: [1, 2], y: [0.61, 0.64] }] });
  assert.deepEqual(c.layout.yDomain, [0, 1]);
});

function longRun(steps: number): MetricsEntry[] {
  const entries: MetricsEntry[] = [];
  for (let s = 1; s <= steps; s++) {
    // A spike every 10 000 steps: min-max downsampling must keep it.
    const loss = s % 10_000 === 5_000 ? 9 : 2 * Math.exp(-s / 20_000) + 0.1 * Math.sin(s);
    entries.push({ type: 'train', step: s, epoch: s / 1000, loss, lr: 2e-5 * (1 - s / steps), samplesPerSecond: 100, tokensPerSecond: 1000 });
    if (s % 1000 === 0) entries.push({ type: 'eval', step: s, epoch: s / 1000, metrics: { loss: loss + 0.05, accuracy: Math.min(0.99, 0.5 + s / 200_000) } });
  }
  return entries;
}

test('a 100k-step run: every chart is bounded by the downsampling (SVG size, points), keeps the loss spikes, renders fast', async () => {
  const metrics = new RunMetrics();
  metrics.add(longRun(100_000));
  const charts = reportCharts(metrics, 'classification');
  const loss = charts.find((c) => c.file === 'loss.png')!.chart;
  const trainPath = /<path d="([^"]*)"[^>]*data-series="train loss"/.exec(loss.svg)![1];
  const trainPoints = (trainPath.match(/[ML]/g) ?? []).length;
  assert.ok(trainPoints <= REPORT_MAX_POINTS, `${trainPoints} train points drawn`);
  // The spikes (loss 9) survive: the y axis reaches them.
  assert.ok(loss.layout.yDomain[1] >= 9);
  for (const c of charts) assert.ok(c.chart.svg.length < 120_000, `${c.file}: ${c.chart.svg.length} bytes of SVG`);
  const started = Date.now();
  const png = await sharp(Buffer.from(loss.svg)).png().toBuffer();
  assert.ok(Date.now() - started < 10_000);
  assert.equal((await sharp(png).metadata()).width, loss.layout.width);
});

test('a 100k-step run folder gets a whole report; its per-epoch table is capped, first, selected and last kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-report-long-'));
  const now = new Date().toISOString();
  const entries = longRun(100_000);
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const run = {
    id: 'long', status: 'completed', createdAt: now, updatedAt: now, totalSteps: 100_000, step: 100_000,
    config: { model: '/m/tiny', data: '/d/train.csv', strategy: 'full', runsRoot: '/r', settings: { epochs: 100 } },
    model: { path: '/m/tiny', modelType: 'bert' },
    dataset: { path: '/d/train.csv', fingerprint: 'sha256:0', labels: ['a', 'b'], trainRows: 1000, evalRows: 100 },
    versions: {}, device: { executionProvider: 'cpu', reason: 'test' },
    bestMetric: { name: 'accuracy', value: 0.9, step: 80_000 },
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
  const written = await writeRunReport(dir);
  assert.equal(written.outDir, path.join(dir, 'report'));
  const md = fs.readFileSync(written.markdown, 'utf8');
  assert.match(md, new RegExp(`${MAX_EVAL_ROWS} of 100 evaluations`));
  for (const step of [1000, 80_000, 100_000]) assert.match(md, new RegExp(`\\| ${step} \\|`), `step ${step} listed`);
  for (const f of written.images) assert.ok(fs.statSync(f).size < 400_000, `${f}: ${fs.statSync(f).size} bytes`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('evalRowsShown keeps all evaluations that fit, and never more than the cap', () => {
  const evals = Array.from({ length: 7 }, (_, i): EvalEntry => ({ type: 'eval', step: i * 10, epoch: i, metrics: {} }));
  assert.equal(evalRowsShown(evals, undefined).length, 7);
  const many = Array.from({ length: 500 }, (_, i): EvalEntry => ({ type: 'eval', step: i, epoch: i, metrics: {} }));
  const shown = evalRowsShown(many, 333, 10);
  assert.equal(shown.length, 10);
  assert.deepEqual([shown[0].step, shown.at(-1)!.step], [0, 499]);
  assert.ok(shown.some((e) => e.step === 333));
});

test('confusion summary: diagonal share, the largest confusions first with their share of the true class', () => {
  const md = toMarkdown(confusionBlocks([[8, 2, 0], [5, 5, 0], [0, 1, 9]], ['neg', 'neu', 'pos']));
  assert.match(md, /22 of 30 predictions on the diagonal \(73\.3%\)/);
  const lines = md.split('\n').filter((l) => l.startsWith('- '));
  assert.deepEqual(lines, ['- true neu → predicted neg: 5 (50.0% of neu)', '- true neg → predicted neu: 2 (20.0% of neg)', '- true pos → predicted neu: 1 (10.0% of pos)']);
});

test('Markdown: pipes in cells and emphasis characters in text are escaped, backticks survive in code', () => {
  assert.equal(markdownTable(['a|b', 'n'], [['x | y', '1']], ['left', 'right']), '| a\\|b | n |\n| --- | ---: |\n| x \\| y | 1 |');
  const md = toMarkdown([{ kind: 'paragraph', parts: ['a *b* [c]', { code: 'x`y' }] }]);
  assert.equal(md, 'a \\*b\\* \\[c\\]``x`y``\n');
});

test('HTML: text is escaped, images are data: URIs, a missing image is an error', () => {
  const html = toHtml([{ kind: 'paragraph', parts: ['<script>'] }, { kind: 'image', alt: 'Loss', file: 'loss.png' }], 'T', new Map([['loss.png', new Uint8Array([1, 2, 3])]]));
  assert.ok(html.includes('&lt;script&gt;'));
  assert.ok(html.includes('src="data:image/png;base64,AQID"'));
  assert.throws(() => toHtml([{ kind: 'image', alt: 'x', file: 'x.png' }], 'T', new Map()), /no image bytes for x\.png/);
});
