// SetFit's own settings, taken out of a run's settings before the trainer's shared validation (resolveArgs), which
// rejects keys it does not know. Names follow setfit.TrainingArguments where one exists (body/head epochs, end_to_end,
// normalize_embeddings); `setfitHeadC` is scikit-learn LogisticRegression's C (inverse L2 strength).
import { SettingsError, resolveArgs, settingProblem, type TrainingArgs } from '../hyperparameters';

export type SetFitHeadKind = 'logistic' | 'differentiable';

export interface SetFitOptions {
  /** logistic: multinomial logistic regression on frozen embeddings (SetFit's default); differentiable: a linear layer trained with cross-entropy. */
  head: SetFitHeadKind;
  /** Epochs of contrastive pair training; 0 skips it (the encoder stays frozen: plain feature extraction). */
  bodyEpochs: number;
  /** Epochs of the differentiable head. */
  headEpochs: number;
  /** Differentiable head: also train the body with the classification loss (setfit's end_to_end). */
  endToEnd: boolean;
  /** L2-normalise embeddings before the head (setfit's normalize_embeddings). */
  normalize: boolean;
  /** Logistic head: inverse L2 regularisation strength, as scikit-learn's C. */
  headC: number;
}

/** SetFit's keys in a run's settings (see SetFitOptions for what each means). */
export type SetFitSettings = {
  setfitHead?: SetFitHeadKind;
  setfitBodyEpochs?: number;
  setfitHeadEpochs?: number;
  setfitEndToEnd?: boolean;
  setfitNormalize?: boolean;
  setfitHeadC?: number;
};

export const SETFIT_DEFAULTS: Omit<SetFitOptions, 'bodyEpochs'> = { head: 'logistic', headEpochs: 16, endToEnd: false, normalize: false, headC: 1 };

const KEYS = ['setfitHead', 'setfitBodyEpochs', 'setfitHeadEpochs', 'setfitEndToEnd', 'setfitNormalize', 'setfitHeadC'] as const;

/**
 * Splits a run's settings into the trainer's TrainingArgs and SetFit's options. The body trains for `setfitBodyEpochs`,
 * else `epochs` if the user set it, else 1 (setfit's default: pairs already repeat every example `setfitIterations` times).
 */
export function resolveSetFitSettings(settings: Readonly<Record<string, unknown>> = {}): { args: TrainingArgs; setfit: SetFitOptions } {
  // resolveArgs names a settings value that is not an object; SetFit's keys are read from it only when it is one.
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) return { args: resolveArgs(settings), setfit: { ...SETFIT_DEFAULTS, bodyEpochs: 1 } };
  const rest: Record<string, unknown> = { ...settings };
  const own: Record<string, unknown> = {};
  for (const k of KEYS) {
    own[k] = rest[k];
    delete rest[k];
  }
  const problems: string[] = [];
  const check = (key: string, ok: boolean, expected: string) => {
    if (own[key] !== undefined && !ok) problems.push(settingProblem(key, expected, own[key]));
  };
  check('setfitHead', own.setfitHead === 'logistic' || own.setfitHead === 'differentiable', 'one of logistic, differentiable');
  check('setfitBodyEpochs', Number.isInteger(own.setfitBodyEpochs) && (own.setfitBodyEpochs as number) >= 0, 'an integer >= 0');
  check('setfitHeadEpochs', Number.isInteger(own.setfitHeadEpochs) && (own.setfitHeadEpochs as number) > 0, 'a positive integer');
  check('setfitEndToEnd', typeof own.setfitEndToEnd === 'boolean', 'true or false');
  check('setfitNormalize', typeof own.setfitNormalize === 'boolean', 'true or false');
  check('setfitHeadC', typeof own.setfitHeadC === 'number' && own.setfitHeadC > 0 && Number.isFinite(own.setfitHeadC), 'a positive number');
  if (problems.length) throw new SettingsError(`Invalid SetFit settings:\n- ${problems.join('\n- ')}`);
  const args = resolveArgs(rest);
  const userEpochs = typeof settings.epochs === 'number' ? Math.ceil(settings.epochs) : undefined;
  return {
    args,
    setfit: {
      head: (own.setfitHead as SetFitHeadKind | undefined) ?? SETFIT_DEFAULTS.head,
      bodyEpochs: (own.setfitBodyEpochs as number | undefined) ?? userEpochs ?? 1,
      headEpochs: (own.setfitHeadEpochs as number | undefined) ?? SETFIT_DEFAULTS.headEpochs,
      endToEnd: (own.setfitEndToEnd as boolean | undefined) ?? SETFIT_DEFAULTS.endToEnd,
      normalize: (own.setfitNormalize as boolean | undefined) ?? SETFIT_DEFAULTS.normalize,
      headC: (own.setfitHeadC as number | undefined) ?? SETFIT_DEFAULTS.headC,
    },
  };
}
