// Train / validation / test from files side by side (train.csv, dev.csv, test.csv), from a split column, or from a
// seeded stratified split; and the warning when the same text sits in training and evaluation data.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCandidateDataset } from './datasetFile';
import { listSome, SplitError, type DatasetWarning } from './errors';
import type { Example } from './examples';
import { Rng } from '../util/rng';

export type SplitName = 'train' | 'validation' | 'test';

const ALIASES: Record<string, SplitName> = {
  train: 'train', training: 'train', trn: 'train',
  validation: 'validation', valid: 'validation', val: 'validation', dev: 'validation', eval: 'validation', development: 'validation',
  test: 'test', testing: 'test', tst: 'test',
};

export function normalizeSplitName(name: string): SplitName | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

/** The names accepted for a split, in file names and split-column values alike: "validation, valid, val, dev, ...". */
export function acceptedSplitNames(split: SplitName): string {
  return Object.keys(ALIASES).filter((k) => ALIASES[k] === split).join(', ');
}

/** Where one split's examples came from. */
export type SplitOrigin =
  | { kind: 'file'; file: string }
  | { kind: 'column'; file: string; column: string }
  | { kind: 'slice'; of: string; fraction: number; seed: number }
  | { kind: 'none' };

export function describeOrigin(o: SplitOrigin): string {
  switch (o.kind) {
    case 'file': return path.basename(o.file);
    case 'column': return `split column "${o.column}" of ${path.basename(o.file)}`;
    case 'slice': return `a stratified ${+(o.fraction * 100).toFixed(2)}% slice of ${path.basename(o.of)} (seed ${o.seed})`;
    case 'none': return 'none';
  }
}

export type SplitFiles = Partial<Record<SplitName, string>>;

/**
 * Files that belong together by name: "train.csv"/"dev.csv"/"test.csv", "sst2_train.jsonl"/"sst2_validation.jsonl",
 * "train-00000-of-00001.parquet"/"test-00000-of-00001.parquet". `file` may be any one of them. `isCandidate` says which
 * file names can be a split at all (the token tasks add CoNLL's extensions to the classification formats).
 */
export async function findSplitFiles(file: string, isCandidate: (name: string) => boolean = isCandidateDataset): Promise<SplitFiles> {
  const dir = path.dirname(file);
  const tokens = path.basename(file).split(/([-_.])/);
  const at = tokens.findIndex((t) => normalizeSplitName(t));
  if (at === -1) return {};
  const entries = await fs.promises.readdir(dir);
  const found: SplitFiles = {};
  for (const entry of entries.sort()) {
    const other = entry.split(/([-_.])/);
    if (other.length !== tokens.length || !isCandidate(entry)) continue;
    const split = normalizeSplitName(other[at]);
    if (!split || found[split]) continue;
    if (other.every((t, k) => k === at || t === tokens[k])) found[split] = path.join(dir, entry);
  }
  return found;
}

/** Partitions by the split column's value; unknown values are an error naming them and the accepted names. */
export function partitionBySplit(file: string, column: string, examples: readonly Example[]): Record<SplitName, Example[]> {
  const out: Record<SplitName, Example[]> = { train: [], validation: [], test: [] };
  for (const e of examples) {
    const split = normalizeSplitName(e.split ?? '');
    if (!split) {
      throw new SplitError('bad-split', { file, line: e.line },
        `split column "${column}" holds ${JSON.stringify(e.split ?? '')}; expected train, validation (or dev/valid/val) or test`);
    }
    out[split].push(e);
  }
  if (!out.train.length) throw new SplitError('bad-split', { file }, `no row has "${column}" = train; the training split would be empty`);
  return out;
}

export interface SplitRatios {
  validation: number;
  test?: number;
}

/**
 * A seeded split that keeps each class's share in every part (single-label classification); multi-label and
 * regression examples are split at random. Every class with at least two examples keeps one in training.
 */
export function stratifiedSplit(examples: readonly Example[], ratios: SplitRatios, seed: number): Record<SplitName, Example[]> {
  const test = ratios.test ?? 0;
  if (!(ratios.validation >= 0 && test >= 0 && ratios.validation + test < 1)) {
    throw new RangeError(`split ratios must be ≥ 0 and sum to less than 1 (validation ${ratios.validation}, test ${test})`);
  }
  const rng = new Rng(seed);
  const groups = new Map<string, Example[]>();
  for (const e of examples) {
    const key = typeof e.label === 'number' && Number.isInteger(e.label) ? String(e.label) : '*';
    const g = groups.get(key) ?? [];
    g.push(e);
    groups.set(key, g);
  }
  const out: Record<SplitName, Example[]> = { train: [], validation: [], test: [] };
  for (const key of [...groups.keys()].sort()) {
    const g = rng.shuffle([...groups.get(key)!]);
    let nTest = Math.round(g.length * test);
    let nVal = Math.round(g.length * ratios.validation);
    while (nTest + nVal >= g.length && nTest + nVal > 0) {
      if (nTest >= nVal && nTest > 0) nTest--;
      else nVal--;
    }
    out.test.push(...g.slice(0, nTest));
    out.validation.push(...g.slice(nTest, nTest + nVal));
    out.train.push(...g.slice(nTest + nVal));
  }
  // Keep file order inside each part: predictable for users reading the split back.
  for (const part of Object.values(out)) part.sort((a, b) => a.line - b.line);
  return out;
}

function identity(e: Example): string {
  return e.textPair === undefined ? e.text : `${e.text}\u0000${e.textPair}`;
}

/** A warning when texts of `evalSet` also occur in `train`: the evaluation would measure memorisation. */
export function overlapWarning(trainFile: string, train: readonly Example[], evalFile: string, evalSet: readonly Example[], evalName = 'test'): DatasetWarning | undefined {
  const seen = new Set(train.map(identity));
  const lines = evalSet.filter((e) => seen.has(identity(e))).map((e) => e.line);
  if (!lines.length) return undefined;
  const noun = lines.length === 1 ? 'line' : 'lines';
  const where = evalFile === trainFile ? `${evalName} rows at ${noun}` : `${path.basename(evalFile)} ${noun}`;
  return {
    code: 'train-test-overlap', file: evalFile, lines: lines.slice(0, 20), count: lines.length,
    message: `${lines.length} of ${evalSet.length} ${evalName} example(s) also appear in the training data ` +
      `(${where} ${listSome(lines, lines.length)}); scores on them measure memorisation, not generalisation.`,
  };
}
