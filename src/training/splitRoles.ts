// The three data roles of a run, kept apart as the HF Trainer keeps them: train fits the weights, validation picks the
// best checkpoint and drives early stopping, test is predicted on once at the end and never selects anything. What
// run.json records and what the run log says about them.
import { acceptedSplitNames } from '../data/splits';

export interface SplitRole {
  rows: number;
  /** Where the rows came from, in words ("dev.csv", "a stratified 10% slice of train.csv (seed 42)", "none"). */
  source: string;
}

export interface SplitRoles {
  train: SplitRole;
  validation: SplitRole;
  test: SplitRole;
}

/** The run log's account of the splits, one line. */
export function describeSplitRoles(s: SplitRoles): string {
  const part = (name: string, r: SplitRole, role: string) => `${name} ${r.rows} (${r.source})${role}`;
  return [
    part('train', s.train, ''),
    s.validation.rows ? part('validation', s.validation, ': picks the best checkpoint and drives early stopping') : 'validation: none',
    s.test.rows ? part('test', s.test, ': evaluated once after training, never used for selection') : 'test: none',
  ].join('; ');
}

/** Why validation is a slice of train, and the names that would have given it a file or split-column rows of its own. */
export function slicedValidationNote(s: SplitRoles): string | undefined {
  if (!s.validation.source.startsWith('a stratified')) return undefined;
  return `validation is ${s.validation.source}: no validation file was found beside the training file (names accepted: ` +
    `${acceptedSplitNames('validation')}) and no split-column rows say so (values accepted: train: ${acceptedSplitNames('train')}; ` +
    `validation: ${acceptedSplitNames('validation')}; test: ${acceptedSplitNames('test')})` +
    `${s.test.rows ? `; the test split (${s.test.source}) is not used for it` : ''}`;
}
