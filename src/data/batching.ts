// Examples → token ids → padded int64 batches. Tokenization is injected (it belongs to the model's tokenizer); this
// module owns truncation, dynamic padding and length bucketing, which cut the padding a transformer wastes compute on.
import { Rng } from '../util/rng';
import type { Example } from './examples';

export interface EncodedText {
  ids: number[];
  /** Segment ids for text pairs (BERT's token_type_ids); absent when the model has none. */
  typeIds?: number[];
}

/** A tokenizer's batch call, ids with special tokens included. Either plain id lists or ids with segment ids. */
export type TokenizeFn = (texts: string[] | [string, string][]) => (number[] | EncodedText)[];

export interface TokenizedExample extends EncodedText {
  label?: number | number[];
  /** Position in the example list the batch was made from. */
  index: number;
}

export interface TokenizeOptions {
  maxLength: number;
  /**
   * Trailing tokens kept when truncating (1 keeps the final [SEP] / </s>), so a truncated input still ends the way
   * the model saw in pre-training.
   */
  keepLast?: number;
  /** Texts per tokenizer call. */
  chunkSize?: number;
}

export function truncate<T>(ids: readonly T[], maxLength: number, keepLast = 1): T[] {
  if (ids.length <= maxLength) return [...ids];
  const tail = Math.min(keepLast, maxLength);
  return [...ids.slice(0, maxLength - tail), ...ids.slice(ids.length - tail)];
}

export function tokenizeExamples(examples: readonly Example[], tokenize: TokenizeFn, opts: TokenizeOptions): TokenizedExample[] {
  if (!(opts.maxLength >= 1)) throw new RangeError(`maxLength must be at least 1 (got ${opts.maxLength})`);
  const chunk = opts.chunkSize ?? 256;
  const out: TokenizedExample[] = [];
  for (let start = 0; start < examples.length; start += chunk) {
    const part = examples.slice(start, start + chunk);
    const encoded = encodeChunk(part, tokenize);
    encoded.forEach((enc, k) => {
      const e = part[k];
      const ids = Array.isArray(enc) ? enc : enc.ids;
      const item: TokenizedExample = { ids: truncate(ids, opts.maxLength, opts.keepLast), index: start + k };
      if (!Array.isArray(enc) && enc.typeIds) item.typeIds = truncate(enc.typeIds, opts.maxLength, opts.keepLast);
      if (e.label !== undefined) item.label = e.label;
      out.push(item);
    });
  }
  return out;
}

/** Singles and pairs go to the tokenizer in separate calls (a pair call would add a second [SEP] to singles). */
function encodeChunk(part: readonly Example[], tokenize: TokenizeFn): (number[] | EncodedText)[] {
  const singles = part.flatMap((e, k) => (e.textPair === undefined ? [k] : []));
  const pairs = part.flatMap((e, k) => (e.textPair === undefined ? [] : [k]));
  const out: (number[] | EncodedText)[] = new Array(part.length);
  const run = (indices: number[], call: () => (number[] | EncodedText)[]) => {
    if (!indices.length) return;
    const encoded = call();
    if (encoded.length !== indices.length) {
      throw new Error(`the tokenizer returned ${encoded.length} encodings for ${indices.length} texts`);
    }
    indices.forEach((k, j) => { out[k] = encoded[j]; });
  };
  run(singles, () => tokenize(singles.map((k) => part[k].text)));
  run(pairs, () => tokenize(pairs.map((k) => [part[k].text, part[k].textPair!] as [string, string])));
  return out;
}

export interface BatchPlanOptions {
  batchSize: number;
  /**
   * Sort by length inside windows of `bucketWindow` batches before cutting batches, so each batch holds similar
   * lengths. The window keeps some randomness across epochs (a full sort would always pair the same examples).
   */
  bucket?: boolean;
  bucketWindow?: number;
  /** Shuffle examples (and then batch order) with this seed; unset keeps file order. */
  seed?: number;
  dropLast?: boolean;
}

/** Which items go in each batch, by position in `lengths`. */
export function planBatches(lengths: readonly number[], opts: BatchPlanOptions): number[][] {
  if (!(opts.batchSize >= 1)) throw new RangeError(`batchSize must be at least 1 (got ${opts.batchSize})`);
  const rng = opts.seed === undefined ? undefined : new Rng(opts.seed);
  const order = lengths.map((_, i) => i);
  rng?.shuffle(order);
  if (opts.bucket) {
    const window = opts.batchSize * (opts.bucketWindow ?? 50);
    for (let w = 0; w < order.length; w += window) {
      const sorted = order.slice(w, w + window).sort((a, b) => lengths[a] - lengths[b] || a - b);
      order.splice(w, sorted.length, ...sorted);
    }
  }
  const batches: number[][] = [];
  for (let b = 0; b < order.length; b += opts.batchSize) {
    const batch = order.slice(b, b + opts.batchSize);
    if (opts.dropLast && batch.length < opts.batchSize) break;
    batches.push(batch);
  }
  // Sorted windows would otherwise feed short-to-long within each window, every epoch.
  if (opts.bucket && rng) rng.shuffle(batches);
  return batches;
}

export interface Batch {
  size: number;
  seqLen: number;
  /** [size, seqLen] row-major, as onnxruntime's int64 tensors want them. */
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds?: BigInt64Array;
  labels: (number | number[] | undefined)[];
  /** Example indices, for mapping predictions back to rows. */
  indices: number[];
  /** Non-padding tokens in the batch. */
  realTokens: number;
}

export interface CollateOptions {
  padId: number;
  /** Pad every batch to this length (pad-to-max) instead of its longest item (dynamic padding). */
  padTo?: number;
}

export function collate(items: readonly TokenizedExample[], indices: readonly number[], opts: CollateOptions): Batch {
  const rows = indices.map((i) => items[i]);
  const longest = Math.max(0, ...rows.map((r) => r.ids.length));
  const seqLen = opts.padTo !== undefined ? Math.max(opts.padTo, longest) : longest;
  const inputIds = new BigInt64Array(rows.length * seqLen).fill(BigInt(opts.padId));
  const attentionMask = new BigInt64Array(rows.length * seqLen);
  const withTypes = rows.some((r) => r.typeIds);
  const tokenTypeIds = withTypes ? new BigInt64Array(rows.length * seqLen) : undefined;
  let realTokens = 0;
  rows.forEach((r, b) => {
    const base = b * seqLen;
    r.ids.forEach((id, t) => {
      inputIds[base + t] = BigInt(id);
      attentionMask[base + t] = 1n;
    });
    r.typeIds?.forEach((id, t) => { tokenTypeIds![base + t] = BigInt(id); });
    realTokens += r.ids.length;
  });
  const batch: Batch = {
    size: rows.length, seqLen, inputIds, attentionMask, labels: rows.map((r) => r.label), indices: rows.map((r) => r.index), realTokens,
  };
  if (tokenTypeIds) batch.tokenTypeIds = tokenTypeIds;
  return batch;
}

/** Plans and collates in one go. For large sets prefer planBatches + collate per step (one batch in memory). */
export function makeBatches(items: readonly TokenizedExample[], opts: BatchPlanOptions & CollateOptions): Batch[] {
  return planBatches(items.map((i) => i.ids.length), opts).map((indices) => collate(items, indices, opts));
}

export interface PaddingStats {
  batches: number;
  realTokens: number;
  /** Token slots computed: sum of size × seqLen. */
  totalTokens: number;
  padTokens: number;
  /** padTokens / totalTokens. */
  padFraction: number;
}

/** How much of the computed tensor is padding; what bucketing saves is the difference between two of these. */
export function paddingStats(batches: readonly Pick<Batch, 'size' | 'seqLen' | 'realTokens'>[]): PaddingStats {
  let realTokens = 0;
  let totalTokens = 0;
  for (const b of batches) {
    realTokens += b.realTokens;
    totalTokens += b.size * b.seqLen;
  }
  const padTokens = totalTokens - realTokens;
  return { batches: batches.length, realTokens, totalTokens, padTokens, padFraction: totalTokens ? padTokens / totalTokens : 0 };
}
