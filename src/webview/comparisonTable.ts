// Comparison rows built from each run's run.json and metrics.jsonl, and their CSV / Markdown exports. Pure functions:
// the host reads the files, this decides what the numbers mean.
import { stringify } from 'csv-stringify/sync';
import type { RunConfig } from '../training/protocol';
import type { RunState } from '../training/runStatus';
import type { RunRecord } from '../training/runStore';
import { columnsFor, ComparisonRow, formatCell } from './comparisonColumns';
import { runTaskOf } from './taskView';
import { runStrategyLabel } from '../views/runStrategyLabel';
import type { EvalEntry, MetricsEntry } from '../training/protocol';
import { RunMetrics } from './runMetrics';

export interface RunInput {
  dir: string;
  run: RunRecord;
  entries: MetricsEntry[];
  /** The run's true state (runStatus.ts); run.json's status when not given. */
  state?: RunState;
}

const lastPathPart = (p: string): string => p.split(/[\\/]+/).filter(Boolean).at(-1) ?? p;

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The epochs run.json's resolved settings hold (a run folder from elsewhere may have none). */
const configuredEpochs = (config: RunConfig | undefined): number | null => numberOrNull(config?.settings?.epochs);

/** The evaluation at the checkpoint the run keeps: the step of its best selection metric as run.json names it. */
export function selectedEval(run: RunRecord, evals: readonly EvalEntry[]): EvalEntry | undefined {
  const step = run.bestMetric?.step;
  return step === undefined ? undefined : evals.find((e) => e.step === step);
}

/** The best value of one metric over all evaluations (the highest; the lowest for a loss), or null if never logged. */
export function bestOver(evals: readonly EvalEntry[], metric: string): number | null {
  const lower = /loss/i.test(metric);
  let best: number | null = null;
  for (const e of evals) {
    const v = e.metrics[metric];
    if (Number.isFinite(v) && (best === null || (lower ? v < best : v > best))) best = v;
  }
  return best;
}

/** SQuAD's scores are percentages (the official script's 0..100); the table's metric columns hold ratios. */
const asRatio = (v: number | null, task: string): number | null => (v !== null && task === 'question-answering' ? v / 100 : v);

export function comparisonRow(input: RunInput): ComparisonRow {
  const { run } = input;
  const metrics = new RunMetrics();
  metrics.add(input.entries);
  const summary = metrics.summaryEntry;
  const selected = selectedEval(run, metrics.evalEntries);
  const maxEpoch = Math.max(...metrics.evalEntries.map((e) => e.epoch).filter(Number.isFinite), metrics.lastTrainEntry?.epoch ?? Number.NaN);
  const task = runTaskOf(run);
  // Sequence classifiers report a macro/micro F1 but no plain "f1": the F1 columns are the token tasks' only.
  const f1 = (v: unknown) => (task === 'classification' ? null : asRatio(numberOrNull(v), task));
  const em = (v: unknown) => (task === 'question-answering' ? asRatio(numberOrNull(v), task) : null);
  const sps: number[] = [];
  for (const e of input.entries) if (e.type === 'train' && Number.isFinite(e.samplesPerSecond)) sps.push(e.samplesPerSecond);
  return {
    runId: run.id ?? lastPathPart(input.dir),
    runDir: input.dir,
    status: input.state ?? run.status ?? 'unknown',
    baseModel: run.model?.hubId ?? lastPathPart(run.model?.path ?? run.config?.model ?? '?'),
    strategy: runStrategyLabel(String(run.config?.strategy ?? '?'), run.config?.settings, run.lora),
    task,
    trainableParams: numberOrNull(summary?.trainableParams),
    totalParams: numberOrNull(summary?.totalParams),
    epochs: configuredEpochs(run.config) ?? (Number.isFinite(maxEpoch) ? Math.ceil(maxEpoch) : null),
    bestAccuracy: bestOver(metrics.evalEntries, 'accuracy'),
    bestMacroF1: bestOver(metrics.evalEntries, 'macroF1'),
    selectedStep: selected ? selected.step : null,
    selectedBy: selected && run.bestMetric ? `best ${run.bestMetric.name}` : null,
    selectedAccuracy: numberOrNull(selected?.metrics.accuracy),
    selectedMacroF1: numberOrNull(selected?.metrics.macroF1),
    testAccuracy: numberOrNull(metrics.testEntry?.metrics.accuracy),
    testMacroF1: numberOrNull(metrics.testEntry?.metrics.macroF1),
    bestF1: f1(bestOver(metrics.evalEntries, 'f1')),
    selectedF1: f1(selected?.metrics.f1),
    testF1: f1(metrics.testEntry?.metrics.f1),
    bestExactMatch: em(bestOver(metrics.evalEntries, 'exactMatch')),
    selectedExactMatch: em(selected?.metrics.exactMatch),
    trainSeconds: numberOrNull(summary?.trainSeconds),
    // While a run has no summary yet, the mean of its logged throughputs is the best estimate there is.
    samplesPerSecond: numberOrNull(summary?.samplesPerSecond) ?? (sps.length ? sps.reduce((a, b) => a + b, 0) / sps.length : null),
    inferenceMsPerExample: numberOrNull(summary?.inferenceMsPerExample),
    modelBytes: numberOrNull(summary?.modelBytes),
    diskBytes: numberOrNull(summary?.diskBytes),
    device: run.device?.executionProvider ?? '?',
  };
}

/** RFC 4180 CSV with raw numbers (units in the header names); unknown values are empty fields. */
export function toCsv(rows: readonly ComparisonRow[]): string {
  const columns = columnsFor(rows);
  return stringify(
    rows.map((r) => columns.map((c) => r[c.key] ?? '')),
    { header: true, columns: columns.map((c) => c.csvTitle), record_delimiter: 'windows', cast: { number: (n) => String(n) } },
  );
}

const escapeMarkdown = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A GitHub-flavoured Markdown table with the same formatting as the grid; numeric columns right-aligned. */
export function toMarkdown(rows: readonly ComparisonRow[]): string {
  const columns = columnsFor(rows);
  const header = `| ${columns.map((c) => escapeMarkdown(c.title)).join(' | ')} |`;
  const rule = `| ${columns.map((c) => (c.kind === 'text' ? '---' : '---:')).join(' | ')} |`;
  const body = rows.map((r) => `| ${columns.map((c) => escapeMarkdown(formatCell(r, c))).join(' | ')} |`);
  return [header, rule, ...body].join('\n') + '\n';
}
