// What a run report says, from the run folder's own records: run.json (setup, state, best checkpoint, test split) and
// metrics.jsonl (evaluations, per-class figures, confusion, summary, warnings). Pure: the caller reads the files and
// the run's true state (runStatus.ts), so a report never calls an interrupted or failed run "running" or "done".
import * as path from 'node:path';
import type { EvalEntry, MetricsEntry, PerClassRow, RunTask, TestEntry } from '../training/protocol';
import { canResume, describeRunState, resumeCommand, type RunStateInfo } from '../training/runStatus';
import { DEFAULT_ARGS } from '../training/hyperparameters';
import type { RunRecord } from '../training/runStore';
import { describeSplitRoles } from '../training/splitRoles';
import { runStrategyLabel } from '../views/runStrategyLabel';
import { bestOver, selectedEval } from '../webview/comparisonTable';
import { classFlag } from '../webview/perClassFlags';
import { RunMetrics } from '../webview/runMetrics';
import { confusionAxis, evalChartSpec, perClassLayout, runTaskOf } from '../webview/taskView';
import type { Block, Inline } from './reportDocument';

export interface ReportInput {
  dir: string;
  run: RunRecord;
  entries: readonly MetricsEntry[];
  /** Lines of metrics.jsonl that could not be read (file:line: why). */
  problems?: readonly string[];
  state: RunStateInfo;
  /** The chart images written beside the report, in order. */
  charts: readonly { file: string; alt: string }[];
  /** When the report was made (its footer); the caller's clock, so tests can fix it. */
  generatedAt?: string;
}

/** The per-epoch table keeps this many evaluations at most; a long run evaluated every few steps would bury the rest. */
export const MAX_EVAL_ROWS = 40;
/** The full confusion matrix is printed up to this many classes; beyond, only its largest confusions. */
export const MAX_MATRIX_CLASSES = 12;
const TOP_CONFUSIONS = 5;
const MAX_WARNINGS = 20;

/** Metric values: four decimals (what the dashboard shows); a diverged value reads as what it is. */
export const formatMetric = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isFinite(v) ? v.toFixed(4) : String(v));

const formatEpoch = (e: number): string => (!Number.isFinite(e) ? '—' : Number.isInteger(e) ? String(e) : e.toFixed(2));

const formatBytes = (n: number): string => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

const formatSeconds = (s: number): string => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);

const settingValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The metrics named in `entries`, the task's charted ones first (as the dashboard orders them), then loss, then the rest. */
export function metricOrder(task: RunTask, metrics: readonly Record<string, number>[]): string[] {
  const present = new Set(metrics.flatMap((m) => Object.keys(m)));
  const first = [...evalChartSpec(task).metrics, 'loss'].filter((m) => present.has(m));
  return [...first, ...[...present].filter((m) => !first.includes(m)).sort()];
}

/** The run's one-line state, as every view says it, with how to go on when the run stopped short. */
function stateBlocks(state: RunStateInfo, dir: string, run: RunRecord, stopReason: string | undefined): Block[] {
  const text = describeRunState(state);
  const blocks: Block[] = [];
  if (state.state === 'completed') {
    blocks.push({ kind: 'paragraph', parts: [{ bold: 'State:' }, ` ${text}${stopReason === 'early-stopped' ? ', stopped early (no improvement)' : ''}.`] });
  } else {
    // The state leads, in bold, so a snapshot of an unfinished run is not pasted as a result.
    const what = state.state === 'running' || state.state === 'paused' ? 'still in progress: the figures below are a snapshot and will change' : 'did not finish: the figures below are from the steps it reached';
    blocks.push({ kind: 'paragraph', parts: [{ bold: `State: ${state.state.toUpperCase()}` }, ` — ${text}. This run is ${what}.`] });
    if (canResume(state.state)) blocks.push({ kind: 'paragraph', parts: ['Resume with ', { code: resumeCommand(dir) }, '.'] });
  }
  const past = run.interruptions ?? [];
  if (past.length) {
    blocks.push({ kind: 'paragraph', parts: [`Interrupted ${past.length} time(s) before and resumed from its last checkpoint (stopped at step${past.length > 1 ? 's' : ''} ${past.map((i) => i.step).join(', ')}).`] });
  }
  return blocks;
}

function setupTable(run: RunRecord, task: RunTask): Block {
  const rows: string[][] = [];
  const model = run.model ?? { path: run.config?.model ?? '?', modelType: '?' };
  rows.push(['Task', task]);
  // Names, not this machine's paths: the report is pasted into PRs and issues (the card does the same).
  const modelName = model.hubId ? `${model.hubId}${model.revision ? `@${model.revision}` : ''}` : path.basename(model.path);
  rows.push(['Model', `${modelName} (${model.modelType}${model.hubId ? '' : ', local folder'})`]);
  const ds = run.dataset;
  if (ds) {
    rows.push(['Dataset', path.basename(ds.path)]);
    rows.push(['Splits', ds.splits ? describeSplitRoles(ds.splits) : `${ds.trainRows} train · ${ds.evalRows} eval`]);
    if (ds.labels?.length) rows.push(['Labels', `${ds.labels.length}: ${ds.labels.slice(0, 30).join(', ')}${ds.labels.length > 30 ? ', …' : ''}`]);
    rows.push(['Data fingerprint', ds.fingerprint]);
  }
  rows.push(['Strategy', runStrategyLabel(String(run.config?.strategy ?? '?'), run.config?.settings, run.lora)]);
  if (run.lora) rows.push(['LoRA', `${run.lora.adaptedModules} adapted modules · targets ${settingValue(run.lora.targetModules)} · scaling ${run.lora.scaling}${run.lora.modulesToSave.length ? ` · saved ${run.lora.modulesToSave.join(', ')}` : ''}`]);
  if (run.classWeights) rows.push(['Class weights', `${run.classWeights.source} (${Object.entries(run.classWeights.byLabel).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')})`]);
  rows.push(['Steps', `${run.step ?? 0} of ${run.totalSteps ?? '?'}`]);
  if (run.device) rows.push(['Device', `${run.device.executionProvider} (${run.device.reason})${run.device.threads ? ` · ${run.device.threads} thread${run.device.threads === 1 ? '' : 's'}` : ''}`]);
  if (run.versions) rows.push(['Versions', Object.entries(run.versions).map(([k, v]) => `${k} ${v}`).join(' · ')]);
  return { kind: 'table', header: ['Item', 'Value'], rows };
}

/**
 * The resolved settings: those that differ from the trainer's defaults in a table (what a reader compares runs by),
 * the rest in one line, so a reviewer sees what was chosen without reading forty defaults.
 */
function settingsBlocks(run: RunRecord): Block[] {
  const settings = Object.entries(run.config?.settings ?? {}).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
  if (!settings.length) return [];
  const defaults = DEFAULT_ARGS as unknown as Record<string, unknown>;
  const isDefault = ([k, v]: [string, unknown]) => k in defaults && JSON.stringify(defaults[k]) === JSON.stringify(v);
  const changed = settings.filter((e) => !isDefault(e));
  const blocks: Block[] = [{ kind: 'heading', level: 3, text: 'Settings' }];
  blocks.push(changed.length ? { kind: 'table', header: ['Setting', 'Value'], rows: changed.map(([k, v]) => [k, settingValue(v)]) } : { kind: 'paragraph', parts: ['Every setting is at its default.'] });
  const rest = settings.filter(isDefault);
  if (rest.length) blocks.push({ kind: 'paragraph', parts: ['At their defaults: ', ...rest.flatMap(([k, v], i): Inline[] => [...(i ? [', '] : []), { code: `${k}=${settingValue(v)}` }])] });
  return blocks;
}

/** Metric | Final | Best (step) | Selected checkpoint | Test: the numbers a PR description quotes. */
function resultsBlocks(run: RunRecord, evals: readonly EvalEntry[], final: Record<string, number> | undefined, finalFrom: string, test: TestEntry | undefined, task: RunTask): Block[] {
  const blocks: Block[] = [];
  const selected = selectedEval(run, evals);
  if (run.bestMetric) {
    const at = evals.find((e) => e.step === run.bestMetric?.step);
    blocks.push({ kind: 'paragraph', parts: ['Best checkpoint (kept and exported): ', { bold: `${run.bestMetric.name} ${formatMetric(run.bestMetric.value)}` }, ` at step ${run.bestMetric.step}${at ? `, epoch ${formatEpoch(at.epoch)}` : ''}.`] });
  } else {
    blocks.push({ kind: 'paragraph', parts: ['No best checkpoint recorded yet (run.json names none).'] });
  }
  const names = metricOrder(task, [...evals.map((e) => e.metrics), final ?? {}, test?.metrics ?? {}]);
  if (!names.length) {
    blocks.push({ kind: 'paragraph', parts: ['No evaluation was logged.'] });
    return blocks;
  }
  const bestStep = (m: string, v: number | null) => (v === null ? undefined : evals.find((e) => e.metrics[m] === v)?.step);
  const rows = names.map((m) => {
    const best = bestOver(evals, m);
    const step = bestStep(m, best);
    return [m, formatMetric(final?.[m]), best === null ? '—' : `${formatMetric(best)} (step ${step})`, formatMetric(selected?.metrics[m]), formatMetric(test?.metrics[m])];
  });
  blocks.push({ kind: 'paragraph', parts: [`Final: ${finalFrom}. Best: the best value each metric reached over all evaluations (the lowest for a loss). Selected: the evaluation of the kept checkpoint${selected ? ` (step ${selected.step})` : ''}. Test: the test split, evaluated once after training, never used for selection.`] });
  blocks.push({ kind: 'table', header: ['Metric', 'Final', 'Best', 'Selected', 'Test'], align: ['left', 'right', 'right', 'right', 'right'], rows });
  return blocks;
}

function testBlocks(test: TestEntry | undefined, run: RunRecord): Block[] {
  if (!test) return [{ kind: 'paragraph', parts: [run.dataset?.splits?.test.rows ? 'The test split has not been evaluated (it is, once, when the run ends).' : 'The data has no test split.'] }];
  return [{ kind: 'paragraph', parts: [`Evaluated once after training on the weights of step ${test.step}, ${formatEpoch(test.examples)} examples; never used to select a checkpoint.`] }];
}

/** Evaluations to list: all when they fit, else evenly spread ones plus the first, the selected and the last. */
export function evalRowsShown(evals: readonly EvalEntry[], keepStep: number | undefined, max = MAX_EVAL_ROWS): EvalEntry[] {
  if (evals.length <= max) return [...evals];
  const keep = new Set<number>([0, evals.length - 1]);
  const sel = evals.findIndex((e) => e.step === keepStep);
  if (sel >= 0) keep.add(sel);
  for (let k = 0; keep.size < max && k < max; k++) keep.add(Math.round((k * (evals.length - 1)) / (max - 1)));
  return [...keep].sort((a, b) => a - b).map((i) => evals[i]);
}

function evalTable(evals: readonly EvalEntry[], task: RunTask, selectedStep: number | undefined): Block[] {
  if (!evals.length) return [{ kind: 'paragraph', parts: ['No evaluation was logged yet.'] }];
  const names = metricOrder(task, evals.map((e) => e.metrics));
  const shown = evalRowsShown(evals, selectedStep);
  const blocks: Block[] = [];
  if (shown.length < evals.length) blocks.push({ kind: 'paragraph', parts: [`${shown.length} of ${evals.length} evaluations, evenly spread (the first, the selected and the last included); metrics.jsonl has them all.`] });
  blocks.push({
    kind: 'table',
    header: ['Epoch', 'Step', ...names, 'Note'],
    align: ['right', 'right', ...names.map(() => 'right' as const), 'left'],
    rows: shown.map((e) => [formatEpoch(e.epoch), String(e.step), ...names.map((m) => formatMetric(e.metrics[m])), e.step === selectedStep ? 'selected' : '']),
  });
  return blocks;
}

function perClassTable(rows: readonly PerClassRow[], labelTitle: string, supportTitle: string, predictedTitle: string): Block {
  const withPredicted = rows.some((r) => r.predicted !== undefined);
  return {
    kind: 'table',
    header: [labelTitle, 'Precision', 'Recall', 'F1', supportTitle, ...(withPredicted ? [predictedTitle] : []), 'Note'],
    align: ['left', 'right', 'right', 'right', 'right', ...(withPredicted ? ['right' as const] : []), 'left'],
    rows: rows.map((r) => {
      const flag = classFlag(r);
      return [r.label, formatMetric(r.precision), formatMetric(r.recall), formatMetric(r.f1), String(r.support), ...(withPredicted ? [r.predicted === undefined ? '—' : String(r.predicted)] : []), flag === 'never-predicted' ? 'never predicted' : flag === 'recall-zero' ? 'recall 0' : ''];
    }),
  };
}

/** Correct share and the largest off-diagonal cells ("true A → predicted B"), or the whole matrix when it is small. */
export function confusionBlocks(matrix: readonly (readonly number[])[], names: readonly string[]): Block[] {
  const n = matrix.length;
  const name = (i: number) => names[i] ?? `#${i}`;
  let total = 0;
  let correct = 0;
  const off: { t: number; p: number; count: number; of: number }[] = [];
  matrix.forEach((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    row.forEach((c, p) => {
      total += c;
      if (t === p) correct += c;
      else if (c > 0) off.push({ t, p, count: c, of: rowTotal });
    });
  });
  off.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  const blocks: Block[] = [{ kind: 'paragraph', parts: [`${correct} of ${total} predictions on the diagonal (${total ? ((100 * correct) / total).toFixed(1) : '0.0'}%); rows are the true ${n > 0 ? 'classes' : 'class'}, columns the predicted.`] }];
  if (off.length) {
    blocks.push({ kind: 'list', items: off.slice(0, TOP_CONFUSIONS).map((o) => [`true ${name(o.t)} → predicted ${name(o.p)}: ${o.count} (${((100 * o.count) / o.of).toFixed(1)}% of ${name(o.t)})`]) });
  } else {
    blocks.push({ kind: 'paragraph', parts: ['No confusions: every prediction is correct.'] });
  }
  if (n <= MAX_MATRIX_CLASSES) {
    blocks.push({ kind: 'table', header: ['true ↓ · predicted →', ...matrix.map((_, i) => name(i))], align: ['left', ...matrix.map(() => 'right' as const)], rows: matrix.map((row, t) => [name(t), ...row.map(String)]) });
  }
  return blocks;
}

function classBlocks(source: { perClass?: PerClassRow[]; confusion?: number[][]; confusionLabels?: string[] }, what: string, task: RunTask, run: RunRecord): Block[] {
  const layout = perClassLayout(task);
  if (layout.kind === 'none') return [];
  const blocks: Block[] = [];
  if (source.perClass?.length) {
    blocks.push({ kind: 'heading', level: 3, text: `${layout.title} — ${what}` });
    blocks.push(perClassTable(source.perClass, layout.labelTitle, layout.supportTitle, layout.predictedTitle));
  }
  if (source.confusion?.length) {
    blocks.push({ kind: 'heading', level: 3, text: `Confusion — ${what}` });
    blocks.push(...confusionBlocks(source.confusion, confusionAxis(source, run.dataset?.labels)));
  }
  return blocks;
}

function trainingBlocks(metrics: RunMetrics): Block[] {
  const s = metrics.summaryEntry;
  const last = metrics.lastTrainEntry;
  const rows: string[][] = [];
  if (last) rows.push(['Last logged step', `${last.step} (epoch ${formatEpoch(last.epoch)}, loss ${formatMetric(last.loss)})`]);
  if (s?.trainSeconds !== undefined) rows.push(['Training time', formatSeconds(s.trainSeconds)]);
  if (s?.samplesPerSecond !== undefined) rows.push(['Throughput', `${s.samplesPerSecond.toFixed(1)} samples/s`]);
  if (s?.inferenceMsPerExample !== undefined) rows.push(['Inference', `${s.inferenceMsPerExample.toFixed(2)} ms/example`]);
  if (s?.trainableParams !== undefined) rows.push(['Trainable parameters', `${s.trainableParams.toLocaleString('en-US')}${s.totalParams ? ` of ${s.totalParams.toLocaleString('en-US')} (${((100 * s.trainableParams) / s.totalParams).toFixed(2)}%)` : ''}`]);
  if (s?.modelBytes !== undefined) rows.push(['Exported model', formatBytes(s.modelBytes)]);
  if (s?.adapterBytes !== undefined) rows.push(['LoRA adapter', formatBytes(s.adapterBytes)]);
  if (s?.diskBytes !== undefined) rows.push(['Run folder', formatBytes(s.diskBytes)]);
  if (s?.stopReason) rows.push(['Stop reason', s.stopReason]);
  if (!s) rows.push(['Summary', 'not written yet (a run writes it when its loop ends)']);
  return [{ kind: 'table', header: ['Figure', 'Value'], rows }];
}

export function runReportBlocks(input: ReportInput): Block[] {
  const { run, state, dir } = input;
  const metrics = new RunMetrics();
  metrics.add(input.entries);
  const task = runTaskOf(run);
  const evals = metrics.evalEntries;
  const summary = metrics.summaryEntry;
  const test = metrics.testEntry ?? (run.test ? { type: 'test' as const, ...run.test } : undefined);
  const selected = selectedEval(run, evals);
  const modelName = run.model?.hubId ?? path.basename(run.model?.path ?? run.config?.model ?? '?');
  const blocks: Block[] = [];

  blocks.push({ kind: 'heading', level: 1, text: `Run report: ${modelName} · ${runStrategyLabel(String(run.config?.strategy ?? '?'), run.config?.settings, run.lora)}` });
  blocks.push({ kind: 'paragraph', parts: ['Run ', { code: run.id ?? path.basename(dir) }, ` · started ${run.createdAt ?? '?'} · last written ${run.updatedAt ?? '?'}`] });
  blocks.push(...stateBlocks(state, dir, run, summary?.stopReason));

  blocks.push({ kind: 'heading', level: 2, text: 'Setup' }, setupTable(run, task));
  blocks.push(...settingsBlocks(run));

  blocks.push({ kind: 'heading', level: 2, text: 'Results' });
  const lastEval = evals.at(-1);
  const [final, finalFrom] = summary?.finalMetrics
    ? [summary.finalMetrics, 'the metrics the run reported when it ended']
    : [lastEval?.metrics, lastEval ? `the last evaluation (step ${lastEval.step}; the run has written no summary)` : 'none yet'];
  blocks.push(...resultsBlocks(run, evals, final, finalFrom, test, task));
  blocks.push({ kind: 'heading', level: 3, text: 'Test split' }, ...testBlocks(test, run));
  if (test && Object.keys(test.metrics).length) {
    const names = metricOrder(task, [test.metrics]);
    blocks.push({ kind: 'table', header: ['Metric', 'Test'], align: ['left', 'right'], rows: names.map((m) => [m, formatMetric(test.metrics[m])]) });
  }

  if (input.charts.length) {
    blocks.push({ kind: 'heading', level: 2, text: 'Charts' });
    for (const c of input.charts) blocks.push({ kind: 'image', alt: c.alt, file: c.file });
  }

  blocks.push({ kind: 'heading', level: 2, text: 'Evaluations' }, ...evalTable(evals, task, selected?.step));

  // The kept checkpoint's per-class figures are what the exported model does; without one, the latest evaluation's.
  const classSource = [selected, ...[...evals].reverse()].find((e) => e && (e.perClass?.length || e.confusion?.length));
  const layout = perClassLayout(task);
  if (layout.kind === 'none') {
    blocks.push({ kind: 'paragraph', parts: [layout.reason] });
  } else if (classSource || test?.perClass?.length || test?.confusion?.length) {
    blocks.push({ kind: 'heading', level: 2, text: layout.title });
    if (classSource) blocks.push(...classBlocks(classSource, `${classSource === selected ? 'selected checkpoint' : 'latest evaluation'}, epoch ${formatEpoch(classSource.epoch)}, step ${classSource.step}`, task, run));
    if (test) blocks.push(...classBlocks(test, `test split, step ${test.step}`, task, run));
  }

  blocks.push({ kind: 'heading', level: 2, text: 'Training' }, ...trainingBlocks(metrics));

  if (state.state === 'failed' && state.error) blocks.push({ kind: 'heading', level: 2, text: 'Error' }, { kind: 'paragraph', parts: [{ code: state.error }] });
  const warnings = input.entries.filter((e) => e.type === 'log' && e.level !== 'info');
  if (warnings.length) {
    blocks.push({ kind: 'heading', level: 2, text: 'Warnings' });
    blocks.push({ kind: 'list', items: warnings.slice(-MAX_WARNINGS).map((w) => [w.type === 'log' ? `${w.level}: ${w.message}` : '']) });
  }
  if (input.problems?.length) {
    blocks.push({ kind: 'heading', level: 2, text: 'Unreadable metrics lines' });
    blocks.push({ kind: 'list', items: input.problems.map((p) => [p]) });
  }
  blocks.push({ kind: 'paragraph', parts: [`Generated by Fine-Tune Studio${run.versions?.finetuneStudio ? ` ${run.versions.finetuneStudio}` : ''} from `, { code: dir }, input.generatedAt ? ` at ${input.generatedAt}.` : '.'] });
  return blocks;
}
