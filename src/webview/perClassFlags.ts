// Which rows of the dashboard's per-class table to highlight: classes present in the validation data that the model
// never predicts, or predicts but never correctly (recall 0). These are what a collapse to the majority class looks
// like, and what the aggregate metrics hide.
import type { PerClassRow } from '../training/protocol';

export type ClassFlag = 'never-predicted' | 'recall-zero';

export function classFlag(row: PerClassRow): ClassFlag | undefined {
  if (!(row.support > 0)) return undefined;
  if (row.predicted === 0) return 'never-predicted';
  // Also what runs written before `predicted` was recorded can show: recall 0 is all there is to go on.
  return row.recall === 0 ? 'recall-zero' : undefined;
}

/** `unit`: what support counts ('example' for classes, 'entity' for NER's entity types). */
export function classFlagText(flag: ClassFlag, row: PerClassRow, unit = 'example'): string {
  const units = unit === 'entity' ? 'entity(ies)' : `${unit}(s)`;
  return flag === 'never-predicted'
    ? `"${row.label}" is never predicted on the validation data (${row.support} true ${units}): the predictions collapse to other classes`
    : `recall 0: none of the ${row.support} true "${row.label}" ${units} is predicted as it${row.predicted === undefined ? '' : ` (it is predicted ${row.predicted} time(s), always wrongly)`}`;
}

/** One line above the table naming the flagged classes and the remedy, or undefined when none is flagged. */
export function perClassNotice(rows: readonly PerClassRow[], weighted: boolean): string | undefined {
  const flagged = rows.filter((r) => classFlag(r));
  if (!flagged.length) return undefined;
  const names = flagged.map((r) => `"${r.label}"`).join(', ');
  const remedy = weighted ? 'the run uses class weights; see the trainer log for what to try' : 'set "classWeights": "balanced" to weigh the loss towards rare classes';
  return `Recall 0 for ${names}: the model does not find ${flagged.length > 1 ? 'these classes' : 'this class'} — ${remedy}.`;
}
