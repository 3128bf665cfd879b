// Comparison rows built from each run's run.json and metrics.jsonl, and their CSV / Markdown exports. Pure functions:
// the host reads the files, this decides what the numbers mean.
import { stringify } from 'csv-stringify/sync';
import type { RunConfig } from '../training/protocol';
import type { RunState } from '../training/runStatus';
import type { RunRecord } from '../training/runStore';
import { COLUMNS, ComparisonRow, formatCell } from './comparisonColumns';
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

/**
 * The eval the run is judged by: the one at the best checkpoint's step when run.json names it (that is the model the
 * run exports), else the eval with the highest accuracy (macro-F1 when accuracy was not logged).
 */
export function bestEval(run: RunRecord, evals: readonly EvalEntry[]): EvalEntry | undefined {
  const atBest = run.bestMetric ? evals.find((e) => e.step === run.bestMetric?.step) : undefined;
  if (atBest) return atBest;
  const key = evals.some((e) => Number.isFinite(e.metrics.accuracy)) ? 'accuracy' : 'macroF1';
  let best: EvalEntry | undefined;
  for (const e of evals) if (Number.isFinite(e.metrics[key]) && (!best || e.metrics[key] > best.metrics[key])) best = e;
  return best;
}

export function comparisonRow(input: RunInput): ComparisonRow {
  const { run } = input;
  const metrics = new RunMetrics();
  metrics.add(input.entries);
  const summary = metrics.summaryEntry;
  const best = bestEval(run, metrics.evalEntries);
  const maxEpoch = Math.max(...metrics.evalEntries.map((e) => e.epoch).filter(Number.isFinite), metrics.lastTrainEntry?.epoch ?? Number.NaN);
  const sps: number[] = [];
  for (const e of input.entries) if (e.type === 'train' && Number.isFinite(e.samplesPerSecond)) sps.push(e.samplesPerSecond);
  return {
    runId: run.id ?? lastPathPart(input.dir),
    runDir: input.dir,
    status: input.state ?? run.status ?? 'unknown',
    baseModel: run.model?.hubId ?? lastPathPart(run.model?.path ?? run.config?.model ?? '?'),
    strategy: String(run.config?.strategy ?? '?'),
    trainableParams: numberOrNull(summary?.trainableParams),
    totalParams: numberOrNull(summary?.totalParams),
    epochs: configuredEpochs(run.config) ?? (Number.isFinite(maxEpoch) ? Math.ceil(maxEpoch) : null),
    bestAccuracy: numberOrNull(best?.metrics.accuracy),
    macroF1: numberOrNull(best?.metrics.macroF1),
    testAccuracy: numberOrNull(metrics.testEntry?.metrics.accuracy),
    testMacroF1: numberOrNull(metrics.testEntry?.metrics.macroF1),
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
  return stringify(
    rows.map((r) => COLUMNS.map((c) => r[c.key] ?? '')),
    { header: true, columns: COLUMNS.map((c) => c.csvTitle), record_delimiter: 'windows', cast: { number: (n) => String(n) } },
  );
}

const escapeMarkdown = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A GitHub-flavoured Markdown table with the same formatting as the grid; numeric columns right-aligned. */
export function toMarkdown(rows: readonly ComparisonRow[]): string {
  const header = `| ${COLUMNS.map((c) => escapeMarkdown(c.title)).join(' | ')} |`;
  const rule = `| ${COLUMNS.map((c) => (c.kind === 'text' ? '---' : '---:')).join(' | ')} |`;
  const body = rows.map((r) => `| ${COLUMNS.map((c) => escapeMarkdown(formatCell(r, c))).join(' | ')} |`);
  return [header, rule, ...body].join('\n') + '\n';
}
