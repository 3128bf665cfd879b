// Imbalanced data often trains a classifier that answers the majority class for everything, and its metrics alone
// (accuracy 0.93, macro-F1 0.48) do not say so. After each evaluation this names the collapse in the run log.
//
// The rule (single-label), over the validation predictions of one evaluation, with at least two classes truly present:
// the most predicted class c takes at least COLLAPSE_SHARE (90 %) of the predictions, and the other classes together
// get at most a third of the share they truly have (1 − p_c ≤ (1 − t_c) / 3). So "everything is c" always counts,
// and so does "c on 98 % where it truly is 93 %" (the minority predicted at under a third of its rate), while a
// model that merely leans towards the majority of an 85/15 set (predicting it on 90 %) does not.
// Multi-label: every validation example predicted with no label at all although some carry labels.
import type { ClassReport, TaskKind } from './metrics';

const COLLAPSE_SHARE = 0.9;
const MINORITY_FRACTION = 1 / 3;

export interface Collapse {
  /** The class the predictions collapse to (single-label), or undefined for "no label" (multi-label). */
  label?: string;
  /** Its share of the predictions and of the true labels. */
  predictedShare: number;
  trueShare: number;
  /** Classes present in the validation data that were never predicted. */
  neverPredicted: string[];
  /** Whether it is the most frequent class of the validation data (else weights may have overshot towards it). */
  majority: boolean;
}

/** The collapse of one evaluation's predictions, or undefined when they spread as the rule allows. */
export function findCollapse(perClass: readonly ClassReport[], task: 'single-label' | 'multi-label'): Collapse | undefined {
  const neverPredicted = perClass.filter((c) => c.support > 0 && c.predicted === 0).map((c) => c.label);
  if (task === 'multi-label') {
    const anyPredicted = perClass.some((c) => c.predicted > 0);
    const anyTrue = perClass.some((c) => c.support > 0);
    return !anyPredicted && anyTrue ? { predictedShare: 1, trueShare: 0, neverPredicted, majority: true } : undefined;
  }
  const n = perClass.reduce((s, c) => s + c.support, 0);
  if (!n || perClass.filter((c) => c.support > 0).length < 2) return undefined;
  const top = perClass.reduce((a, b) => (b.predicted > a.predicted ? b : a));
  const p = top.predicted / n;
  const t = top.support / n;
  if (p < COLLAPSE_SHARE || 1 - p > (1 - t) * MINORITY_FRACTION) return undefined;
  return { label: top.label, predictedShare: p, trueShare: t, neverPredicted, majority: perClass.every((c) => c.support <= top.support) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The run-log warning for a collapse at `step`, with the fix that fits the run's classWeights. */
export function collapseWarning(c: Collapse, step: number, weighted: boolean): string {
  const never = c.neverPredicted.length ? `; never predicted: ${c.neverPredicted.map((l) => `"${l}"`).join(', ')}` : '';
  const single = c.label !== undefined;
  const what = single
    ? `predictions collapse to one class: ${pct(c.predictedShare)} of the validation predictions are "${c.label}", whose true share is ${pct(c.trueShare)}`
    : 'predictions collapse to no label: no validation example is predicted with any label';
  const balanced = single ? 'n / (classes × count) on the training split' : 'a positive weight of negatives / positives per label on the training split';
  const fix = !c.majority
    ? weighted
      ? `"${c.label}" is not the most frequent class, so the class weights overshoot: lower its weight (an explicit classWeights map) or the learning rate`
      : `"${c.label}" is not the most frequent class: train longer or lower the learning rate`
    : weighted
      ? 'the class weights in use did not prevent it: try larger weights for the rare classes (an explicit classWeights map), more epochs or a higher learning rate'
      : `set "classWeights": "balanced" to weigh the loss towards the rare ${single ? 'classes' : 'labels'} (${balanced})`;
  return `step ${step}: ${what}${never}. Macro-F1 weighs every class alike and shows it; ${fix}.`;
}

/** The warning to log after an evaluation of a classifier, if its predictions collapsed; undefined otherwise. */
export function collapseNote(perClass: readonly ClassReport[] | undefined, task: TaskKind, step: number, weighted: boolean): string | undefined {
  if (!perClass || (task !== 'single-label' && task !== 'multi-label')) return undefined;
  const collapse = findCollapse(perClass, task);
  return collapse && collapseWarning(collapse, step, weighted);
}
