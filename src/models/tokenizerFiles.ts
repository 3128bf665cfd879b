// Turns whatever tokenizer files a Hub repo has into the pair every fast tokenizer is made of: tokenizer.json and a
// complete tokenizer_config.json. Real repos differ: roberta-base and xlm-roberta-base have no tokenizer_config.json,
// bert-base-uncased's is only {"do_lower_case": true}, older or hand-made folders have only vocab.txt (WordPiece) or
// vocab.json + merges.txt (byte-level BPE). HF's AutoTokenizer fills the gaps from the tokenizer class's defaults
// (convert_slow_tokenizer for the missing tokenizer.json); this does the same, so a run never pads with a guessed id.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSentencePieceModel } from './sentencePieceModel';
import { SPM_FILES, spmTokenizerJson } from './sentencePieceTokenizer';
import { TokenizerError } from './tokenizerError';

type Json = Record<string, unknown>;

export const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
export type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

interface TokenizerDefaults {
  tokenizerClass: string;
  specials: Partial<Record<SpecialTokenKey, string>>;
  /** The slow tokenizer the family's vocab-only files belong to. */
  model: 'wordpiece' | 'bpe' | 'unigram';
}

const WORDPIECE_SPECIALS = { unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' };
const DEBERTA_V2_SPECIALS = { bos_token: '[CLS]', eos_token: '[SEP]', unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' };
const ROBERTA_SPECIALS = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', sep_token: '</s>', pad_token: '<pad>', cls_token: '<s>', mask_token: '<mask>' };

/** The defaults of each model type's HF tokenizer class (tokenization_<family>.py __init__ arguments). */
const DEFAULTS: Record<string, TokenizerDefaults> = {
  bert: { tokenizerClass: 'BertTokenizer', specials: WORDPIECE_SPECIALS, model: 'wordpiece' },
  distilbert: { tokenizerClass: 'DistilBertTokenizer', specials: WORDPIECE_SPECIALS, model: 'wordpiece' },
  electra: { tokenizerClass: 'ElectraTokenizer', specials: WORDPIECE_SPECIALS, model: 'wordpiece' },
  roberta: { tokenizerClass: 'RobertaTokenizer', specials: ROBERTA_SPECIALS, model: 'bpe' },
  'xlm-roberta': { tokenizerClass: 'XLMRobertaTokenizer', specials: ROBERTA_SPECIALS, model: 'unigram' },
  camembert: { tokenizerClass: 'CamembertTokenizer', specials: ROBERTA_SPECIALS, model: 'unigram' },
  'deberta-v2': { tokenizerClass: 'DebertaV2Tokenizer', specials: DEBERTA_V2_SPECIALS, model: 'unigram' },
  // MPNetTokenizer: fairseq's <s> </s> <pad> <mask> around a BERT vocabulary whose unknown token stays [UNK].
  mpnet: { tokenizerClass: 'MPNetTokenizer', specials: { ...ROBERTA_SPECIALS, unk_token: '[UNK]' }, model: 'wordpiece' },
};

const SPM_NAMES = ['sentencepiece.bpe.model', 'spm.model', 'spiece.model'];

/** The SentencePiece model file of a folder: the family's own name first, then any name the Hub uses. */
function spmFile(dir: string, modelType: string | undefined): string | undefined {
  const names = [...new Set([...(modelType && SPM_FILES[modelType] ? [SPM_FILES[modelType]] : []), ...SPM_NAMES])];
  return names.map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
}

export interface TokenizerFiles {
  dir: string;
  tokenizerJson: Json;
  /** The source's tokenizer_config.json with tokenizer_class, model_max_length and every special token filled in. */
  tokenizerConfig: Json;
  /** special_tokens_map.json as save_pretrained writes it (plain strings). */
  specialTokensMap: Record<string, string>;
  /** Ids of the resolved special tokens (pad always present). */
  specialIds: Partial<Record<SpecialTokenKey, number>> & { pad_token: number };
  /** What was not in the folder and had to be derived, in words for the run log. */
  derived: string[];
  /** tokenizer.json was built here from vocab files (an export must write it; copying is not enough). */
  builtTokenizerJson: boolean;
}

export interface ResolveOptions {
  /** config.json's model_type; read from the folder when not given. */
  modelType?: string;
  /** config.json's pad_token_id, the last word on padding when no tokenizer file names a pad token. */
  padTokenId?: number;
  /** The position table's usable length (model_max_length when the folder does not say). */
  maxLength?: number;
}

function readJson(file: string): Json | undefined {
  if (!fs.existsSync(file)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Json;
  } catch (e) {
    throw new TokenizerError(`${file}: cannot read it as a JSON object (${(e as Error).message}); re-download it or delete it so the defaults apply.`);
  }
}

/** A special token as tokenizer files spell it: a string, or an AddedToken object {content, ...} (with or without __type). */
function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/** Every token → id of a tokenizer.json: the model's vocabulary (WordPiece/BPE map, Unigram list) and added tokens. */
export function tokenizerVocab(tokenizerJson: Json): Map<string, number> {
  const out = new Map<string, number>();
  const model = (tokenizerJson.model ?? {}) as { vocab?: unknown };
  if (Array.isArray(model.vocab)) model.vocab.forEach((e, i) => Array.isArray(e) && typeof e[0] === 'string' && out.set(e[0], i));
  else if (model.vocab && typeof model.vocab === 'object') for (const [t, i] of Object.entries(model.vocab as Record<string, number>)) out.set(t, i);
  for (const a of (tokenizerJson.added_tokens ?? []) as { id?: number; content?: string }[]) if (typeof a.content === 'string' && typeof a.id === 'number') out.set(a.content, a.id);
  return out;
}

function modelTypeOf(dir: string): string | undefined {
  const config = readJson(path.join(dir, 'config.json'));
  return typeof config?.model_type === 'string' ? config.model_type : undefined;
}

function addedToken(id: number, content: string): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * BertTokenizerFast as convert_slow_tokenizer's BertConverter builds it from vocab.txt: BertNormalizer, BertPreTokenizer,
 * WordPiece with "##" continuations, [CLS] A [SEP] (B [SEP]) with token types.
 */
export function wordPieceTokenizerJson(vocab: string[], o: { lowercase: boolean; stripAccents: boolean | null; chineseChars: boolean; specials: Partial<Record<SpecialTokenKey, string>>; doubleSep?: boolean }): Json {
  const ids = new Map(vocab.map((t, i) => [t, i] as const));
  const cls = o.specials.cls_token ?? '[CLS]';
  const sep = o.specials.sep_token ?? '[SEP]';
  const unk = o.specials.unk_token ?? '[UNK]';
  for (const t of [cls, sep, unk]) if (!ids.has(t)) throw new TokenizerError(`vocab.txt has no "${t}" token, which a BERT-style tokenizer needs.`);
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const specials = [...new Set(Object.values(o.specials))].filter((t): t is string => !!t && ids.has(t));
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t) => addedToken(ids.get(t) as number, t)).sort((a, b) => (a.id as number) - (b.id as number)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: o.chineseChars, strip_accents: o.stripAccents, lowercase: o.lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(cls, 0), { Sequence: { id: 'A', type_id: 0 } }, special(sep, 0)],
      // MPNetConverter: <s> A </s> </s> B </s>.
      pair: [special(cls, 0), { Sequence: { id: 'A', type_id: 0 } }, special(sep, 0), ...(o.doubleSep ? [special(sep, 0)] : []), { Sequence: { id: 'B', type_id: 1 } }, special(sep, 1)],
      special_tokens: { [cls]: { id: cls, ids: [ids.get(cls)], tokens: [cls] }, [sep]: { id: sep, ids: [ids.get(sep)], tokens: [sep] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(ids) },
  };
}

/** RobertaTokenizerFast as RobertaConverter builds it from vocab.json + merges.txt: byte-level BPE, <s> A </s></s> B </s>. */
export function byteLevelBpeTokenizerJson(vocab: Record<string, number>, merges: string[], o: { addPrefixSpace: boolean; trimOffsets: boolean; specials: Partial<Record<SpecialTokenKey, string>> }): Json {
  const cls = o.specials.cls_token ?? '<s>';
  const sep = o.specials.sep_token ?? '</s>';
  for (const t of [cls, sep]) if (!(t in vocab)) throw new TokenizerError(`vocab.json has no "${t}" token, which a RoBERTa-style tokenizer needs.`);
  const specials = [...new Set(Object.values(o.specials))].filter((t): t is string => !!t && t in vocab);
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t) => addedToken(vocab[t], t)).sort((a, b) => (a.id as number) - (b.id as number)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: o.addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: [sep, vocab[sep]], cls: [cls, vocab[cls]], trim_offsets: o.trimOffsets, add_prefix_space: o.addPrefixSpace },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab, merges,
    },
  };
}

/** Whether a folder has files a tokenizer can be made from (the model picker's test; resolveTokenizerFiles does it). */
export function hasTokenizerFiles(dir: string, modelType: string): boolean {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  if (has('tokenizer.json')) return true;
  const model = (DEFAULTS[modelType] ?? DEFAULTS.bert).model;
  return model === 'wordpiece' ? has('vocab.txt') : model === 'bpe' ? has('vocab.json') && has('merges.txt') : spmFile(dir, modelType) !== undefined && modelType in SPM_FILES;
}

function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split(/\r?\n/);
}

/** vocab.txt: one token per line, the line number is the id (a trailing empty line is not a token). */
function readVocabTxt(file: string): string[] {
  const lines = readLines(file);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Whether a vocabulary was made for lower-cased text. HF's BertTokenizer defaults to do_lower_case=True whatever the
 * vocabulary; a cased vocab.txt without tokenizer_config.json would then never produce its capitalised words, so the
 * vocabulary decides here (bert-base-cased has ~30 % entries with capitals, uncased ones only specials/[unused]).
 */
function looksUncased(vocab: string[]): boolean {
  const words = vocab.filter((t) => !/^\[.*\]$/.test(t) && !/^<.*>$/.test(t));
  const capitals = words.filter((t) => /\p{Lu}/u.test(t)).length;
  return capitals <= words.length * 0.01;
}

function buildTokenizerJson(dir: string, modelType: string | undefined, defaults: TokenizerDefaults, config: Json, specials: Partial<Record<SpecialTokenKey, string>>, derived: string[]): Json {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const spm = defaults.model === 'unigram' && modelType && modelType in SPM_FILES ? spmFile(dir, modelType) : undefined;
  if (spm && modelType) {
    const model = readSentencePieceModel(spm);
    derived.push(`tokenizer.json built from ${path.basename(spm)} (SentencePiece Unigram, ${model.pieces.length} pieces, as transformers' ${defaults.tokenizerClass.replace(/Tokenizer$/, '')}Converter)`);
    return spmTokenizerJson(modelType, model, { doLowerCase: config.do_lower_case === true, splitByPunct: config.split_by_punct === true, specials });
  }
  if (has('vocab.txt') && defaults.model === 'wordpiece') {
    const vocab = readVocabTxt(path.join(dir, 'vocab.txt'));
    let lowercase = config.do_lower_case;
    if (typeof lowercase !== 'boolean') {
      lowercase = looksUncased(vocab);
      derived.push(`do_lower_case ${lowercase} (no tokenizer_config.json says; the vocabulary has ${lowercase ? 'no capitalised words' : 'capitalised words'})`);
    }
    const strip = config.strip_accents;
    derived.push(`tokenizer.json built from vocab.txt (WordPiece, ${vocab.length} tokens)`);
    return wordPieceTokenizerJson(vocab, {
      lowercase: lowercase as boolean, stripAccents: typeof strip === 'boolean' ? strip : null, chineseChars: config.tokenize_chinese_chars !== false, specials,
      doubleSep: defaults.tokenizerClass === 'MPNetTokenizer',
    });
  }
  if (has('vocab.json') && has('merges.txt') && defaults.model === 'bpe') {
    const vocab = readJson(path.join(dir, 'vocab.json')) as Record<string, number>;
    for (const [t, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id)) throw new TokenizerError(`${path.join(dir, 'vocab.json')}: token ${JSON.stringify(t)} has id ${JSON.stringify(id)}; expected an integer id per token.`);
    }
    // merges.txt: an optional "#version" header, then "left right" per line.
    const merges = readLines(path.join(dir, 'merges.txt')).filter((l, i) => l.trim() !== '' && !(i === 0 && l.startsWith('#version')));
    merges.forEach((m, i) => {
      if (m.split(' ').length !== 2) throw new TokenizerError(`${path.join(dir, 'merges.txt')}:${i + 2}: expected "left right" (two tokens separated by one space), got ${JSON.stringify(m)}.`);
    });
    derived.push(`tokenizer.json built from vocab.json + merges.txt (byte-level BPE, ${Object.keys(vocab).length} tokens, ${merges.length} merges)`);
    return byteLevelBpeTokenizerJson(vocab, merges, { addPrefixSpace: config.add_prefix_space === true, trimOffsets: config.trim_offsets !== false, specials });
  }
  const present = ['vocab.txt', 'vocab.json', 'merges.txt', 'sentencepiece.bpe.model', 'spm.model', 'spiece.model'].filter(has);
  const spmName = modelType ? SPM_FILES[modelType] : undefined;
  const want = defaults.model === 'wordpiece' ? 'vocab.txt' : defaults.model === 'bpe' ? 'vocab.json + merges.txt' : spmName ?? 'tokenizer.json';
  throw new TokenizerError(
    `${dir}: no tokenizer.json${present.length ? ` (found only ${present.join(', ')})` : ''}; a ${defaults.tokenizerClass} folder needs tokenizer.json or ${want}. ` +
      `Download ${want === 'tokenizer.json' ? 'tokenizer.json' : `tokenizer.json or ${want}`} from the model's Hub repo into ${dir}.`,
  );
}

/** Reads and completes the tokenizer files of a model folder (see the top of this file). */
export function resolveTokenizerFiles(dirIn: string, o: ResolveOptions = {}): TokenizerFiles {
  const dir = path.resolve(dirIn);
  const modelType = o.modelType ?? modelTypeOf(dir);
  const derived: string[] = [];
  const source = readJson(path.join(dir, 'tokenizer_config.json'));
  const map = readJson(path.join(dir, 'special_tokens_map.json')) ?? {};
  const config: Json = { ...(source ?? {}) };
  if (!source) derived.push('no tokenizer_config.json: the tokenizer class defaults apply');
  const defaults = DEFAULTS[modelType ?? ''] ?? (typeof config.tokenizer_class === 'string' ? undefined : DEFAULTS.bert);
  if (!defaults && !modelType) throw new TokenizerError(`${dir}: no config.json model_type and no tokenizer_class in tokenizer_config.json, so the tokenizer's kind is unknown.`);

  // Special tokens: tokenizer_config.json, then special_tokens_map.json, then the class defaults.
  const named: Partial<Record<SpecialTokenKey, string>> = {};
  for (const k of SPECIAL_TOKEN_KEYS) {
    const v = tokenContent(config[k]) ?? tokenContent(map[k]) ?? defaults?.specials[k];
    if (v) named[k] = v;
  }

  const hasJson = fs.existsSync(path.join(dir, 'tokenizer.json'));
  const tokenizerJson = hasJson ? (readJson(path.join(dir, 'tokenizer.json')) as Json) : buildTokenizerJson(dir, modelType, defaults ?? DEFAULTS.bert, config, named, derived);
  const vocab = tokenizerVocab(tokenizerJson);

  const specials: Partial<Record<SpecialTokenKey, string>> = {};
  const specialIds: Partial<Record<SpecialTokenKey, number>> = {};
  for (const k of SPECIAL_TOKEN_KEYS) {
    const t = named[k];
    if (t && vocab.has(t)) {
      specials[k] = t;
      specialIds[k] = vocab.get(t);
    }
  }
  if (specialIds.pad_token === undefined && o.padTokenId !== undefined) {
    // No file names a pad token the vocabulary has: config.json's pad_token_id is what the model was trained with.
    const byId = [...vocab].find(([, id]) => id === o.padTokenId)?.[0];
    if (byId !== undefined) {
      specials.pad_token = byId;
      specialIds.pad_token = o.padTokenId;
      derived.push(`pad_token "${byId}" from config.json pad_token_id ${o.padTokenId}`);
    }
  }
  if (specialIds.pad_token === undefined) {
    throw new TokenizerError(
      `${dir}: no padding token — ${named.pad_token ? `"${named.pad_token}" is not in the vocabulary` : 'no tokenizer file names one'} and config.json has no pad_token_id the vocabulary knows. ` +
        'Add "pad_token": "<token>" to tokenizer_config.json (a token of the vocabulary), so batches are padded with the id the model was trained with.',
    );
  }
  for (const k of SPECIAL_TOKEN_KEYS) if (specials[k] && !tokenContent(config[k])) config[k] = specials[k];
  for (const k of SPECIAL_TOKEN_KEYS) if (typeof config[k] === 'object' && config[k] !== null) config[k] = tokenContent(config[k]);
  if (typeof config.tokenizer_class !== 'string') {
    if (!defaults) throw new TokenizerError(`${dir}: model_type "${modelType}" has no known tokenizer class; add "tokenizer_class" to tokenizer_config.json.`);
    config.tokenizer_class = defaults.tokenizerClass;
  }
  if (typeof config.model_max_length !== 'number' || config.model_max_length >= 1e9) {
    if (o.maxLength !== undefined) config.model_max_length = o.maxLength;
  }
  if (defaults?.model === 'wordpiece' && typeof config.do_lower_case !== 'boolean') {
    // Recorded so an export says how it tokenizes (HF's class default is True; tokenizer.json's normalizer decides).
    const normalizer = tokenizerJson.normalizer as { type?: string; lowercase?: unknown } | null;
    if (normalizer?.type === 'BertNormalizer' && typeof normalizer.lowercase === 'boolean') config.do_lower_case = normalizer.lowercase;
  }
  const specialTokensMap = Object.fromEntries(SPECIAL_TOKEN_KEYS.filter((k) => specials[k]).map((k) => [k, specials[k] as string]));
  return {
    dir, tokenizerJson, tokenizerConfig: sortKeys(config), specialTokensMap, specialIds: specialIds as TokenizerFiles['specialIds'], derived, builtTokenizerJson: !hasJson,
  };
}

function sortKeys(o: Json): Json {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
