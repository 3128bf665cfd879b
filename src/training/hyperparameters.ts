// Training arguments with the tutorial's (and HF Trainer's fine-tuning) defaults, validated with messages that name the
// setting and what was expected. Unknown keys are rejected with the closest known name, so typos never pass silently.
import { SCHEDULE_NAMES, ScheduleName } from './worker/schedules';
import { closestNames } from '../util/closestNames';
import { classWeightsShapeProblem, type ClassWeightsSetting } from './classWeightsSetting';

export interface TrainingArgs {
  learningRate: number;
  /** Head learning rate for strategies with a separately initialised head (SetFit's head; default = learningRate). */
  headLearningRate?: number;
  epochs: number;
  /** When > 0, overrides epochs (HF max_steps). */
  maxSteps: number;
  batchSize: number;
  evalBatchSize: number;
  maxLength: number;
  warmupRatio: number;
  warmupSteps: number;
  weightDecay: number;
  scheduler: ScheduleName;
  numCycles?: number;
  power?: number;
  lrEnd?: number;
  maxGradNorm: number;
  gradientAccumulationSteps: number;
  optimizer: 'adamw' | 'sgd';
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  momentum: number;
  /** 'epoch' or a step interval. */
  evalEvery: 'epoch' | number;
  loggingSteps: number;
  /** Keep the last K checkpoints; the best one is always kept too (HF save_total_limit with load_best_model_at_end). */
  saveTotalLimit: number;
  earlyStopping?: { metric: string; patience: number; threshold: number; mode: 'max' | 'min' };
  seed: number;
  labelSmoothing: number;
  /** Loss weight per class: 'none', 'balanced' (on the training split), a list in label order or a label → weight map (classWeightsSetting.ts). */
  classWeights: ClassWeightsSetting;
  /** Strategy knobs (see parameterGroups.ts). */
  freezeLayers?: number;
  layerDecay?: number;
  unfreezeSchedule?: number[][];
  /** MLM: masking probability (BERT's 15%, split 80/10/10). */
  mlmProbability: number;
  /** SetFit: contrastive pair iterations per example. */
  setfitIterations: number;
  dropout: boolean;
  /** ORT intra-op threads (0 or unset: chosen by timing at the start of the run, worker/sessionOptions.ts). */
  threads?: number;
  /**
   * Optimizer steps per onnxruntime run (0 or unset: 4 on CUDA, 1 elsewhere; worker/stepGroups.ts). Above 1 a run
   * loops over that many micro-batches, each padded to the group's longest; needs gradientAccumulationSteps 1.
   */
  stepsPerRun?: number;
}

export const DEFAULT_ARGS: TrainingArgs = {
  learningRate: 2e-5,
  epochs: 3,
  maxSteps: 0,
  batchSize: 16,
  evalBatchSize: 32,
  maxLength: 128,
  warmupRatio: 0.1,
  warmupSteps: 0,
  weightDecay: 0.01,
  scheduler: 'linear',
  maxGradNorm: 1.0,
  gradientAccumulationSteps: 1,
  optimizer: 'adamw',
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  momentum: 0.9,
  evalEvery: 'epoch',
  loggingSteps: 10,
  // The last (to resume) and the best: a bert-base checkpoint with AdamW moments is 1.3 GB, a bert-large one 4 GB.
  saveTotalLimit: 1,
  seed: 42,
  labelSmoothing: 0,
  classWeights: 'none',
  mlmProbability: 0.15,
  setfitIterations: 20,
  dropout: true,
};

type Check = (v: unknown) => string | undefined;
const positive: Check = (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'a positive number');
const nonNegative: Check = (v) => (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? undefined : 'a number >= 0');
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const nonNegativeInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'an integer >= 0');
const unit: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf = (xs: readonly string[]): Check => (v) => (xs.includes(v as string) ? undefined : `one of ${xs.join(', ')}`);

const CHECKS: Record<keyof TrainingArgs, Check> = {
  learningRate: positive,
  headLearningRate: positive,
  epochs: positive,
  maxSteps: nonNegativeInt,
  batchSize: positiveInt,
  evalBatchSize: positiveInt,
  maxLength: (v) => (Number.isInteger(v) && (v as number) >= 8 ? undefined : 'an integer >= 8'),
  warmupRatio: unit,
  warmupSteps: nonNegativeInt,
  weightDecay: nonNegative,
  scheduler: oneOf(SCHEDULE_NAMES),
  numCycles: positive,
  power: positive,
  lrEnd: nonNegative,
  maxGradNorm: nonNegative,
  gradientAccumulationSteps: positiveInt,
  optimizer: oneOf(['adamw', 'sgd']),
  adamBeta1: unit,
  adamBeta2: unit,
  adamEpsilon: positive,
  momentum: unit,
  evalEvery: (v) => (v === 'epoch' || positiveInt(v) === undefined ? undefined : '"epoch" or a positive step count'),
  loggingSteps: positiveInt,
  saveTotalLimit: positiveInt,
  earlyStopping: (v) => {
    const e = v as TrainingArgs['earlyStopping'];
    if (!e || typeof e !== 'object') return 'an object { metric, patience, threshold, mode }';
    if (typeof e.metric !== 'string') return 'an object whose "metric" names an eval metric (e.g. "macroF1" or "loss")';
    if (!Number.isInteger(e.patience) || e.patience < 1) return 'an object whose "patience" is a positive integer';
    return undefined;
  },
  seed: nonNegativeInt,
  labelSmoothing: unit,
  classWeights: classWeightsShapeProblem,
  freezeLayers: nonNegativeInt,
  layerDecay: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'a number in (0, 1]'),
  unfreezeSchedule: (v) => (Array.isArray(v) && v.every((e) => Array.isArray(e) && e.every((l) => Number.isInteger(l))) ? undefined : 'a list of layer-index lists, one per epoch'),
  mlmProbability: (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : 'a number in (0, 1)'),
  setfitIterations: positiveInt,
  dropout: bool,
  threads: nonNegativeInt,
  stepsPerRun: nonNegativeInt,
};

export class SettingsError extends Error {}

/** Merges user settings over the defaults; throws SettingsError naming every bad key. */
export function resolveArgs(settings: Readonly<Record<string, unknown>> = {}): TrainingArgs {
  const problems: string[] = [];
  const known = Object.keys(CHECKS);
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const check = CHECKS[key as keyof TrainingArgs];
    if (!check) {
      const near = closestNames(key, known, 3);
      problems.push(`unknown setting "${key}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}`);
      continue;
    }
    const expected = check(value);
    if (expected) problems.push(`"${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  }
  if (problems.length) throw new SettingsError(`Invalid training settings:\n- ${problems.join('\n- ')}`);
  const args = { ...DEFAULT_ARGS, ...(settings as Partial<TrainingArgs>) };
  if (args.earlyStopping) {
    const e: Partial<NonNullable<TrainingArgs['earlyStopping']>> = args.earlyStopping;
    args.earlyStopping = { metric: e.metric ?? 'loss', patience: e.patience ?? 1, threshold: e.threshold ?? 0, mode: e.mode ?? (e.metric === 'loss' ? 'min' : 'max') };
  }
  return args;
}
