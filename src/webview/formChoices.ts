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
