// How the dashboard and the comparison present a run's figures for its task: which metric heads the run, which eval
// metrics are charted (and on what scale), what the per-class table is called and what its counts mean, which names
// label the confusion matrix. Pure and dependency-free, so the webview bundle imports it and tests check it.
import type { PerClassRow, RunTask } from '../training/protocol';

/** run.json's resolved task; runs written before tasks existed are sequence classification. */
export function runTaskOf(run: { dataset?: { task?: RunTask } } | undefined): RunTask {
  return run?.dataset?.task ?? 'classification';
}

/**
 * The metric named first for a run whose best checkpoint is not named (or for the test split): seqeval's entity F1 for
 * NER and SQuAD's token F1 for QA, as the trainer selects on; accuracy for classification.
 */
export function headlineMetric(task: RunTask): string {
  return task === 'classification' ? 'accuracy' : 'f1';
}

export interface EvalChartSpec {
  /** Metrics drawn per epoch, in this order, when present. */
  metrics: readonly string[];
  /** SQuAD scores are percentages (the official script's 0..100), the others ratios. */
  yRange: [number, number];
}

const CHARTS: Record<RunTask, EvalChartSpec> = {
  'classification': { metrics: ['accuracy', 'macroF1', 'weightedF1', 'microF1'], yRange: [0, 1] },
  'token-classification': { metrics: ['f1', 'precision', 'recall', 'strictF1', 'accuracy'], yRange: [0, 1] },
  'question-answering': { metrics: ['exactMatch', 'f1', 'hasAnsExactMatch', 'hasAnsF1', 'noAnsExactMatch'], yRange: [0, 100] },
};

export function evalChartSpec(task: RunTask): EvalChartSpec {
  return CHARTS[task];
}

/**
 * The task a run's eval metrics belong to, for a metrics file read before its run.json: only QA reports exactMatch,
 * only NER reports strictF1 (seqeval's strict mode beside the default one).
 */
export function taskOfMetrics(metrics: readonly Record<string, number>[]): RunTask {
  if (metrics.some((m) => m.exactMatch !== undefined)) return 'question-answering';
  if (metrics.some((m) => m.strictF1 !== undefined)) return 'token-classification';
  return 'classification';
}

/** The per-class card: its title and column headers, or why the task has none. */
export type PerClassLayout =
  | { kind: 'table'; title: string; gridLabel: string; labelTitle: string; supportTitle: string; predictedTitle: string; unit: string; waiting: string }
  | { kind: 'none'; reason: string };

export function perClassLayout(task: RunTask): PerClassLayout {
  if (task === 'question-answering') {
    return { kind: 'none', reason: 'No per-class figures for question answering: an answer is a span of its context, scored by exact match and token F1 (above).' };
  }
  if (task === 'token-classification') {
    // seqeval counts whole entities (a B- tag and its I- continuation), not tokens: the headers say so.
    return { kind: 'table', title: 'Per entity type', gridLabel: 'Per-entity-type metrics', labelTitle: 'Entity type', supportTitle: 'Support (entities)', predictedTitle: 'Predicted entities', unit: 'entity', waiting: 'Per-entity-type figures appear after the first evaluation.' };
  }
  return { kind: 'table', title: 'Per class', gridLabel: 'Per-class metrics', labelTitle: 'Label', supportTitle: 'Support', predictedTitle: 'Predicted', unit: 'example', waiting: 'Per-class figures appear after the first evaluation.' };
}

/** "Per entity type (epoch 2, step 40)". */
export function perClassTitle(layout: Extract<PerClassLayout, { kind: 'table' }>, at: { epoch: string; step: number }): string {
  return `${layout.title} (epoch ${at.epoch}, step ${at.step})`;
}

/**
 * The names along the confusion matrix's axes: the entry's own (NER: 'O' then the entity types, B-/I- collapsed) when
 * it has them, else the run's labels, else the per-class rows' labels (entries written before confusionLabels).
 */
export function confusionAxis(entry: { confusionLabels?: readonly string[]; perClass?: readonly PerClassRow[] }, runLabels?: readonly string[]): string[] {
  if (entry.confusionLabels?.length) return [...entry.confusionLabels];
  if (runLabels?.length) return [...runLabels];
  return (entry.perClass ?? []).map((p) => p.label);
}

const QA_HEADLINE: readonly [string, string][] = [
  ['exactMatch', 'EM'],
  ['f1', 'F1'],
  ['hasAnsExactMatch', 'HasAns EM'],
  ['hasAnsF1', 'HasAns F1'],
  ['noAnsExactMatch', 'NoAns EM'],
];

/** SQuAD's figures as the official script names them, those present only (HasAns / NoAns: SQuAD v2 data). */
export function qaHeadline(metrics: Readonly<Record<string, number>> | undefined): { label: string; value: string }[] {
  if (!metrics) return [];
  return QA_HEADLINE.filter(([k]) => Number.isFinite(metrics[k])).map(([k, label]) => ({ label, value: metrics[k].toFixed(2) }));
}
