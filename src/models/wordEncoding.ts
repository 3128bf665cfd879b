// Encodes text that is already split into words (NER tokens, QA contexts) so that every subword token knows which
// word it came from and which characters of the source it covers. transformers.js gives no offset mapping, so the
// spans are recovered here from the token strings: WordPiece '##', byte-level BPE 'Ġ' and SentencePiece '▁' are
// stripped and the rest matched against the word. Where that match fails (an [UNK], a byte-fallback piece, a
// normalizer that rewrites characters) the token gets its whole word's span, which is still right for labels.
// Special-token layouts are read off the tokenizer's own encoding of a probe pair, never hard-coded per family.
import { bytesToUnicode } from './byteLevel';
import type { TextTokenizer } from './tokenizer';
import { TokenizerError } from './tokenizerError';
import { splitWords, type WordSpan } from '../util/wordSpans';

export { splitWords, type WordSpan };

export interface EncodedWords {
  /** Content token ids (no special tokens). */
  ids: number[];
  /** wordIds[k]: index of the word token k came from. */
  wordIds: number[];
  /** offsets[k]: char span of token k in the source text. */
  offsets: [number, number][];
}

export class WordEncoder {
  readonly singleSpecials: number;
  readonly pairSpecials: number;
  readonly padId: number;
  /** Position of the CLS-like token in single()/pair() outputs. */
  readonly clsIndex = 0;
  /** The unknown token's id, when the tokenizer has one (a stand-in for words that encode to nothing). */
  readonly unkId: number | undefined;
  private readonly layout: Layout;
  private readonly cache = new Map<string, CachedWord>();
  private readonly idToToken: string[] = [];
  private readonly style: TokenStyle;
  /** Whether a leading space changes the encoding (byte-level BPE without add_prefix_space). */
  private readonly spaceMatters: boolean;

  constructor(private readonly tokenizer: TextTokenizer) {
    for (const [tok, id] of tokenizer.vocab) this.idToToken[id] = tok;
    this.style = tokenStyle(tokenizer.files.tokenizerJson);
    this.padId = tokenizer.padTokenId;
    const unk = (tokenizer.files.specialIds as Record<string, number | undefined>).unk_token ?? tokenizer.inner.unk_token_id;
    this.unkId = typeof unk === 'number' ? unk : undefined;
    // Only byte-level BPE encodes spaces as part of the next word; a SentencePiece word gets its '▁' by itself, and
    // a prefixed space could double it under some normalizers.
    this.spaceMatters = this.style.byteLevel && ['the', 'a', 'hello', 'x'].some((w) => !sameIds(this.encodePlain(w), this.encodePlain(' ' + w)));
    this.layout = readLayout(tokenizer, (t) => this.encodePlain(t));
    this.singleSpecials = this.layout.single.prefix.length + this.layout.single.suffix.length;
    this.pairSpecials = this.layout.pair.prefix.length + this.layout.pair.middle.length + this.layout.pair.suffix.length;
  }

  /**
   * HF is_split_into_words=True: each word is encoded on its own; byte-level BPE words get a leading space (HF
   * add_prefix_space=True), so the first word is encoded like the others. Plain strings are laid out as if joined by
   * single spaces (offsets index `words.join(' ')`); WordSpans keep their own spans.
   */
  encodeWords(words: readonly (string | WordSpan)[]): EncodedWords {
    const out: EncodedWords = { ids: [], wordIds: [], offsets: [] };
    let at = 0;
    words.forEach((w, i) => {
      const span: WordSpan = typeof w === 'string' ? { text: w, start: at, end: at + w.length } : w;
      at = span.end + 1;
      const { ids, spans } = this.encodeWord(span.text);
      for (let k = 0; k < ids.length; k++) {
        out.ids.push(ids[k]);
        out.wordIds.push(i);
        out.offsets.push(spans ? [span.start + spans[k][0], span.start + spans[k][1]] : [span.start, span.end]);
      }
    });
    return out;
  }

  /** splitWords then encodeWords: offsets index `text`. */
  encodeText(text: string): EncodedWords & { words: WordSpan[] } {
    const words = splitWords(text);
    return { ...this.encodeWords(words), words };
  }

  /** The tokenizer's single-sequence layout around `content` ([CLS] x [SEP], <s> x </s>, ...). */
  single(content: readonly number[]): { ids: number[]; typeIds: number[]; contentStart: number } {
    const l = this.layout.single;
    return {
      ids: [...l.prefix, ...content, ...l.suffix],
      typeIds: [...l.prefixTypes, ...content.map(() => l.contentType), ...l.suffixTypes],
      contentStart: l.prefix.length,
    };
  }

  /** The tokenizer's pair layout ([CLS] a [SEP] b [SEP], <s> a </s></s> b </s>, ...). */
  pair(a: readonly number[], b: readonly number[]): { ids: number[]; typeIds: number[]; aStart: number; bStart: number } {
    const l = this.layout.pair;
    return {
      ids: [...l.prefix, ...a, ...l.middle, ...b, ...l.suffix],
      typeIds: [...l.prefixTypes, ...a.map(() => l.aType), ...l.middleTypes, ...b.map(() => l.bType), ...l.suffixTypes],
      aStart: l.prefix.length,
      bStart: l.prefix.length + a.length + l.middle.length,
    };
  }

  /**
   * One word's ids and token spans relative to the word (undefined: not recoverable). Words repeat heavily (QA
   * contexts, NER corpora), and the tokenizer call dominates, so results are cached, the cache reset when it fills.
   */
  private encodeWord(text: string): CachedWord {
    const hit = this.cache.get(text);
    if (hit) return hit;
    const ids = this.encodePlain(this.spaceMatters ? ' ' + text : text);
    const entry: CachedWord = { ids, spans: this.tokenSpans({ text, start: 0, end: text.length }, ids) };
    if (this.cache.size >= WORD_CACHE_SIZE) this.cache.clear();
    this.cache.set(text, entry);
    return entry;
  }

  private encodePlain(text: string): number[] {
    return this.tokenizer.inner.encode(text, { add_special_tokens: false });
  }

  /** Exact char spans of the word's tokens, or undefined when the token strings do not spell the word. */
  private tokenSpans(word: WordSpan, ids: readonly number[]): [number, number][] | undefined {
    const tokens = ids.map((id) => this.idToToken[id]);
    if (tokens.some((t) => t === undefined || (this.unkId !== undefined && t === this.idToToken[this.unkId]))) return undefined;
    return this.style.byteLevel ? byteLevelSpans(word, tokens) : pieceSpans(word, tokens, this.style);
  }
}

interface CachedWord {
  readonly ids: readonly number[];
  readonly spans: readonly (readonly [number, number])[] | undefined;
}

const WORD_CACHE_SIZE = 100_000;

interface TokenStyle {
  byteLevel: boolean;
  /** WordPiece continuation prefix ('##'), stripped from tokens after the first of a pre-token. */
  continuation?: string;
  /** SentencePiece word-start marker ('▁'). */
  metaspace?: string;
}

/** How token strings mark word starts and continuations, read off tokenizer.json. */
function tokenStyle(json: unknown): TokenStyle {
  const j = json as { model?: { type?: string; continuing_subword_prefix?: string | null } } | undefined;
  const style: TokenStyle = { byteLevel: false };
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'ByteLevel') style.byteLevel = true;
    if (n.type === 'Metaspace' && typeof n.replacement === 'string') style.metaspace = n.replacement;
    for (const v of Object.values(n)) if (Array.isArray(v)) v.forEach(visit);
  };
  const root = json as Record<string, unknown> | undefined;
  visit(root?.pre_tokenizer);
  visit(root?.decoder);
  if (j?.model?.type === 'WordPiece') style.continuation = j.model.continuing_subword_prefix ?? '##';
  if (style.metaspace === undefined && j?.model?.type === 'Unigram') style.metaspace = '▁';
  return style;
}

/**
 * Case and accents folded away (BERT's uncased normalizer lower-cases and strips accents; other tokenizers keep
 * them, and folding both sides is harmless there) so a token string can be matched against the raw word.
 */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function pieceSpans(word: WordSpan, tokens: readonly string[], style: TokenStyle): [number, number][] | undefined {
  // The folded word, with each folded char's origin span in the source text.
  let folded = '';
  const origin: [number, number][] = [];
  for (let i = 0; i < word.text.length; ) {
    const cp = word.text.codePointAt(i) as number;
    const len = cp > 0xffff ? 2 : 1;
    const f = fold(word.text.slice(i, i + len));
    for (let k = 0; k < f.length; k++) origin.push([word.start + i, word.start + i + len]);
    folded += f;
    i += len;
  }
  const spans: [number, number][] = [];
  let cursor = 0;
  for (const token of tokens) {
    let piece = token;
    if (style.continuation && piece.startsWith(style.continuation) && piece.length > style.continuation.length) piece = piece.slice(style.continuation.length);
    if (style.metaspace && piece.startsWith(style.metaspace)) piece = piece.slice(style.metaspace.length);
    const f = fold(piece);
    if (folded.slice(cursor, cursor + f.length) !== f) return undefined;
    if (f.length === 0) {
      // A bare '▁': it stands for the space before the word, so it covers no character of it.
      const at = cursor < origin.length ? origin[cursor][0] : word.end;
      spans.push([at, at]);
      continue;
    }
    spans.push([origin[cursor][0], origin[cursor + f.length - 1][1]]);
    cursor += f.length;
  }
  return cursor === folded.length ? spans : undefined;
}

let byteDecoder: Map<string, number> | undefined;

/** GPT-2's bytes_to_unicode, inverted: the printable char byte-level BPE writes for each byte → that byte. */
function bytesFromUnicode(): Map<string, number> {
  byteDecoder ??= new Map(bytesToUnicode().map((c, b) => [c, b]));
  return byteDecoder;
}

function byteLevelSpans(word: WordSpan, tokens: readonly string[]): [number, number][] | undefined {
  const decoder = bytesFromUnicode();
  const wordBytes = Buffer.from(word.text, 'utf8');
  // byteChar[b]: the source-text span of the char byte b of the word belongs to.
  const byteChar: [number, number][] = [];
  for (let i = 0; i < word.text.length; ) {
    const cp = word.text.codePointAt(i) as number;
    const len = cp > 0xffff ? 2 : 1;
    const nBytes = Buffer.byteLength(String.fromCodePoint(cp), 'utf8');
    for (let k = 0; k < nBytes; k++) byteChar.push([word.start + i, word.start + i + len]);
    i += len;
  }
  const tokenBytes: number[][] = [];
  for (const token of tokens) {
    const bytes: number[] = [];
    for (const ch of token) {
      const b = decoder.get(ch);
      if (b === undefined) return undefined;
      bytes.push(b);
    }
    tokenBytes.push(bytes);
  }
  // The space before the word ('Ġ'), whether we prefixed it or the tokenizer's add_prefix_space did.
  const lead = tokenBytes[0]?.[0] === 0x20 && wordBytes[0] !== 0x20 ? 1 : 0;
  let pos = 0; // byte position in (lead space + word)
  const spans: [number, number][] = [];
  for (const bytes of tokenBytes) {
    for (let k = 0; k < bytes.length; k++) {
      const expected = pos + k < lead ? 0x20 : wordBytes[pos + k - lead];
      if (bytes[k] !== expected) return undefined;
    }
    // The prefixed space is no character of the word: a token's span starts at its first word byte (HF trim_offsets).
    const from = Math.max(pos, lead) - lead;
    const to = pos + bytes.length - lead;
    pos += bytes.length;
    if (to <= from) {
      const at = from < byteChar.length ? byteChar[from][0] : word.end;
      spans.push([at, at]);
    } else spans.push([byteChar[from][0], byteChar[to - 1][1]]);
  }
  return pos === wordBytes.length + lead ? spans : undefined;
}

interface Layout {
  single: { prefix: number[]; suffix: number[]; prefixTypes: number[]; suffixTypes: number[]; contentType: number };
  pair: {
    prefix: number[]; middle: number[]; suffix: number[];
    prefixTypes: number[]; middleTypes: number[]; suffixTypes: number[]; aType: number; bType: number;
  };
}

/**
 * Where the tokenizer puts its special tokens: encode a probe single and pair with specials and find the contents
 * (encoded without specials) inside. Probes whose ids are distinct from each other and from every special are chosen
 * so the search is unambiguous.
 */
function readLayout(tokenizer: TextTokenizer, plain: (t: string) => number[]): Layout {
  const specials = new Set(tokenizer.inner.all_special_ids);
  const probes: [string, string][] = [['hello', 'world'], ['a', 'b'], ['the', 'of'], ['x', 'y'], ['1', '2']];
  for (const [ta, tb] of probes) {
    const a = plain(ta);
    const b = plain(tb);
    if (!a.length || !b.length || sameIds(a, b) || [...a, ...b].some((id) => specials.has(id))) continue;
    const one = tokenizer.inner._call(ta, { return_tensor: false, return_token_type_ids: true });
    const two = tokenizer.inner._call(ta, { text_pair: tb, return_tensor: false, return_token_type_ids: true });
    const oneIds = one.input_ids as number[];
    const twoIds = two.input_ids as number[];
    const oneTypes = (one.token_type_ids as number[] | undefined) ?? oneIds.map(() => 0);
    const twoTypes = (two.token_type_ids as number[] | undefined) ?? twoIds.map(() => 0);
    const s = indexOfRun(oneIds, a, 0);
    const ia = indexOfRun(twoIds, a, 0);
    const ib = ia < 0 ? -1 : indexOfRun(twoIds, b, ia + a.length);
    if (s < 0 || ib < 0) continue;
    return {
      single: {
        prefix: oneIds.slice(0, s), suffix: oneIds.slice(s + a.length),
        prefixTypes: oneTypes.slice(0, s), suffixTypes: oneTypes.slice(s + a.length), contentType: oneTypes[s],
      },
      pair: {
        prefix: twoIds.slice(0, ia), middle: twoIds.slice(ia + a.length, ib), suffix: twoIds.slice(ib + b.length),
        prefixTypes: twoTypes.slice(0, ia), middleTypes: twoTypes.slice(ia + a.length, ib), suffixTypes: twoTypes.slice(ib + b.length),
        aType: twoTypes[ia], bType: twoTypes[ib],
      },
    };
  }
  throw new TokenizerError(`${tokenizer.dir}: cannot read the special-token layout off the tokenizer (no probe text encodes to ordinary tokens).`);
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** First index ≥ from where `run` occurs in `xs`. */
function indexOfRun(xs: readonly number[], run: readonly number[], from: number): number {
  outer: for (let i = from; i + run.length <= xs.length; i++) {
    for (let j = 0; j < run.length; j++) if (xs[i + j] !== run[j]) continue outer;
    return i;
  }
  return -1;
}
