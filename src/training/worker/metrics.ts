// Evaluation metrics with scikit-learn's definitions (zero_division=0), computed from predictions and references.

export type TaskKind = 'single-label' | 'multi-label' | 'regression' | 'masked-lm' | 'token-classification' | 'question-answering';

/** The metrics an evaluation of each task reports (evaluate.ts), so settings naming one can be checked up front. */
const TASK_METRICS: Record<TaskKind, readonly string[]> = {
  'single-label': ['loss', 'accuracy', 'macroF1', 'microF1', 'weightedF1'],
  'multi-label': ['loss', 'subsetAccuracy', 'microF1', 'macroF1', 'hammingLoss'],
  regression: ['loss', 'mse', 'rmse', 'mae', 'r2', 'pearson'],
  'masked-lm': ['loss', 'perplexity'],
  // Entity-level scores (seqeval: f1 in its default mode, strictF1 in strict IOB2 mode) and word-level tag accuracy.
  'token-classification': ['loss', 'precision', 'recall', 'f1', 'macroF1', 'strictF1', 'accuracy'],
  // The official SQuAD script's numbers (0..100); the HasAns/NoAns ones only where the data has unanswerable questions.
  'question-answering': ['loss', 'exactMatch', 'f1', 'hasAnsExactMatch', 'hasAnsF1', 'noAnsExactMatch'],
};

export function metricNames(task: TaskKind): readonly string[] {
  return TASK_METRICS[task];
}

export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** Examples predicted as this class (multi-label: with this label predicted): 0 flags a class the model never outputs. */
  predicted: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  microF1: number;
  weightedF1: number;
  perClass: ClassReport[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

const f1Of = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
const safeDiv = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function classificationMetrics(predicted: number[], actual: number[], labels: string[]): ClassificationMetrics {
  if (predicted.length !== actual.length) throw new Error(`metrics: ${predicted.length} predictions for ${actual.length} references`);
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < actual.length; i++) confusion[actual[i]][predicted[i]]++;
  const perClass: ClassReport[] = labels.map((label, c) => {
    const tp = confusion[c][c];
    const predictedC = confusion.reduce((s, row) => s + row[c], 0);
    const support = confusion[c].reduce((s, v) => s + v, 0);
    const precision = safeDiv(tp, predictedC);
    const recall = safeDiv(tp, support);
    return { label, precision, recall, f1: f1Of(precision, recall), support, predicted: predictedC };
  });
  const n = actual.length;
  const correct = perClass.reduce((s, _c, i) => s + confusion[i][i], 0);
  const accuracy = safeDiv(correct, n);
  return {
    accuracy,
    macroF1: safeDiv(perClass.reduce((s, c) => s + c.f1, 0), k),
    // Single-label micro-F1 equals accuracy (every error is one FP and one FN).
    microF1: accuracy,
    weightedF1: safeDiv(perClass.reduce((s, c) => s + c.f1 * c.support, 0), n),
    perClass,
    confusion,
  };
}

export interface MultiLabelMetrics {
  /** Exact-match ratio (sklearn accuracy_score on indicator matrices). */
  subsetAccuracy: number;
  microF1: number;
  macroF1: number;
  hammingLoss: number;
  perClass: ClassReport[];
}

/** `predicted` and `actual` are 0/1 indicator rows (one column per label). */
export function multiLabelMetrics(predicted: number[][], actual: number[][], labels: string[]): MultiLabelMetrics {
  const k = labels.length;
  let exact = 0;
  let wrongCells = 0;
  const tp = new Array<number>(k).fill(0);
  const fp = new Array<number>(k).fill(0);
  const fn = new Array<number>(k).fill(0);
  for (let i = 0; i < actual.length; i++) {
    let same = true;
    for (let c = 0; c < k; c++) {
      const p = predicted[i][c] ? 1 : 0;
      const a = actual[i][c] ? 1 : 0;
      if (p !== a) {
        same = false;
        wrongCells++;
      }
      if (p && a) tp[c]++;
      else if (p) fp[c]++;
      else if (a) fn[c]++;
    }
    if (same) exact++;
  }
  const perClass = labels.map((label, c) => {
    const precision = safeDiv(tp[c], tp[c] + fp[c]);
    const recall = safeDiv(tp[c], tp[c] + fn[c]);
    return { label, precision, recall, f1: f1Of(precision, recall), support: tp[c] + fn[c], predicted: tp[c] + fp[c] };
  });
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const microP = safeDiv(sum(tp), sum(tp) + sum(fp));
  const microR = safeDiv(sum(tp), sum(tp) + sum(fn));
  return {
    subsetAccuracy: safeDiv(exact, actual.length),
    microF1: f1Of(microP, microR),
    macroF1: safeDiv(sum(perClass.map((c) => c.f1)), k),
    hammingLoss: safeDiv(wrongCells, actual.length * k),
    perClass,
  };
}

export interface RegressionMetrics {
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
  pearson: number;
}

export function regressionMetrics(predicted: number[], actual: number[]): RegressionMetrics {
  const n = actual.length;
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const mp = mean(predicted);
  const ma = mean(actual);
  let se = 0;
  let ae = 0;
  let ssTot = 0;
  let cov = 0;
  let vp = 0;
  for (let i = 0; i < n; i++) {
    const d = predicted[i] - actual[i];
    se += d * d;
    ae += Math.abs(d);
    ssTot += (actual[i] - ma) ** 2;
    cov += (predicted[i] - mp) * (actual[i] - ma);
    vp += (predicted[i] - mp) ** 2;
  }
  const mse = safeDiv(se, n);
  return { mse, rmse: Math.sqrt(mse), mae: safeDiv(ae, n), r2: ssTot === 0 ? 0 : 1 - se / ssTot, pearson: safeDiv(cov, Math.sqrt(vp * ssTot)) };
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}
