// NER examples (words + tag ids) → model inputs with one label per subword token, and model outputs → one tag per
// word. Long sentences become several overlapping windows (HF return_overflowing_tokens with a stride) so no word is
// cut off silently; each word is then scored in exactly one window, the one where it has the most context on both
// sides (HF's "max context" rule from run_squad), so overlapping predictions never disagree.
import type { WordEncoder } from '../../models/wordEncoding';

/** HF's ignore_index: tokens with this label add nothing to the loss. */
export const IGNORED_LABEL = -100;

export interface NerFeature {
  ids: number[];
  typeIds: number[];
  /** Per token; -100 = ignored (specials, continuation subwords unless labelAllSubwords, every token without tags). */
  labels: number[];
  /** Index of the example this window comes from. */
  example: number;
  /** Per token: word index in the example, null for special tokens. */
  wordIds: (number | null)[];
  /** Per token: this token's prediction is its word's (first subword, in the window where the word is kept). */
  scored: boolean[];
}

export interface NerFeatureOptions {
  /** Tokens per window, special tokens included. */
  maxLength: number;
  /** Content tokens shared by consecutive windows. */
  stride: number;
  /** Continuation subwords are trained on their word's I- tag (HF run_ner label_all_tokens) instead of ignored. */
  labelAllSubwords?: boolean;
  /** Tag names by id, needed with labelAllSubwords to find each B-X tag's I-X. */
  labels?: readonly string[];
}

export function nerFeatures(examples: readonly { tokens: string[]; tags?: number[] }[], enc: WordEncoder, o: NerFeatureOptions): NerFeature[] {
  const budget = o.maxLength - enc.singleSpecials;
  if (!Number.isInteger(o.maxLength) || budget < 1) {
    throw new RangeError(`NER features: maxLength ${o.maxLength} leaves no room for words next to the ${enc.singleSpecials} special tokens; use at least ${enc.singleSpecials + 1}.`);
  }
  if (!Number.isInteger(o.stride) || o.stride < 0 || o.stride >= budget) {
    throw new RangeError(`NER features: stride ${o.stride} must be a whole number from 0 to ${budget - 1} (windows of maxLength ${o.maxLength} hold ${budget} word tokens).`);
  }
  const continuation = o.labelAllSubwords ? continuationTags(o.labels) : undefined;
  const out: NerFeature[] = [];
  examples.forEach((ex, e) => {
    if (ex.tags && ex.tags.length !== ex.tokens.length) {
      throw new RangeError(`NER features: example ${e} has ${ex.tokens.length} words but ${ex.tags.length} tags; they must match one to one.`);
    }
    const words = encodeEveryWord(ex.tokens, enc);
    // Per content token: its label when a window holds it.
    const tokenLabels = words.wordIds.map((w, k) => {
      if (!ex.tags) return IGNORED_LABEL;
      const first = k === 0 || words.wordIds[k - 1] !== w;
      if (first) return ex.tags[w];
      return continuation ? continuation(ex.tags[w]) : IGNORED_LABEL;
    });
    const windows = windowStarts(words.ids.length, budget, o.stride);
    const keptIn = bestWindows(words.wordIds, windows, budget);
    windows.forEach((start, wi) => {
      const end = Math.min(start + budget, words.ids.length);
      const laid = enc.single(words.ids.slice(start, end));
      const n = laid.ids.length;
      const feature: NerFeature = { ids: laid.ids, typeIds: laid.typeIds, labels: new Array<number>(n).fill(IGNORED_LABEL), example: e, wordIds: new Array<number | null>(n).fill(null), scored: new Array<boolean>(n).fill(false) };
      for (let k = start; k < end; k++) {
        const p = laid.contentStart + k - start;
        const w = words.wordIds[k];
        feature.labels[p] = tokenLabels[k];
        feature.wordIds[p] = w;
        feature.scored[p] = keptIn[w] === wi && words.firstToken[w] === k;
      }
      out.push(feature);
    });
  });
  return out;
}

/**
 * Model outputs back to one tag per word: the argmax of each word's scored token, with its softmax probability.
 * `logits(f)` is feature f's [seq, numLabels] row-major output (seq may exceed the feature's length: batch padding).
 */
export function wordTagIds(features: readonly NerFeature[], logits: (f: number) => Float32Array, numLabels: number, wordsPerExample: readonly number[]): { tags: number[][]; scores: number[][] } {
  const tags = wordsPerExample.map((n) => new Array<number>(n).fill(-1));
  const scores = wordsPerExample.map((n) => new Array<number>(n).fill(0));
  features.forEach((f, fi) => {
    const out = logits(fi);
    if (out.length < f.ids.length * numLabels) {
      throw new RangeError(`NER predictions: feature ${fi} has ${f.ids.length} tokens but its logits hold ${out.length / numLabels} rows of ${numLabels} labels.`);
    }
    if (f.example >= wordsPerExample.length) throw new RangeError(`NER predictions: feature ${fi} belongs to example ${f.example}, but only ${wordsPerExample.length} examples were given.`);
    f.scored.forEach((scored, k) => {
      if (!scored) return;
      const w = f.wordIds[k] as number;
      if (w >= wordsPerExample[f.example]) throw new RangeError(`NER predictions: feature ${fi} scores word ${w} of example ${f.example}, which has ${wordsPerExample[f.example]} words.`);
      if (tags[f.example][w] !== -1) throw new RangeError(`NER predictions: word ${w} of example ${f.example} is scored by two windows.`);
      const { best, probability } = argmaxSoftmax(out, k * numLabels, numLabels);
      tags[f.example][w] = best;
      scores[f.example][w] = probability;
    });
  });
  tags.forEach((row, e) => {
    const missing = row.indexOf(-1);
    if (missing >= 0) throw new RangeError(`NER predictions: word ${missing} of example ${e} is scored by no window; the features do not match these examples.`);
  });
  return { tags, scores };
}

function argmaxSoftmax(xs: Float32Array, from: number, n: number): { best: number; probability: number } {
  let best = 0;
  for (let c = 1; c < n; c++) if (xs[from + c] > xs[from + best]) best = c;
  let sum = 0;
  for (let c = 0; c < n; c++) sum += Math.exp(xs[from + c] - xs[from + best]);
  return { best, probability: 1 / sum };
}

/**
 * Every word gets at least one token: a word the normalizer deletes entirely (BERT drops control characters) becomes
 * [UNK], so it still receives a label and a prediction instead of vanishing from the alignment.
 */
function encodeEveryWord(tokens: readonly string[], enc: WordEncoder): { ids: number[]; wordIds: number[]; firstToken: number[] } {
  const encoded = enc.encodeWords(tokens);
  const ids: number[] = [];
  const wordIds: number[] = [];
  const firstToken: number[] = [];
  let k = 0;
  for (let w = 0; w < tokens.length; w++) {
    firstToken.push(ids.length);
    if (k >= encoded.wordIds.length || encoded.wordIds[k] !== w) {
      ids.push(enc.unkId ?? enc.padId);
      wordIds.push(w);
    }
    while (k < encoded.wordIds.length && encoded.wordIds[k] === w) {
      ids.push(encoded.ids[k++]);
      wordIds.push(w);
    }
  }
  return { ids, wordIds, firstToken };
}

/** Window starts over n content tokens: windows of `budget` tokens, each sharing `stride` with the previous one. */
function windowStarts(n: number, budget: number, stride: number): number[] {
  const starts = [0];
  while (starts[starts.length - 1] + budget < n) starts.push(starts[starts.length - 1] + budget - stride);
  return starts;
}

/**
 * For each word, the window that keeps it: the one where its first token has the most context, min(left, right) +
 * 0.01 × window length as in HF's _check_is_max_context (the first such window on ties).
 */
function bestWindows(wordIds: readonly number[], starts: readonly number[], budget: number): number[] {
  const kept: number[] = [];
  const bestScore: number[] = [];
  wordIds.forEach((w, k) => {
    if (k > 0 && wordIds[k - 1] === w) return;
    starts.forEach((s, wi) => {
      const end = Math.min(s + budget, wordIds.length);
      if (k < s || k >= end) return;
      const score = Math.min(k - s, end - 1 - k) + 0.01 * (end - s);
      if (bestScore[w] === undefined || score > bestScore[w]) {
        bestScore[w] = score;
        kept[w] = wi;
      }
    });
  });
  return kept;
}

/** HF run_ner's b_to_i_label: each B-X id → the id of I-X (itself when the list has no I-X), other ids unchanged. */
function continuationTags(labels: readonly string[] | undefined): (tag: number) => number {
  if (!labels) throw new RangeError('NER features: labelAllSubwords needs the tag names (labels) to find the I- tag of each B- tag.');
  const map = labels.map((l, i) => {
    const m = /^B-(.+)$/u.exec(l);
    if (!m) return i;
    const inside = labels.indexOf(`I-${m[1]}`);
    return inside >= 0 ? inside : i;
  });
  return (tag) => map[tag] ?? tag;
}
