// The only definition of the messages between the "New fine-tune" panel (extension side) and its webview client.
// Both sides import these types; the client bundle gets no runtime code from here except the pure form model.
import type { SummaryFact } from '../data/summaryText';
import type { PhaseEstimate, ProbeOutcome } from '../commands/runEstimate';
import type { FieldSpec, FormState } from './formModel';
import type { LayerPicture } from './layerPicture';
import type { RunTask } from '../training/protocol';

export interface ModelOption {
  dir: string;
  label: string;
  detail: string;
  /** Why it cannot be fine-tuned (listed, not selectable). */
  blocked?: string;
}

export interface DatasetOption {
  file: string;
  label: string;
  detail: string;
}

/** What the host works out from the state: the data's summary, problems, the layer picture and the estimate. */
export interface FormDerived {
  /** The state this answers (the client ignores answers to states it has moved on from). */
  revision: number;
  numLayers?: number;
  /** The hyperparameter fields of the chosen strategy, with their defaults. */
  fields: FieldSpec[];
  modelProblem?: string;
  /** `detected`: the columns detectMapping found; absent for token tasks, whose loaders find their own fields. */
  dataset?: { facts: SummaryFact[]; problems: string[]; blockers: string[]; columns: string[]; detected?: { text: string; textPair?: string; label?: string; labelKind?: string } };
  /** The task the run trains (the user's choice over the file's shape) and what the shape says, with why. */
  task: RunTask;
  detectedTask?: RunTask;
  taskReason?: string;
  datasetProblem?: string;
  /** Problems by field key (formModel.ts evaluateForm), in the CLI's wording. */
  problems: Record<string, string>;
  picture?: LayerPicture;
  estimate?: { lines: string[]; phases: PhaseEstimate[]; seconds?: number };
  probe: 'none' | 'running' | 'stale' | ProbeOutcome;
  canStart: boolean;
}

export type ToForm =
  | { type: 'init'; state: FormState; models: ModelOption[]; datasets: DatasetOption[]; revision: number }
  | { type: 'derived'; derived: FormDerived }
  /** After Save or Start: what happened, in words (errors included). */
  | { type: 'notice'; text: string; level: 'info' | 'error' };

export type FromForm =
  | { type: 'ready' }
  | { type: 'change'; state: FormState; revision: number }
  | { type: 'probe' }
  | { type: 'save' }
  | { type: 'start' };

/** What the form keeps in its webview state (the serializer restores the panel from it after a reload). */
export interface FormViewState {
  state: FormState;
}
