// What the Datasets view and the form show for a file of any task: the file's shape is read first (taskShape.ts), so a
// CoNLL, token-list, span, SQuAD or question/context file is described as what it is (sentences and entity types,
// questions and whether some have no answer) instead of being read as a table that lacks a label column. Sequence
// classification files get summary.ts' one-pass summary, as before.
import * as fs from 'node:fs';
import { toResult, type DataResult } from './errors';
import { loadNerDataset } from './ner';
import type { NerFormat } from './ner/sentence';
import type { TagScheme } from './ner/tagSchemes';
import { loadQaDataset } from './qa';
import { summarizeDataset, type DatasetSummary, type LabelCount, type SummaryOptions } from './summary';
import { detectDataTask, type DataTask } from './taskShape';

export type TokenTask = Exclude<DataTask, 'classification'>;

export interface NerFacts {
  format: NerFormat;
  /** The scheme the file is written in (the trainer reads it as IOB2). */
  scheme: TagScheme;
  /** Entity types with their entity counts (a B- tag and its I- continuation is one entity), sorted by name. */
  entityTypes: LabelCount[];
  /** Words over all sentences. */
  words: number;
}

export interface QaFacts {
  format: 'squad' | 'jsonl';
  /** Some question has no answer (SQuAD v2.0's is_impossible). */
  version2: boolean;
  unanswerable: number;
  /** Distinct contexts (paragraphs); the trainer splits by context. */
  contexts: number;
}

/** A token-classification or extractive-QA file, read whole by its task's loader. */
export interface TaskDataSummary {
  task: TokenTask;
  file: string;
  /** Why the file was read as this task (detectDataTask's reason). */
  reason: string;
  sizeBytes: number;
  /** Sentences (NER) or questions (QA). */
  rows: number;
  /** The loaders read the whole file. */
  complete: true;
  ner?: NerFacts;
  qa?: QaFacts;
  /** The loader's warnings (empty sentences skipped, tags rewritten...) and anything that stops a run. */
  problems: string[];
  /** The problems that stop a run (the trainer would refuse the file): a subset of `problems`. */
  blocking: string[];
}

export type AnyDatasetSummary = (DatasetSummary & { task?: 'classification' }) | TaskDataSummary;

export function isTaskSummary(s: AnyDatasetSummary | undefined): s is TaskDataSummary {
  return s !== undefined && (s.task === 'token-classification' || s.task === 'question-answering');
}

/** Entity types and their counts from IOB2 tag sequences: one entity per B- tag (the loader wrote every entity so). */
export function entityCounts(tagSequences: readonly (readonly string[])[]): LabelCount[] {
  const counts = new Map<string, number>();
  for (const tags of tagSequences) for (const t of tags) if (t.startsWith('B-')) counts.set(t.slice(2), (counts.get(t.slice(2)) ?? 0) + 1);
  return [...counts.keys()].sort().map((label) => ({ label, count: counts.get(label)! }));
}

async function nerSummary(file: string, reason: string, sizeBytes: number): Promise<TaskDataSummary> {
  const d = await loadNerDataset(file);
  const entityTypes = entityCounts(d.examples.map((e) => e.tags));
  // Types the tag set names but no sentence uses (a label list from dataset_info.json) are still types the model has.
  for (const l of d.labels) {
    const type = l.slice(2);
    if (l.startsWith('B-') && !entityTypes.some((t) => t.label === type)) entityTypes.push({ label: type, count: 0 });
  }
  entityTypes.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const blocking: string[] = [];
  if (!d.examples.length) blocking.push('the file has no sentences.');
  else if (!entityTypes.some((t) => t.count > 0)) blocking.push('every token is tagged O: token classification needs at least one entity (B-X / I-X tags).');
  return {
    task: 'token-classification', file, reason, sizeBytes, rows: d.examples.length, complete: true,
    ner: { format: d.format, scheme: d.scheme, entityTypes, words: d.examples.reduce((n, e) => n + e.tokens.length, 0) },
    problems: [...d.warnings, ...blocking], blocking,
  };
}

async function qaSummary(file: string, reason: string, sizeBytes: number): Promise<TaskDataSummary> {
  const d = await loadQaDataset(file);
  const unanswerable = d.examples.filter((e) => e.answers.text.length === 0).length;
  const blocking: string[] = [];
  if (!d.examples.length) blocking.push('the file has no questions.');
  else if (unanswerable === d.examples.length) blocking.push('no question has an answer: extractive QA needs answered questions to learn spans from.');
  return {
    task: 'question-answering', file, reason, sizeBytes, rows: d.examples.length, complete: true,
    qa: { format: d.format, version2: d.version2, unanswerable, contexts: new Set(d.examples.map((e) => e.context)).size },
    problems: [...d.warnings, ...blocking], blocking,
  };
}

/** The summary of a token-classification or QA file, read by its task's loader (whose errors name file and line). */
export function summarizeTaskData(file: string, task: TokenTask, reason = ''): Promise<DataResult<TaskDataSummary>> {
  return toResult(file, async () => {
    const sizeBytes = (await fs.promises.stat(file)).size;
    return task === 'token-classification' ? nerSummary(file, reason, sizeBytes) : qaSummary(file, reason, sizeBytes);
  });
}

export interface AnySummaryOptions extends SummaryOptions {
  /** The task to read the file as; detected from its shape when absent (what a run without `task` does). */
  task?: DataTask;
}

/** What the view and the form show for `file`: detected task first, then that task's summary. */
export async function summarizeAnyDataset(file: string, opts: AnySummaryOptions = {}): Promise<DataResult<AnyDatasetSummary>> {
  let task = opts.task;
  let reason = '';
  if (!task) {
    try {
      ({ task, reason } = await detectDataTask(file));
    } catch {
      task = 'classification'; // an unreadable file: summarizeDataset reports the read error in its own words
    }
  }
  if (task === 'classification') return summarizeDataset(file, opts);
  return summarizeTaskData(file, task, reason);
}
