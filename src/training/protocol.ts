// The ONLY definition of the messages between the extension (or CLI) and the training worker, and of the metrics feed
// (metrics.jsonl) the trainers write and the dashboard and comparison read. Both sides import it.
import type { TrainingArgs } from './hyperparameters';
import type { SetFitSettings } from './setfit/settings';

/** The settings a run may carry: any training argument (hyperparameters.ts) and SetFit's own; unset ones take defaults. */
export type RunSettings = Partial<TrainingArgs> & SetFitSettings;

/** What a run is asked to do. Serialised verbatim into run.json. */
export type RunTask = 'classification' | 'token-classification' | 'question-answering';
export const RUN_TASKS: readonly RunTask[] = ['classification', 'token-classification', 'question-answering'];

export interface RunConfig {
  model: string;
  data: string;
  strategy: import('./strategies').StrategyId;
  /**
   * What the model learns from the data: sequence classification (labels per text), token classification (NER: a tag
   * per word) or extractive question answering (SQuAD). Unset: read off the data file's shape (data/taskShape.ts).
   */
  task?: RunTask;
  /** NER files whose tags are integer ids with no dataset_info.json beside them: the tag names, in id order. */
  labelNames?: string[];
  /** Where the run folder is created (`<runsRoot>/<id>/`). */
  runsRoot: string;
  /** Column mapping overrides (text, textPair, label, split...); unset columns are detected. */
  mapping?: import('../data/schema').MappingOverride;
  /** Bounds on one data row and the header, in characters (default 1 MiB each); raise them for very long rows. */
  dataLimits?: Partial<import('../data/readers/limits').ReadLimits>;
  /** auto | cpu | cuda | webgpu (the finetuneStudio.device setting). */
  device?: import('../onnx/device').DeviceSetting;
  /** Hyperparameters, schedule, SetFit options...: anything unset takes the trainer's defaults. */
  settings?: RunSettings;
}

export type ToWorker =
  | { type: 'start'; config: RunConfig; resumeFrom?: string }
  | { type: 'cancel' }
  | { type: 'pause' }
  | { type: 'resume' };

export type FromWorker =
  | { type: 'started'; runId: string; runDir: string; device: string; deviceReason: string; totalSteps: number }
  | { type: 'progress'; step: number; totalSteps: number; epoch: number; loss: number; lr: number; samplesPerSecond: number; tokensPerSecond: number; etaSeconds: number }
  | { type: 'eval'; step: number; epoch: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string; best: boolean }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The loop stopped for a pause after `step` steps (paused), or goes on from there (not paused). */
  | { type: 'paused'; paused: boolean; step: number }
  | { type: 'error'; message: string; stack?: string }
  /** testMetrics: the test split's, evaluated once at the end (never used for selection), when the data has one. */
  | { type: 'done'; runDir: string; status: 'completed' | 'cancelled'; bestMetric?: { name: string; value: number }; testMetrics?: Record<string, number> };

export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

// ---- the metrics feed: one JSON object per line of <run>/metrics.jsonl ----------------------------------------------

/** How a run that wrote its summary ended its loop. */
export type StopReason = 'completed' | 'cancelled' | 'early-stopped';

export interface TrainEntry {
  type: 'train';
  time?: string;
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  samplesPerSecond: number;
  tokensPerSecond: number;
  totalSteps?: number;
  etaSeconds?: number;
  gradNorm?: number;
  /** SetFit: which of its two phases the step belongs to. */
  phase?: 'body' | 'head';
}

export interface PerClassRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** Examples predicted as this class; absent in runs written before it was recorded. */
  predicted?: number;
}

export interface EvalEntry {
  type: 'eval';
  time?: string;
  step: number;
  epoch: number;
  metrics: Record<string, number>;
  perClass?: PerClassRow[];
  confusion?: number[][];
  /** The confusion matrix's row/column names when they are not the run's labels (NER: O, then the entity types). */
  confusionLabels?: string[];
}

/**
 * The test split, evaluated once after training on the model the run exports (the best checkpoint's weights when
 * early stopping kept it). Never used for selection; written at most once per run.
 */
export interface TestEntry {
  type: 'test';
  time?: string;
  /** The step whose weights were evaluated. */
  step: number;
  examples: number;
  metrics: Record<string, number>;
  perClass?: PerClassRow[];
  confusion?: number[][];
  /** The confusion matrix's row/column names when they are not the run's labels (NER: O, then the entity types). */
  confusionLabels?: string[];
}

export interface SummaryEntry {
  type: 'summary';
  time?: string;
  trainSeconds?: number;
  samplesPerSecond?: number;
  inferenceMsPerExample?: number;
  modelBytes?: number;
  /** LoRA runs: the adapter folder's adapter_model.safetensors (adapters + saved head), what sharing the run costs. */
  adapterBytes?: number;
  /** The whole run folder (checkpoints, export, artifacts, caches) when the run ended. */
  diskBytes?: number;
  trainableParams?: number;
  totalParams?: number;
  finalMetrics?: Record<string, number>;
  stopReason?: StopReason;
}

/** A trainer message kept in the run's log (data warnings, what is trained per epoch). */
export interface LogEntry {
  type: 'log';
  time?: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/**
 * The learning rate of each trainable parameter group as a multiple of the scheduled `lr` of the train entries, from
 * the step after `step` on: written when a phase opens (every phase of gradual unfreezing, the one phase of layer-wise
 * decay). Groups are named "embeddings", "layer <i>" (0-based) and "head" (pooler included); a frozen group is absent.
 * One small line per phase instead of a value per group on every train line; runs written before it have none and
 * read as one learning rate.
 */
export interface LrGroupsEntry {
  type: 'lrGroups';
  time?: string;
  step: number;
  groups: Record<string, number>;
}

export type MetricsEntry = TrainEntry | EvalEntry | TestEntry | SummaryEntry | LogEntry | LrGroupsEntry;

/** What a trainer appends to metrics.jsonl; appendMetrics stamps the time. */
export type NewMetricsEntry = MetricsEntry extends infer E ? (E extends MetricsEntry ? Omit<E, 'time'> : never) : never;
