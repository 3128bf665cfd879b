// Train / validation / test for token classification: files side by side (train.conll, dev.conll, test.conll), else a
// seeded random slice of the training file. Evaluation files may only use tags the model can learn from training.
import * as path from 'node:path';
import { formatLocation, LabelError, listSome } from '../errors';
import { findSplitFiles, type SplitFiles } from '../splits';
import { Rng } from '../../util/rng';
import { loadNerDataset, type NerDataset, type NerExample, type NerLoadOptions } from './loadNer';
import { isNerFileName } from './nerFormat';
import type { NerFormat } from './sentence';
import type { TagScheme } from './tagSchemes';

export interface NerSplits {
  labels: string[];
  scheme: TagScheme;
  format: NerFormat;
  train: NerExample[];
  validation: NerExample[];
  test: NerExample[];
  files: { train: string; validation?: string; test?: string };
  /** In words: "file dev.conll", "10% random split of train.conll (seed 42)", "none". */
  origins: { validation: string; test: string };
  warnings: string[];
}

export interface NerSplitOptions extends NerLoadOptions {
  seed: number;
  /** Share of the training file held out when there is no validation file (default 0.1). */
  validationRatio?: number;
}

/** Split files side by side as data/splits.ts pairs them ("train.conll"/"dev.conll", "wnut_train.jsonl"/"wnut_test.jsonl"), CoNLL extensions included. */
export function findNerSplitFiles(file: string): Promise<SplitFiles> {
  return findSplitFiles(file, isNerFileName);
}

/** Every tag of `evalSet` must be one the training data has; the message names the first line of each stray tag. */
function checkEvalTags(train: NerDataset, evalSet: NerDataset): void {
  const known = new Set(train.labels);
  const stray = new Map<string, number[]>();
  for (const e of evalSet.examples) {
    for (const t of e.tags) if (!known.has(t)) stray.set(t, [...(stray.get(t) ?? []), e.line]);
  }
  if (!stray.size) return;
  const list = [...stray].map(([t, lines]) => `"${t}" (${lines.length} sentence(s), first at line ${lines[0]})`);
  const types = [...new Set(train.labels.filter((l) => l !== 'O').map((l) => l.slice(2)))];
  throw new LabelError('unseen-eval-labels', { file: evalSet.file, line: [...stray.values()][0][0] },
    `tag(s) ${listSome(list, list.length)} never occur in the training data ${path.basename(train.file)} ` +
    `(its entity types: ${types.join(', ') || 'none'}); expected only those types. The model cannot predict the others: ` +
    'add examples of them to the training file or remove them from this one.');
}

function withSplit(examples: readonly NerExample[], split: string): NerExample[] {
  return examples.map((e) => ({ ...e, split }));
}

/** A seeded random slice; both parts keep file order, so a user reading them back sees the file's order. */
function randomSlice(examples: readonly NerExample[], ratio: number, seed: number): { train: NerExample[]; held: NerExample[] } {
  const order = new Rng(seed).shuffle(examples.map((_, i) => i));
  let n = Math.round(examples.length * ratio);
  if (ratio > 0 && examples.length >= 2) n = Math.min(Math.max(n, 1), examples.length - 1);
  const held = new Set(order.slice(0, n));
  return {
    train: examples.filter((_, i) => !held.has(i)),
    held: examples.filter((_, i) => held.has(i)),
  };
}

export async function loadNerSplits(file: string, o: NerSplitOptions): Promise<NerSplits> {
  const ratio = o.validationRatio ?? 0.1;
  if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`validationRatio must be ≥ 0 and < 1, got ${ratio}`);
  const found = await findNerSplitFiles(file);
  const trainFile = found.train ?? file;
  const train = await loadNerDataset(trainFile, o);
  if (train.labels.length < 2) {
    throw new LabelError('single-class', { file: trainFile },
      `every tag is O (${train.examples.length} sentences); expected some entities (B-/I- tags): a token classifier needs at least one entity type to learn`);
  }
  const warnings = [...train.warnings];
  const load = async (f: string | undefined): Promise<NerDataset | undefined> => {
    if (!f || f === trainFile) return undefined;
    const d = await loadNerDataset(f, o);
    checkEvalTags(train, d);
    warnings.push(...d.warnings);
    return d;
  };
  const validation = await load(found.validation);
  const test = await load(found.test);

  let trainExamples = train.examples;
  let validationExamples = validation?.examples ?? [];
  let validationOrigin = validation ? `file ${path.basename(validation.file)}` : 'none';
  if (!validation && ratio > 0) {
    const { train: kept, held } = randomSlice(train.examples, ratio, o.seed);
    trainExamples = kept;
    validationExamples = held;
    validationOrigin = `${+(ratio * 100).toFixed(2)}% random split of ${path.basename(trainFile)} (seed ${o.seed})`;
    if (!held.length) {
      warnings.push(`${formatLocation({ file: trainFile })}: only ${train.examples.length} sentence(s), too few to hold any out for validation; training runs without evaluation.`);
      validationOrigin = 'none';
    }
  }
  const files: NerSplits['files'] = { train: trainFile };
  if (validation) files.validation = validation.file;
  if (test) files.test = test.file;
  return {
    labels: train.labels, scheme: train.scheme, format: train.format,
    train: withSplit(trainExamples, 'train'),
    validation: withSplit(validationExamples, 'validation'),
    test: withSplit(test?.examples ?? [], 'test'),
    files,
    origins: { validation: validationOrigin, test: test ? `file ${path.basename(test.file)}` : 'none' },
    warnings,
  };
}
