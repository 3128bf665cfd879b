// The `classWeights` setting resolved against the data: one loss weight per class (single-label cross-entropy, as
// PyTorch's CrossEntropyLoss(weight=...)) or one positive weight per label (multi-label, BCEWithLogitsLoss(pos_weight)),
// computed on the training split only, so the validation and test data never shape training.
import { closestNames } from '../util/closestNames';
import type { ClassWeightsSetting } from './classWeightsSetting';
import { classWeightsShapeProblem } from './classWeightsSetting';
import { SettingsError } from './hyperparameters';

export interface ResolvedClassWeights {
  /** 'class': a cross-entropy weight per class; 'positive': a pos_weight per label (multi-label BCE). */
  kind: 'class' | 'positive';
  /** Where the numbers come from. */
  source: 'balanced' | 'explicit';
  /** In label order. */
  weights: number[];
  /** The same numbers by label name, as run.json and the log state them. */
  byLabel: Record<string, number>;
  /** Labels whose weight could not be computed and stayed 1 (a class absent from the training split, ...). */
  notes: string[];
}

export interface WeightedTask {
  kind: 'single-label' | 'multi-label' | 'regression' | 'masked-lm';
  labels: readonly string[];
  /** The training split's labels: class ids (single-label) or lists of label ids (multi-label). */
  trainLabels: readonly (number | readonly number[])[];
}

/** The weights the loss uses, or undefined for 'none'. Throws SettingsError with the fix when they do not fit the data. */
export function resolveClassWeights(setting: ClassWeightsSetting | undefined, task: WeightedTask): ResolvedClassWeights | undefined {
  if (setting === undefined || setting === 'none') return undefined;
  const shape = classWeightsShapeProblem(setting);
  if (shape) throw new SettingsError(`Invalid training settings:\n- "classWeights" must be ${shape}, got ${JSON.stringify(setting)}`);
  if (task.kind === 'regression' || task.kind === 'masked-lm') {
    throw new SettingsError(`"classWeights" weighs classes of a classification loss; this run trains ${task.kind === 'regression' ? 'a regression (numeric labels)' : 'a masked language model'}: remove the setting or set it to "none".`);
  }
  const kind = task.kind === 'multi-label' ? 'positive' : 'class';
  const notes: string[] = [];
  const weights = setting === 'balanced'
    ? task.kind === 'multi-label' ? balancedPositive(task, notes) : balancedClasses(task, notes)
    : explicit(setting, task.labels);
  return { kind, source: setting === 'balanced' ? 'balanced' : 'explicit', weights, byLabel: Object.fromEntries(task.labels.map((l, i) => [l, weights[i]])), notes };
}

/** scikit-learn's compute_class_weight('balanced'): n_samples / (n_classes · count_c) over the classes present. */
function balancedClasses(task: WeightedTask, notes: string[]): number[] {
  const counts = new Array<number>(task.labels.length).fill(0);
  for (const y of task.trainLabels) counts[y as number]++;
  const present = counts.filter((n) => n > 0).length;
  const n = task.trainLabels.length;
  return counts.map((count, c) => {
    if (count > 0) return n / (present * count);
    notes.push(`"${task.labels[c]}" has no training example: its weight stays 1`);
    return 1;
  });
}

/** pos_weight = negatives / positives per label (PyTorch's BCEWithLogitsLoss documentation). */
function balancedPositive(task: WeightedTask, notes: string[]): number[] {
  const positives = new Array<number>(task.labels.length).fill(0);
  for (const ys of task.trainLabels) for (const c of ys as readonly number[]) positives[c]++;
  const n = task.trainLabels.length;
  return positives.map((pos, c) => {
    if (pos > 0 && pos < n) return (n - pos) / pos;
    notes.push(`"${task.labels[c]}" is ${pos ? 'on every' : 'on no'} training example: its positive weight stays 1`);
    return 1;
  });
}

function explicit(setting: number[] | Record<string, number>, labels: readonly string[]): number[] {
  const listed = labels.map((l) => JSON.stringify(l)).join(', ');
  if (Array.isArray(setting)) {
    if (setting.length !== labels.length) {
      throw new SettingsError(`"classWeights" lists ${setting.length} weight(s), but the data has ${labels.length} classes (${listed}): give one per class in that order, or a map {"label": weight}.`);
    }
    return [...setting];
  }
  const unknown = Object.keys(setting).filter((k) => !labels.includes(k));
  if (unknown.length) {
    const hints = unknown.map((k) => {
      const near = closestNames(k, labels, 1);
      return `"${k}"${near.length ? ` (did you mean "${near[0]}"?)` : ''}`;
    });
    throw new SettingsError(`"classWeights" names ${hints.join(', ')}, which ${unknown.length > 1 ? 'are not labels' : 'is not a label'} of this data; its labels are ${listed}.`);
  }
  return labels.map((l) => setting[l] ?? 1);
}

/** One log line: what weighs what, and why. */
export function describeClassWeights(r: ResolvedClassWeights): string {
  const what = r.kind === 'class' ? 'class weights (cross-entropy)' : 'positive weights per label (BCE pos_weight)';
  const from = r.source === 'balanced'
    ? r.kind === 'class' ? 'balanced on the training split: n / (classes × count)' : 'balanced on the training split: negatives / positives'
    : 'as set';
  const list = Object.entries(r.byLabel).map(([l, w]) => `${l} ${formatWeight(w)}`).join(', ');
  return `${what}, ${from}: ${list}${r.notes.length ? `; ${r.notes.join('; ')}` : ''} (the evaluation loss stays unweighted, comparable across runs)`;
}

const formatWeight = (w: number) => (Number.isInteger(w) ? String(w) : w.toPrecision(4));
