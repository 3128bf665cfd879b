// Columns of the model-comparison table, their display formats and sorting. Shared by the host (exports) and the
// webview client (grid), so what the user sorted on screen is exactly what the export contains.

export interface ComparisonRow {
  runId: string;
  runDir: string;
  status: string;
  baseModel: string;
  strategy: string;
  /** What the run trains (run.json's dataset.task; older runs: classification). */
  task: string;
  trainableParams: number | null;
  totalParams: number | null;
  epochs: number | null;
  /** The highest accuracy over the run's evaluations, whichever checkpoint it came from. */
  bestAccuracy: number | null;
  /** The highest macro-F1 over the run's evaluations (often another step than the best accuracy). */
  bestMacroF1: number | null;
  /** The checkpoint the run keeps (its export): the step of its best selection metric, named in run.json. */
  selectedStep: number | null;
  /** What chose that checkpoint, e.g. "best macroF1" (loss: the lowest). */
  selectedBy: string | null;
  /** Figures of the kept checkpoint's evaluation: the model the run exports. */
  selectedAccuracy: number | null;
  selectedMacroF1: number | null;
  /** The test split's, evaluated once at the end of the run (never used for selection); null without a test set. */
  testAccuracy: number | null;
  testMacroF1: number | null;
  /**
   * Token tasks' F1 (NER: seqeval's entity F1; QA: SQuAD's token F1) and QA's exact match, as ratios like the other
   * metric columns (SQuAD's percentages divided by 100); null for runs that do not report them.
   */
  bestF1: number | null;
  selectedF1: number | null;
  testF1: number | null;
  bestExactMatch: number | null;
  selectedExactMatch: number | null;
  trainSeconds: number | null;
  samplesPerSecond: number | null;
  inferenceMsPerExample: number | null;
  modelBytes: number | null;
  /** The run folder when it ended (checkpoints, export, artifacts). */
  diskBytes: number | null;
  device: string;
}

export type ColumnKey = Exclude<keyof ComparisonRow, 'runDir'>;
type Kind = 'text' | 'count' | 'int' | 'ratio' | 'seconds' | 'rate' | 'ms' | 'bytes';

export interface Column {
  key: ColumnKey;
  /** Header on screen and in Markdown. */
  title: string;
  /** Header in CSV, with the unit of the raw number it holds. */
  csvTitle: string;
  kind: Kind;
  /** Shown (and exported) only when some run has a value: NER / QA figures stay out of a comparison of classifiers. */
  optional?: boolean;
}

export const COLUMNS: readonly Column[] = [
  { key: 'runId', title: 'Run', csvTitle: 'run', kind: 'text' },
  { key: 'baseModel', title: 'Base model', csvTitle: 'base_model', kind: 'text' },
  { key: 'strategy', title: 'Strategy', csvTitle: 'strategy', kind: 'text' },
  { key: 'task', title: 'Task', csvTitle: 'task', kind: 'text', optional: true },
  { key: 'trainableParams', title: 'Trainable params', csvTitle: 'trainable_params', kind: 'count' },
  { key: 'totalParams', title: 'Total params', csvTitle: 'total_params', kind: 'count' },
  { key: 'epochs', title: 'Epochs', csvTitle: 'epochs', kind: 'int' },
  // "Best <metric>" is the best value of that metric over the evaluations; the figures of the checkpoint the run keeps
  // are named for that checkpoint, so no column shows one metric's value at another metric's best step under its name.
  { key: 'bestAccuracy', title: 'Best accuracy', csvTitle: 'best_accuracy', kind: 'ratio' },
  { key: 'bestMacroF1', title: 'Best macro-F1', csvTitle: 'best_macro_f1', kind: 'ratio' },
  { key: 'selectedBy', title: 'Checkpoint kept', csvTitle: 'selected_by', kind: 'text' },
  { key: 'selectedStep', title: 'Kept step', csvTitle: 'selected_step', kind: 'int' },
  { key: 'selectedAccuracy', title: 'Accuracy at kept checkpoint', csvTitle: 'accuracy_at_selected', kind: 'ratio' },
  { key: 'selectedMacroF1', title: 'Macro-F1 at kept checkpoint', csvTitle: 'macro_f1_at_selected', kind: 'ratio' },
  { key: 'testAccuracy', title: 'Test accuracy', csvTitle: 'test_accuracy', kind: 'ratio' },
  { key: 'testMacroF1', title: 'Test macro-F1', csvTitle: 'test_macro_f1', kind: 'ratio' },
  { key: 'bestF1', title: 'Best F1', csvTitle: 'best_f1', kind: 'ratio', optional: true },
  { key: 'selectedF1', title: 'F1 at kept checkpoint', csvTitle: 'f1_at_selected', kind: 'ratio', optional: true },
  { key: 'testF1', title: 'Test F1', csvTitle: 'test_f1', kind: 'ratio', optional: true },
  { key: 'bestExactMatch', title: 'Best exact match', csvTitle: 'best_exact_match', kind: 'ratio', optional: true },
  { key: 'selectedExactMatch', title: 'Exact match at kept checkpoint', csvTitle: 'exact_match_at_selected', kind: 'ratio', optional: true },
  { key: 'trainSeconds', title: 'Training time', csvTitle: 'train_seconds', kind: 'seconds' },
  { key: 'samplesPerSecond', title: 'Samples/s', csvTitle: 'samples_per_second', kind: 'rate' },
  { key: 'inferenceMsPerExample', title: 'Inference / example', csvTitle: 'inference_ms_per_example', kind: 'ms' },
  { key: 'modelBytes', title: 'Model size', csvTitle: 'model_bytes', kind: 'bytes' },
  { key: 'diskBytes', title: 'Disk used', csvTitle: 'disk_bytes', kind: 'bytes' },
  { key: 'device', title: 'Device', csvTitle: 'device', kind: 'text' },
  { key: 'status', title: 'Status', csvTitle: 'status', kind: 'text' },
];

const hasValue = (v: unknown) => v !== null && v !== undefined && !(typeof v === 'number' && !Number.isFinite(v));

/**
 * The columns a set of rows shows: every column but the optional ones no row has a value for. The task column is
 * shown only when some run is not a classifier.
 */
export function columnsFor(rows: readonly ComparisonRow[]): Column[] {
  return COLUMNS.filter((c) => {
    if (!c.optional) return true;
    if (c.key === 'task') return rows.some((r) => r.task !== 'classification');
    return rows.some((r) => hasValue(r[c.key]));
  });
}

export interface SortSpec {
  key: ColumnKey;
  descending: boolean;
}

function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(sec).padStart(2, '0')}s`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = b;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${b} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Human-readable cell text; an unknown value (no summary logged yet) is an em dash, never "0". */
export function formatCell(row: ComparisonRow, col: Column): string {
  const v = row[col.key];
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '—';
  if (typeof v === 'string') return v;
  switch (col.kind) {
    case 'count':
      return formatCount(v);
    case 'int':
      return String(Math.round(v));
    case 'ratio':
      return `${(v * 100).toFixed(2)}%`;
    case 'seconds':
      return formatSeconds(v);
    case 'rate':
      return v.toFixed(1);
    case 'ms':
      return `${v.toFixed(2)} ms`;
    case 'bytes':
      return formatBytes(v);
    default:
      return String(v);
  }
}

/** Stable sort; unknown values go last in both directions so they never hide the best run. */
export function sortRows(rows: readonly ComparisonRow[], spec: SortSpec): ComparisonRow[] {
  const sign = spec.descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const va = a.row[spec.key];
      const vb = b.row[spec.key];
      const na = va === null || (typeof va === 'number' && Number.isNaN(va));
      const nb = vb === null || (typeof vb === 'number' && Number.isNaN(vb));
      if (na || nb) return na === nb ? a.i - b.i : na ? 1 : -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.row);
}
