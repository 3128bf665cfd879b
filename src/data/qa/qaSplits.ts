// Train / validation / test for question answering: side-by-side files (squad_train.json + squad_validation.json,
// found by data/splits.ts's naming rules), else a seeded random split of the training file that keeps every question
// of one article (or, with few articles, of one context) on the same side: questions about the same text share most
// of their answer evidence, and letting them straddle the split would score memorization as reading.
import * as path from 'node:path';
import { findSplitFiles } from '../splits';
import { SplitError } from '../errors';
import { Rng } from '../../util/rng';
import { loadQaDataset } from './loadQa';
import type { QaDataset, QaExample } from './qaRows';

export interface QaSplits {
  version2: boolean;
  format: QaDataset['format'];
  train: QaExample[];
  validation: QaExample[];
  test: QaExample[];
  files: { train: string; validation?: string; test?: string };
  /** In words: "file squad_validation.json", "10% random split by article (seed 42)", "none". */
  origins: { validation: string; test: string };
  warnings: string[];
}

// Fewer articles than this and a split by article cannot come near the asked ratio: split by context instead.
const MIN_ARTICLES = 10;

/** Questions grouped by article title (or context), groups shuffled, validation filled up to the ratio. */
export function splitByContext(examples: readonly QaExample[], ratio: number, seed: number): { train: QaExample[]; validation: QaExample[]; unit: string } {
  const titles = new Set(examples.map((e) => e.title));
  const byTitle = !titles.has(undefined) && titles.size >= MIN_ARTICLES;
  const groups = new Map<string, QaExample[]>();
  for (const e of examples) {
    const key = byTitle ? `t:${e.title}` : `c:${e.context}`;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const order = new Rng(seed).shuffle([...groups.values()]);
  const wanted = Math.max(1, Math.round(ratio * examples.length));
  const validation: QaExample[] = [];
  const train: QaExample[] = [];
  order.forEach((g, k) => {
    // Training always keeps at least one group, so a tiny file still trains on something.
    const lastChanceForTrain = train.length === 0 && k === order.length - 1;
    if (validation.length < wanted && !lastChanceForTrain) validation.push(...g);
    else train.push(...g);
  });
  // Restore file order inside each side: epochs shuffle anyway, and reports read better in file order.
  const rank = new Map(examples.map((e, i) => [e, i]));
  const byRank = (a: QaExample, b: QaExample) => rank.get(a)! - rank.get(b)!;
  return { train: train.sort(byRank), validation: validation.sort(byRank), unit: byTitle ? 'article' : 'context' };
}

function overlapWarning(trainFile: string, train: readonly QaExample[], other: readonly QaExample[], name: string): string | undefined {
  const seen = new Set(train.map((e) => `${e.question}\u0000${e.context}`));
  const repeated = other.filter((e) => seen.has(`${e.question}\u0000${e.context}`));
  if (repeated.length === 0) return undefined;
  return `${path.basename(trainFile)}: ${repeated.length} ${name} question${repeated.length === 1 ? '' : 's'} (first at line ${repeated[0].line}) also appear in training with the same context; ` +
    `the ${name} scores will be optimistic`;
}

export async function loadQaSplits(file: string, o: { seed: number; validationRatio?: number }): Promise<QaSplits> {
  const ratio = o.validationRatio ?? 0.1;
  if (!(ratio > 0 && ratio < 1)) throw new SplitError('bad-split', { file }, `validationRatio is ${ratio}; expected a fraction between 0 and 1 (e.g. 0.1)`);
  const found = await findSplitFiles(file);
  const trainFile = found.train ?? file;
  // A lone "x_validation.json" is the training file itself, not its own validation set.
  if (found.validation === trainFile) delete found.validation;
  if (found.test === trainFile) delete found.test;
  const train = await loadQaDataset(trainFile);
  const warnings = [...train.warnings];
  const files: QaSplits['files'] = { train: trainFile };
  let validation: QaExample[];
  let test: QaExample[] = [];
  const origins = { validation: 'none', test: 'none' };
  let trainExamples = train.examples;
  let version2 = train.version2;

  if (found.validation) {
    const v = await loadQaDataset(found.validation);
    validation = v.examples;
    warnings.push(...v.warnings);
    files.validation = found.validation;
    origins.validation = `file ${path.basename(found.validation)}`;
    version2 ||= v.version2;
  } else {
    if (train.examples.length < 2) {
      throw new SplitError('no-validation', { file: trainFile }, `only ${train.examples.length} question; a validation split needs at least 2 (or add a ${path.basename(trainFile).replace(/train/i, 'validation')} file)`);
    }
    const split = splitByContext(train.examples, ratio, o.seed);
    trainExamples = split.train;
    validation = split.validation;
    origins.validation = `${+(ratio * 100).toFixed(2)}% random split by ${split.unit} of ${path.basename(trainFile)} (seed ${o.seed})`;
  }
  if (found.test) {
    const t = await loadQaDataset(found.test);
    test = t.examples;
    warnings.push(...t.warnings);
    files.test = found.test;
    origins.test = `file ${path.basename(found.test)}`;
    version2 ||= t.version2;
  }
  for (const [name, xs] of [['validation', validation], ['test', test]] as const) {
    const w = overlapWarning(trainFile, trainExamples, xs, name);
    if (w) warnings.push(w);
  }
  return { version2, format: train.format, train: trainExamples, validation, test, files, origins, warnings };
}
