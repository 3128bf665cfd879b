// Training arguments with the tutorial's (and HF Trainer's fine-tuning) defaults, validated with messages that name the
// setting and what was expected. Unknown keys are rejected with the closest known name, so typos never pass silently.
import { SCHEDULE_NAMES, ScheduleName } from './worker/schedules';
import * as os from 'node:os';
import { closestNames } from '../util/closestNames';
import { metricNames, type TaskKind } from './worker/metrics';
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
  /** Token classification: tokens shared by consecutive windows of a sentence longer than maxLength (never cut silently). */
  stride: number;
  /** Token classification: label every subword with its word's tag (I- for continuations, HF run_ner's label_all_tokens); else only the first. */
  labelAllSubwords: boolean;
  /**
   * Question answering: tokens shared by consecutive context windows (HF run_qa's doc_stride). Unset: 128 where windows
   * are long enough (HF's default with max_seq_length 384), else a third of maxLength (docStrideFor).
   */
  docStride?: number;
  /** Question answering: longest question kept, in tokens. */
  maxQuestionLength: number;
  /** Question answering: longest answer predicted, in tokens (HF max_answer_length). */
  maxAnswerLength: number;
  /** Question answering: start and end candidates tried per window (HF n_best_size). */
  nBestSize: number;
  /** Question answering with unanswerable questions: predict no answer when the null score beats the best span by more than this. */
  nullScoreDiffThreshold: number;
  /**
   * 'lora': train low-rank adapters instead of the encoder's weights under the strategy (partial, gradual-unfreezing,
   * discriminative-lr, full); the 'lora' strategy implies it. See training/lora/.
   */
  adapter: 'none' | 'lora';
  /** LoRA rank r (PEFT's r). */
  loraRank: number;
  /** LoRA alpha: the adapter output is scaled by alpha / r (alpha / √r with useRslora). */
  loraAlpha: number;
  /** Dropout on each adapter's input (PEFT lora_dropout). */
  loraDropout: number;
  /** Rank-stabilised scaling alpha / √r (PEFT use_rslora). */
  useRslora: boolean;
  /** Modules to adapt: names matched as PEFT does (whole name or its last parts), or one regular expression; unset: the family's default (loraTargets.ts). */
  loraTargetModules?: string[] | string;
  /** More modules to train fully and save with the adapter (the head always is; PEFT modules_to_save). */
  loraModulesToSave?: string[];
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
  stride: 32,
  labelAllSubwords: false,
  maxQuestionLength: 64,
  maxAnswerLength: 30,
  nBestSize: 20,
  nullScoreDiffThreshold: 0,
  adapter: 'none',
  // PEFT's sequence-classification example (r 8, alpha 16, dropout 0.1) and LoRA paper's GLUE ranks.
  loraRank: 8,
  loraAlpha: 16,
  loraDropout: 0.1,
  useRslora: false,
};

type Check = (v: unknown) => string | undefined;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const positive: Check = (v) => (finite(v) && v > 0 ? undefined : 'a positive number');
const nonNegative: Check = (v) => (finite(v) && v >= 0 ? undefined : 'a number >= 0');
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const nonNegativeInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'an integer >= 0');
const unit: Check = (v) => (finite(v) && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf = (xs: readonly string[]): Check => (v) => (typeof v === 'string' && xs.includes(v) ? undefined : `one of ${xs.join(', ')}`);

/** Cores this machine offers; more ORT threads than twice that only contend for them. */
export const CPU_CORES = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

const EARLY_STOPPING_KEYS = ['metric', 'patience', 'threshold', 'mode'] as const;

function checkEarlyStopping(v: unknown): string | undefined {
  const shape = 'an object { metric, patience, threshold, mode }';
  if (!v || typeof v !== 'object' || Array.isArray(v)) return shape;
  const e = v as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !(EARLY_STOPPING_KEYS as readonly string[]).includes(k));
  if (unknown.length) return `${shape} (unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')})`;
  if (e.metric !== undefined && typeof e.metric !== 'string') return 'an object whose "metric" names an eval metric (e.g. "macroF1" or "loss")';
  if (e.patience !== undefined && (!Number.isInteger(e.patience) || (e.patience as number) < 1)) return 'an object whose "patience" is a positive integer';
  if (e.threshold !== undefined && !(finite(e.threshold) && e.threshold >= 0)) return 'an object whose "threshold" is a number >= 0';
  if (e.mode !== undefined && e.mode !== 'max' && e.mode !== 'min') return 'an object whose "mode" is "max" or "min"';
  return undefined;
}

// The one table of every key's type and range. Ranges that depend on the model or the task (layer indices, metric
// names) are checked by checkArgsForTask once those are known, still before any run folder exists.
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
  earlyStopping: checkEarlyStopping,
  seed: nonNegativeInt,
  labelSmoothing: unit,
  classWeights: classWeightsShapeProblem,
  freezeLayers: nonNegativeInt,
  layerDecay: (v) => (finite(v) && v > 0 && v <= 1 ? undefined : 'a number in (0, 1]'),
  unfreezeSchedule: (v) =>
    Array.isArray(v) && v.every((e) => Array.isArray(e) && e.every((l) => Number.isInteger(l) && (l as number) >= 0))
      ? undefined
      : 'a list of layer-index lists (integers >= 0), one per epoch',
  mlmProbability: (v) => (finite(v) && v > 0 && v < 1 ? undefined : 'a number in (0, 1)'),
  setfitIterations: positiveInt,
  dropout: bool,
  threads: (v) => nonNegativeInt(v) ?? ((v as number) <= CPU_CORES * 2 ? undefined : `an integer from 0 to ${CPU_CORES * 2} (this machine has ${CPU_CORES} cores; 0 chooses by timing)`),
  stepsPerRun: nonNegativeInt,
  stride: nonNegativeInt,
  labelAllSubwords: bool,
  docStride: positiveInt,
  maxQuestionLength: positiveInt,
  maxAnswerLength: positiveInt,
  nBestSize: positiveInt,
  nullScoreDiffThreshold: (v) => (finite(v) ? undefined : 'a number'),
  adapter: oneOf(['none', 'lora']),
  loraRank: positiveInt,
  loraAlpha: positive,
  loraDropout: unit,
  useRslora: bool,
  loraTargetModules: (v) =>
    (typeof v === 'string' && v.length > 0) || (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'string' && e.length > 0))
      ? undefined
      : 'a list of module names (e.g. ["query", "value"]) or one regular expression string',
  loraModulesToSave: (v) => (Array.isArray(v) && v.every((e) => typeof e === 'string' && e.length > 0) ? undefined : 'a list of module names (e.g. ["pooler"])'),
};

/**
 * A setting's value as the user wrote it, as far as it can be told: JSON.stringify would print Infinity and NaN
 * (what JSON.parse makes of 1e999) as "null", and a value that cannot be serialised as nothing at all.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : `${v} (a number beyond ±1.8e308, such as 1e999, reads as ${v})`;
  if (typeof v === 'bigint') return `${v}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function problemFor(key: string, check: Check, value: unknown): string | undefined {
  const expected = check(value);
  return expected && settingProblem(key, expected, value);
}

/** One bad setting in the shared wording: the key, what it must be (saying "finite" for ±Infinity), what it got. */
export function settingProblem(key: string, expected: string, value: unknown): string {
  const finiteHint = typeof value === 'number' && !Number.isFinite(value) ? 'a finite number: ' : '';
  return `"${key}" must be ${finiteHint}${expected}, got ${describeValue(value)}`;
}

export class SettingsError extends Error {}

/** The QA window overlap a run uses: the setting, or HF's 128 capped at a third of the window so a window always advances. */
export function docStrideFor(args: Pick<TrainingArgs, 'docStride'>, maxLength: number): number {
  return args.docStride ?? Math.min(128, Math.floor(maxLength / 3));
}

/** Merges user settings over the defaults; throws SettingsError naming every bad key. */
export function resolveArgs(settings: Readonly<Record<string, unknown>> = {}): TrainingArgs {
  const problems: string[] = [];
  const known = Object.keys(CHECKS);
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new SettingsError(`Invalid training settings: expected an object of settings such as { "learningRate": 2e-5 }, got ${describeValue(settings)}`);
  }
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    // Own keys only: "constructor", "toString" or "__proto__" must not find Object.prototype's members here.
    const check = Object.hasOwn(CHECKS, key) ? CHECKS[key as keyof TrainingArgs] : undefined;
    if (!check) {
      const near = closestNames(key, known, 3);
      problems.push(`unknown setting "${key}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}`);
      continue;
    }
    const problem = problemFor(key, check, value);
    if (problem) problems.push(problem);
  }
  if (problems.length) throw new SettingsError(`Invalid training settings:\n- ${problems.join('\n- ')}`);
  const args = { ...DEFAULT_ARGS, ...(settings as Partial<TrainingArgs>) };
  if (args.earlyStopping) {
    const e: Partial<NonNullable<TrainingArgs['earlyStopping']>> = args.earlyStopping;
    args.earlyStopping = { metric: e.metric ?? 'loss', patience: e.patience ?? 1, threshold: e.threshold ?? 0, mode: e.mode ?? (e.metric === 'loss' ? 'min' : 'max') };
  }
  return args;
}

/** What a run's trainer knows once it has read the model and the data: the ranges some settings depend on. */
export interface TaskFacts {
  task: TaskKind;
  /** Encoder layers of the model (config.json's num_hidden_layers / n_layers). */
  numLayers: number;
}

/**
 * The settings whose allowed values depend on the model or the task: the early-stopping metric must be one the task's
 * evaluation reports, layer indices must exist. Throws SettingsError in resolveArgs' style; called by the trainers
 * before any run folder exists.
 */
export function checkArgsForTask(args: TrainingArgs, facts: TaskFacts): void {
  const problems: string[] = [];
  const metric = args.earlyStopping?.metric;
  const metrics = metricNames(facts.task);
  if (metric !== undefined && !metrics.includes(metric)) {
    const near = closestNames(metric, metrics, 1);
    problems.push(
      `"earlyStopping.metric" must be one of the metrics a ${facts.task} evaluation reports (${metrics.join(', ')}), got ${describeValue(metric)}` +
      (near.length ? ` (did you mean "${near[0]}"?)` : ''),
    );
  }
  const last = facts.numLayers - 1;
  const layers = `the model has ${facts.numLayers} layer${facts.numLayers === 1 ? '' : 's'}`;
  (args.unfreezeSchedule ?? []).forEach((epochLayers, epoch) => {
    const outside = epochLayers.filter((l) => l > last);
    if (outside.length) problems.push(`"unfreezeSchedule" must list layer indices from 0 to ${last} (${layers}), got ${outside.join(', ')} for epoch ${epoch}`);
  });
  if (args.freezeLayers !== undefined && args.freezeLayers > facts.numLayers) {
    problems.push(`"freezeLayers" must be an integer from 0 to ${facts.numLayers} (${layers}), got ${args.freezeLayers}`);
  }
  if (problems.length) throw new SettingsError(`Invalid training settings:\n- ${problems.join('\n- ')}`);
}
