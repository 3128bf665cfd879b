// Tokenizes text for a model folder through transformers.js (tokenizer.json + tokenizer_config.json, completed by
// tokenizerFiles.ts when the folder lacks them), fully offline.
// transformers.js is imported lazily: it pulls in onnxruntime-node, which must never load at extension activation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { reservedPositions, type ModelSpec } from './modelSpec';
import { TokenizerError } from './tokenizerError';
import { TokenizerFiles, resolveTokenizerFiles } from './tokenizerFiles';

export interface EncodeOptions {
  /** Second sequence per text (NLI premise/hypothesis, sentence pairs). */
  pairs?: string[];
  /** Longest sequence kept (tokens, specials included); defaults to the model's own maximum. */
  maxLength?: number;
  /** Pad every row to this length instead of the longest row (fixed-shape batches). */
  padTo?: number;
}

export interface EncodedBatch {
  batch: number;
  seq: number;
  /** Row-major [batch, seq] int64, as the ONNX graphs take them. */
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

export { TokenizerError };

export class TextTokenizer {
  constructor(readonly dir: string, readonly inner: PreTrainedTokenizer, readonly maxLength: number, readonly files: TokenizerFiles) {}

  /** Always the id the tokenizer files (or config.json) name: resolveTokenizerFiles refuses a folder without one. */
  get padTokenId(): number {
    return this.files.specialIds.pad_token;
  }

  /** The mask token's id (MLM), whichever spelling the family uses; undefined when the tokenizer has none. */
  get maskTokenId(): number | undefined {
    return this.files.specialIds.mask_token;
  }

  get vocab(): Map<string, number> {
    return this.inner.get_vocab();
  }

  /** Token ids of one text (or pair) with special tokens, truncated to maxLength. */
  encodeOne(text: string, pair?: string, maxLength = this.maxLength): number[] {
    return this.encodeRow(text, pair, maxLength).ids;
  }

  /**
   * HF truncation ("longest_first"): content tokens are cut, special tokens kept. transformers.js only slices the
   * finished sequence (dropping the final [SEP]), so truncation is done here: the special-token layout is read off
   * the untruncated encoding, the contents are shortened, and the layout is put back around them.
   */
  private encodeRow(text: string, pair: string | undefined, maxLength: number): { ids: number[]; types: number[] } {
    const full = this.inner._call(text, { text_pair: pair ?? null, return_tensor: false, return_token_type_ids: true });
    const types = full.token_type_ids ?? full.input_ids.map(() => 0);
    if (full.input_ids.length <= maxLength) return { ids: full.input_ids, types };
    const a = this.inner.encode(text, { add_special_tokens: false });
    const b = pair !== undefined ? this.inner.encode(pair, { add_special_tokens: false }) : [];
    const ia = indexOfRun(full.input_ids, a, 0);
    const ib = pair !== undefined ? indexOfRun(full.input_ids, b, ia + a.length) : full.input_ids.length;
    if (ia < 0 || ib < 0) return { ids: full.input_ids.slice(0, maxLength), types: types.slice(0, maxLength) };
    const specials = full.input_ids.length - a.length - b.length;
    const budget = maxLength - specials;
    if (budget < (pair !== undefined ? 2 : 1)) throw new TokenizerError(`maxLength ${maxLength} leaves no room for text next to ${specials} special tokens.`);
    let [na, nb] = [a.length, b.length];
    if (pair === undefined) na = budget;
    else {
      // tokenizers' longest_first: the shorter side keeps up to half the budget, the longer side takes the rest.
      const short = Math.min(Math.min(na, nb), Math.floor(budget / 2));
      if (na <= nb) [na, nb] = [short, budget - short];
      else [na, nb] = [budget - short, short];
    }
    const pieces: [number, number][] = [[0, ia], [ia, ia + na], [ia + a.length, ib], [ib, ib + nb], [ib + b.length, full.input_ids.length]];
    const pick = (xs: number[]) => pieces.flatMap(([from, to]) => xs.slice(from, to));
    return { ids: pick(full.input_ids), types: pick(types) };
  }

  encode(texts: string[], opts: EncodeOptions = {}): EncodedBatch {
    if (opts.pairs && opts.pairs.length !== texts.length) {
      throw new TokenizerError(`encode: ${texts.length} texts but ${opts.pairs.length} pair texts; they must match one to one.`);
    }
    const maxLength = Math.min(opts.maxLength ?? this.maxLength, this.maxLength);
    const rows = texts.map((t, i) => this.encodeRow(t, opts.pairs?.[i], maxLength));
    const longest = rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
    const seq = opts.padTo ?? longest;
    if (seq < longest) throw new TokenizerError(`encode: padTo ${seq} is shorter than the longest row (${longest} tokens).`);
    const n = texts.length * seq;
    const out: EncodedBatch = { batch: texts.length, seq, inputIds: new BigInt64Array(n), attentionMask: new BigInt64Array(n), tokenTypeIds: new BigInt64Array(n) };
    out.inputIds.fill(BigInt(this.padTokenId));
    rows.forEach((r: { ids: number[]; types: number[] }, b) => {
      for (let j = 0; j < r.ids.length; j++) {
        out.inputIds[b * seq + j] = BigInt(r.ids[j]);
        out.attentionMask[b * seq + j] = 1n;
        out.tokenTypeIds[b * seq + j] = BigInt(r.types[j]);
      }
    });
    return out;
  }
}

let transformersModule: Promise<typeof import('@huggingface/transformers')> | undefined;

/** The transformers.js module, configured to never touch the network. */
export function loadTransformers(): Promise<typeof import('@huggingface/transformers')> {
  transformersModule ??= import('@huggingface/transformers').then((m) => {
    m.env.allowRemoteModels = false;
    m.env.allowLocalModels = true;
    // Model ids are absolute folders; an empty prefix keeps them absolute.
    m.env.localModelPath = '';
    return m;
  });
  return transformersModule;
}

/**
 * The usable maximum: the tokenizer's model_max_length, capped by the position table. RoBERTa-style models start
 * positions at padding_idx+1, so they lose that many slots (514 positions → 512 tokens).
 */
export function maxSequenceLength(dir: string, spec?: ModelSpec): number {
  let fromTokenizer = Infinity;
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as { model_max_length?: unknown };
    // HF writes a huge sentinel (1e30) when the tokenizer has no limit of its own.
    if (typeof cfg.model_max_length === 'number' && cfg.model_max_length < 1e9) fromTokenizer = cfg.model_max_length;
  } catch {
    // No tokenizer_config.json: the position table alone decides.
  }
  const fromPositions = spec ? spec.maxPositions - reservedPositions(spec.modelType, spec.padTokenId) : Infinity;
  const max = Math.min(fromTokenizer, fromPositions);
  return Number.isFinite(max) ? max : 512;
}

/**
 * The fast tokenizer of a model folder, from whichever files it has (tokenizerFiles.ts completes them as HF's
 * AutoTokenizer would). The class is the one tokenizer_class names, as transformers.js' AutoTokenizer picks it.
 */
export async function loadTokenizer(dir: string, spec?: ModelSpec): Promise<TextTokenizer> {
  const abs = path.resolve(dir);
  const maxLength = maxSequenceLength(abs, spec);
  const files = resolveTokenizerFiles(abs, { modelType: spec?.modelType, padTokenId: spec?.padTokenId, maxLength });
  const m = await loadTransformers();
  const name = String(files.tokenizerConfig.tokenizer_class).replace(/Fast$/, '');
  const candidate = (m as unknown as Record<string, unknown>)[name];
  const cls = (typeof candidate === 'function' && candidate.prototype instanceof m.PreTrainedTokenizer ? candidate : m.PreTrainedTokenizer) as typeof m.PreTrainedTokenizer;
  let inner: PreTrainedTokenizer;
  try {
    inner = new cls(files.tokenizerJson, files.tokenizerConfig);
  } catch (e) {
    throw new TokenizerError(`${abs}: cannot load the tokenizer (${(e as Error).message}).`);
  }
  return new TextTokenizer(abs, inner, maxLength, files);
}

/** First index ≥ from where `run` occurs in `xs` (an empty run occurs at `from`). */
function indexOfRun(xs: number[], run: number[], from: number): number {
  outer: for (let i = from; i + run.length <= xs.length; i++) {
    for (let j = 0; j < run.length; j++) if (xs[i + j] !== run[j]) continue outer;
    return i;
  }
  return -1;
}
