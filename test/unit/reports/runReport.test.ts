// The run report end to end: a real run trained by the CLI, reported by `finetune-studio report`, and the report read
// back as a reader would: its tables parsed and compared with metrics.jsonl and run.json, its PNG charts decoded with
// sharp and sampled where the data says the curves must pass.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { reportCharts } from '../../../src/reports/reportCharts';
import { parseMetricsText } from '../../../src/webview/metricsEntries';
import { RunMetrics } from '../../../src/webview/runMetrics';
import type { EvalEntry, LrGroupsEntry, SummaryEntry, TestEntry, TrainEntry } from '../../../src/training/protocol';
import type { RunRecord } from '../../../src/training/runStore';
import type { ChartLayout } from '../../../src/reports/chartSvg';
import { cli, metricsLines, near, records, removeTemporaries, tableAfter, tempDir, trainRun } from './reportFixture';

let full: string;
let layered: string;

before(() => {
  full = trainRun('full');
  layered = trainRun('discriminative-lr');
});
after(removeTemporaries);

const readRecord = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
const ofType = <T>(dir: string, type: string) => metricsLines(dir).filter((l) => l.type === type) as unknown as T[];

function report(dir: string, out = tempDir('fts-report-out-')): { out: string; md: string } {
  const r = cli(['report', '--run', dir, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const written = JSON.parse(r.stdout) as { markdown: string; html: string; images: string[] };
  assert.equal(written.markdown, path.join(out, 'report.md'));
  return { out, md: fs.readFileSync(written.markdown, 'utf8') };
}

/** The chart geometry the report drew with: the same series from the same file. */
function layoutOf(dir: string, file: string): ChartLayout & { colors: string[]; svg: string } {
  const { entries } = parseMetricsText(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl');
  const m = new RunMetrics();
  m.add(entries);
  const chart = reportCharts(m, 'classification').find((c) => c.file === file);
  assert.ok(chart, `a chart ${file}`);
  return { ...chart.chart.layout, colors: chart.chart.colors, svg: chart.chart.svg };
}

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

/** Whether a pixel within ±r of (x, y) has `color` (antialiasing leaves the stroke's centre solid). */
async function colorNear(png: string, x: number, y: number, color: string, r = 2): Promise<boolean> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const want = hex(color);
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const px = Math.round(x) + dx;
      const py = Math.round(y) + dy;
      if (px < 0 || py < 0 || px >= info.width || py >= info.height) continue;
      const o = (py * info.width + px) * info.channels;
      if (want.every((v, k) => Math.abs(data[o + k] - v) <= 24)) return true;
    }
  }
  return false;
}

/** Where value (x, y) lands in a PNG drawn at `scale` pixels per unit, computed from the axis domains alone. */
function pixelOf(l: ChartLayout, x: number, y: number, scale = 2): [number, number] {
  const { plot, xDomain, yDomain } = l;
  return [(plot.left + ((x - xDomain[0]) / (xDomain[1] - xDomain[0])) * plot.width) * scale, (plot.top + ((yDomain[1] - y) / (yDomain[1] - yDomain[0])) * plot.height) * scale];
}

test('report.md says the numbers metrics.jsonl and run.json hold: results, test split, evaluations, per class, confusion', () => {
  const { md } = report(full);
  const run = readRecord(full);
  const evals = ofType<EvalEntry>(full, 'eval');
  const [summary] = ofType<SummaryEntry>(full, 'summary');
  const [testEntry] = ofType<TestEntry>(full, 'test');
  assert.ok(evals.length >= 3 && summary?.finalMetrics && testEntry, 'the fixture run evaluated, summarised and tested');

  assert.match(md, /^# Run report: tiny-bert · full$/m);
  assert.match(md, /\*\*State:\*\* completed \(30\/30 steps\)/);
  const setup = Object.fromEntries(tableAfter(md, 'Setup').rows);
  assert.equal(setup.Steps, `${run.step} of ${run.totalSteps}`);
  assert.equal(setup.Dataset, path.basename(run.dataset.path), 'the file name, not this machine\'s path');
  assert.equal(setup.Model, `${path.basename(run.model.path)} (${run.model.modelType}, local folder)`);
  assert.equal(setup['Data fingerprint'], run.dataset.fingerprint);
  assert.match(md, new RegExp(`\\*\\*${run.bestMetric!.name} ${run.bestMetric!.value.toFixed(4)}\\*\\* at step ${run.bestMetric!.step}`));
  // Settings that differ from the defaults are listed with their values.
  const settings = Object.fromEntries(tableAfter(md, 'Settings').rows);
  assert.equal(settings.maxSteps, '30');
  assert.equal(settings.evalEvery, '10');

  const results = records(tableAfter(md, 'Results'));
  assert.deepEqual(results.map((r) => r.Metric).sort(), Object.keys(summary.finalMetrics!).sort());
  const selected = evals.find((e) => e.step === run.bestMetric!.step)!;
  for (const r of results) {
    near(r.Final, summary.finalMetrics![r.Metric], `final ${r.Metric}`);
    near(r.Test, testEntry.metrics[r.Metric], `test ${r.Metric}`);
    near(r.Selected, selected.metrics[r.Metric], `selected ${r.Metric}`);
    const values = evals.map((e) => e.metrics[r.Metric]);
    const best = r.Metric === 'loss' ? Math.min(...values) : Math.max(...values);
    near(r.Best, best, `best ${r.Metric}`);
    assert.match(r.Best, new RegExp(`\\(step ${evals.find((e) => e.metrics[r.Metric] === best)!.step}\\)$`));
  }
  assert.match(md, new RegExp(`weights of step ${testEntry.step}, ${testEntry.examples} examples`));

  const perEpoch = records(tableAfter(md, 'Evaluations'));
  assert.deepEqual(perEpoch.map((r) => Number(r.Step)), evals.map((e) => e.step));
  perEpoch.forEach((r, i) => {
    for (const [k, v] of Object.entries(evals[i].metrics)) near(r[k], v, `eval step ${evals[i].step} ${k}`);
    assert.equal(r.Note, evals[i].step === run.bestMetric!.step ? 'selected' : '');
  });

  const perClass = records(tableAfter(md, 'Per class — selected checkpoint'));
  assert.deepEqual(perClass.map((r) => r.Label), selected.perClass!.map((p) => p.label));
  perClass.forEach((r, i) => {
    const p = selected.perClass![i];
    near(r.Precision, p.precision, `${p.label} precision`);
    near(r.Recall, p.recall, `${p.label} recall`);
    near(r.F1, p.f1, `${p.label} f1`);
    assert.equal(Number(r.Support), p.support);
    assert.equal(Number(r.Predicted), p.predicted);
  });
  const matrix = tableAfter(md, 'Confusion — selected checkpoint');
  assert.deepEqual(matrix.header.slice(1), run.dataset.labels);
  assert.deepEqual(matrix.rows.map((r) => r.slice(1).map(Number)), selected.confusion);
  const diagonal = selected.confusion!.reduce((a, row, i) => a + row[i], 0);
  const total = selected.confusion!.flat().reduce((a, b) => a + b, 0);
  assert.match(md, new RegExp(`${diagonal} of ${total} predictions on the diagonal`));

  const testClasses = records(tableAfter(md, 'Per class — test split'));
  testClasses.forEach((r, i) => near(r.F1, testEntry.perClass![i].f1, `test ${r.Label} f1`));
  assert.match(md, /!\[Loss\]\(loss\.png\)/);
  assert.match(md, /!\[Learning rate\]\(learning-rate\.png\)/);
  assert.match(md, /!\[Evaluation metrics\]\(eval-metrics\.png\)/);
});

test('loss.png: its size, and the train loss curve starts and ends at the pixels its first and last logged losses map to', async () => {
  const { out } = report(full);
  const png = path.join(out, 'loss.png');
  const meta = await sharp(png).metadata();
  const l = layoutOf(full, 'loss.png');
  assert.deepEqual([meta.width, meta.height], [l.width * 2, l.height * 2]);
  const train = ofType<TrainEntry>(full, 'train');
  const all = train.map((t) => t.loss);
  assert.ok(l.yDomain[0] <= Math.min(...all) && Math.max(...all) <= l.yDomain[1], `y axis ${l.yDomain} covers the losses`);
  const blue = l.colors[0];
  for (const t of [train[0], train.at(-1)!]) {
    const [x, y] = pixelOf(l, t.step, t.loss);
    assert.ok(await colorNear(png, x, y, blue), `train loss ${t.loss} at step ${t.step} is drawn at (${x.toFixed(0)}, ${y.toFixed(0)})`);
    // Same column, far from the point: no curve there (the test would pass for a PNG painted all blue otherwise).
    const far = y > (l.plot.top + l.plot.height / 2) * 2 ? (l.plot.top + 6) * 2 : (l.plot.top + l.plot.height - 6) * 2;
    assert.ok(!(await colorNear(png, x, far, blue, 1)), `no train loss curve at row ${far} of column ${x.toFixed(0)}`);
  }
  // The eval loss is dotted at its evaluations.
  const evals = ofType<EvalEntry>(full, 'eval');
  const e = evals[0];
  const [ex, ey] = pixelOf(l, e.step, e.metrics.loss);
  assert.ok(await colorNear(png, ex, ey + 5, l.colors[1], 3), `eval loss dot at step ${e.step}`);
});

test('a run with layer groups: one LR curve per group, named in a legend, each at its multiple of the scheduled rate', async () => {
  const { out, md } = report(layered);
  const [groups] = ofType<LrGroupsEntry>(layered, 'lrGroups');
  const names = Object.keys(groups.groups);
  assert.ok(names.length >= 3, `groups ${names}`);
  const l = layoutOf(layered, 'learning-rate.png');
  const legend = [...l.svg.matchAll(/<text class="legend"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(legend, names, 'legend names every group, bottom of the model first');
  assert.equal((l.svg.match(/<path [^>]*data-series=/g) ?? []).length, names.length);
  assert.match(md, /!\[Learning rate per layer group\]\(learning-rate\.png\)/);
  // At the warmup's peak the groups' rates differ most: each curve passes at lr × its multiplier, in its own colour.
  const train = ofType<TrainEntry>(layered, 'train');
  const peak = train.reduce((a, b) => (b.lr > a.lr ? b : a));
  const png = path.join(out, 'learning-rate.png');
  for (const [i, name] of names.entries()) {
    const [x, y] = pixelOf(l, peak.step, peak.lr * groups.groups[name]);
    assert.ok(await colorNear(png, x, y, l.colors[i]), `${name} at lr ${peak.lr * groups.groups[name]} (step ${peak.step})`);
  }
});

function copyRun(dir: string, edit: (r: RunRecord) => void): string {
  const copy = tempDir('fts-report-copy-');
  for (const f of ['run.json', 'metrics.jsonl']) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
  const r = readRecord(copy);
  edit(r);
  fs.writeFileSync(path.join(copy, 'run.json'), JSON.stringify(r));
  return copy;
}

test('an interrupted run (run.json "running", no trainer left) is reported as interrupted, with the resume command', () => {
  const dir = copyRun(full, (r) => {
    r.status = 'running';
    r.step = 20;
    r.updatedAt = new Date(Date.now() - 3_600_000).toISOString();
  });
  const { md } = report(dir);
  assert.match(md, /\*\*State: INTERRUPTED\*\* — interrupted at step 20\/30/);
  assert.match(md, /did not finish/);
  assert.ok(md.includes(`finetune-studio train --resume ${dir}`));
  assert.doesNotMatch(md, /State:\*\* completed/);
});

test('a failed run says it failed, where, and why', () => {
  const dir = copyRun(full, (r) => {
    r.status = 'failed';
    r.error = 'loss is NaN at step 12';
    r.errorStep = 12;
  });
  const { md } = report(dir);
  assert.match(md, /\*\*State: FAILED\*\* — failed at step 12\/30: loss is NaN at step 12/);
  assert.match(md, /## Error\n\n`loss is NaN at step 12`/);
});

test('report.html is one self-contained file: every chart inlined as a PNG data: URI, no other resource', () => {
  const { out } = report(full);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  const srcs = [...html.matchAll(/src="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(srcs.length, 3);
  for (const [i, file] of ['loss.png', 'learning-rate.png', 'eval-metrics.png'].entries()) {
    assert.ok(srcs[i].startsWith('data:image/png;base64,'));
    assert.deepEqual(Buffer.from(srcs[i].slice('data:image/png;base64,'.length), 'base64'), fs.readFileSync(path.join(out, file)), `${file} inlined byte for byte`);
  }
  assert.doesNotMatch(html, /href=|<link|<script/);
});

test('report without --run, or on a folder that is not a run, says what to pass', () => {
  const none = cli(['report']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /report needs --run RUN_DIR/);
  const empty = tempDir('fts-report-empty-');
  const bad = cli(['report', '--run', empty]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /is not a run folder: it has no run\.json/);
});

test('token classification and question answering: the report speaks each task\'s figures', () => {
  const ner = trainRun('full', ['maxSteps=20', 'stride=8'], 'data/ner/train.conll');
  const { md } = report(ner);
  const [last] = ofType<EvalEntry>(ner, 'eval').slice(-1);
  assert.ok(last.confusionLabels?.length, 'the NER run names its confusion axes');
  const types = records(tableAfter(md, 'Per entity type — selected checkpoint'));
  assert.deepEqual(types.map((r) => r['Entity type']), last.perClass!.map((p) => p.label));
  assert.ok(types.every((r) => r['Support (entities)'] !== undefined));
  assert.deepEqual(tableAfter(md, 'Confusion — selected checkpoint').header.slice(1), last.confusionLabels);

  const qa = trainRun('full', ['maxSteps=20', 'maxLength=64'], 'data/qa/squad_train.json');
  const qaReport = report(qa);
  assert.match(qaReport.md, /No per-class figures for question answering/);
  assert.doesNotMatch(qaReport.md, /^## Per class/m);
  const evals = records(tableAfter(qaReport.md, 'Evaluations'));
  ofType<EvalEntry>(qa, 'eval').forEach((e, i) => near(evals[i].f1, e.metrics.f1, `QA f1 at step ${e.step}`));
  // SQuAD's scores are percentages: the eval chart's axis is 0..100, as the dashboard's.
  const { entries } = parseMetricsText(fs.readFileSync(path.join(qa, 'metrics.jsonl'), 'utf8'), 'metrics.jsonl');
  const m = new RunMetrics();
  m.add(entries);
  assert.deepEqual(reportCharts(m, 'question-answering').find((c) => c.file === 'eval-metrics.png')!.chart.layout.yDomain, [0, 100]);
});
