// Everything a run's model card is built from, read from the run folder: run.json, the train / eval / lrGroups / test
// records of metrics.jsonl, the base model's card, and what the export folders hold. The card never looks elsewhere,
// so two cards of the same run folder are the same card.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskKind } from '../worker/metrics';
import type { CardPipeline } from './cardPipeline';
import { readMetrics, readRun, type RunRecord } from '../runStore';
import { baseModelInfo, type BaseModelInfo } from './baseModelCard';

export type CardFolder = 'model' | 'adapter';

export interface CardEval { step: number; epoch: number; metrics: Record<string, number> }
export interface CardTrain { step: number; epoch: number; loss: number }
export interface CardLrGroups { step: number; groups: Record<string, number> }

export interface CardTask {
  kind: TaskKind;
  /** The Hub task (pipeline_tag and model-index task.type), one of @huggingface/tasks' PIPELINE_TYPES. */
  pipeline: CardPipeline;
  setfit: boolean;
}

export interface CardInputs {
  runDir: string;
  record: RunRecord;
  task: CardTask;
  evals: CardEval[];
  trains: CardTrain[];
  lrGroups: CardLrGroups[];
  base: BaseModelInfo;
  folder: CardFolder;
  /** What the card is named (model-index name and title): the Hub repo it will be pushed to, else the run id. */
  name: string;
  /** Whether the folder carries onnx/model.onnx (transformers.js loads it). */
  hasOnnx: boolean;
}

export function cardTask(record: RunRecord): CardTask {
  if (record.config.strategy === 'setfit') return { kind: 'single-label', pipeline: 'text-classification', setfit: true };
  if (record.config.strategy === 'mlm') return { kind: 'masked-lm', pipeline: 'fill-mask', setfit: false };
  if (record.dataset.task === 'token-classification') return { kind: 'token-classification', pipeline: 'token-classification', setfit: false };
  if (record.dataset.task === 'question-answering') return { kind: 'question-answering', pipeline: 'question-answering', setfit: false };
  // Regression and multi-label heads are sequence classifiers too (transformers' text-classification pipeline).
  const kind = record.dataset.labelSpace?.kind;
  return { kind: kind === 'multi' ? 'multi-label' : kind === 'float' ? 'regression' : 'single-label', pipeline: 'text-classification', setfit: false };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
/** A metrics object's finite numbers (JSON keeps a non-finite value as null: it has no value to report). */
const finiteMetrics = (v: unknown): Record<string, number> => {
  const out: Record<string, number> = {};
  if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
};

export function readCardInputs(runDir: string, opts: { folder: CardFolder; repoId?: string }): CardInputs {
  const record = readRun(runDir);
  const entries = readMetrics(runDir);
  const evals: CardEval[] = [];
  const trains: CardTrain[] = [];
  const lrGroups: CardLrGroups[] = [];
  for (const e of entries) {
    if (typeof e.step !== 'number') continue;
    if (e.type === 'eval') evals.push({ step: e.step, epoch: num(e.epoch), metrics: finiteMetrics(e.metrics) });
    else if (e.type === 'train') trains.push({ step: e.step, epoch: num(e.epoch), loss: num(e.loss) });
    else if (e.type === 'lrGroups') lrGroups.push({ step: e.step, groups: finiteMetrics(e.groups) });
  }
  const folderDir = path.join(runDir, opts.folder);
  return {
    runDir, record, task: cardTask(record), evals, trains, lrGroups, base: baseModelInfo(record), folder: opts.folder,
    name: opts.repoId ?? record.id, hasOnnx: fs.existsSync(path.join(folderDir, 'onnx', 'model.onnx')),
  };
}

/**
 * The results the card reports: the test split's when the run had one (evaluated once on the exported weights), else
 * the evaluation of the exported weights: the best one when early stopping exported the best checkpoint, else the last.
 */
export function reportedResults(c: CardInputs): { split: 'test' | 'validation'; step: number; examples?: number; metrics: Record<string, number> } | undefined {
  const t = c.record.test;
  if (t) return { split: 'test', step: t.step, examples: t.examples, metrics: finiteMetrics(t.metrics) };
  const earlyStopped = c.record.config.settings?.earlyStopping !== undefined && c.record.bestMetric !== undefined;
  const chosen = earlyStopped ? c.evals.filter((e) => e.step === c.record.bestMetric!.step).at(-1) : undefined;
  const e = chosen ?? c.evals.at(-1);
  return e && { split: 'validation', step: e.step, metrics: e.metrics };
}
