// Values the form's page and its host both use at run time; dependency-free, so the browser bundle can import it.

/** The label column choice that means unlabeled text (masked-LM pre-training). */
export const NO_LABEL = '(none)';

/** Which label reading the user chose: detected, or one of the tasks the trainer knows. */
export type TaskChoice = 'auto' | 'single' | 'multi' | 'regression';

export const TASKS: { value: TaskChoice; label: string }[] = [
  { value: 'auto', label: 'As detected' },
  { value: 'single', label: 'Single-label classification' },
  { value: 'multi', label: 'Multi-label classification' },
  { value: 'regression', label: 'Regression (numeric target)' },
];

/** What the model learns; '' = what the dataset's shape says (data/taskShape.ts). Mirrors protocol.ts RunTask. */
export type RunTaskChoice = '' | 'classification' | 'token-classification' | 'question-answering';

export const RUN_TASKS_SHOWN: { value: Exclude<RunTaskChoice, ''>; label: string }[] = [
  { value: 'classification', label: 'Sequence classification' },
  { value: 'token-classification', label: 'Token classification (NER)' },
  { value: 'question-answering', label: 'Question answering' },
];

/** Why SetFit is not offered for a token task (shown in its place in the strategy list). */
export const SETFIT_TOKEN_TASKS = 'SetFit trains a sentence-embedding body and a classifier over whole texts: it has no per-token or answer-span head, so it trains sequence classification only.';
