// tokenizer.json from a SentencePiece model, as transformers' convert_slow_tokenizer builds the fast tokenizer of each
// family (XLMRobertaConverter, CamembertConverter, DebertaV2Converter on top of SpmConverter): the same vocabulary
// order and ids, normalizer, Metaspace pre-tokenizer and template. A folder with only spm.model then tokenizes exactly
// as HF's AutoTokenizer would tokenize it, and an export carries a tokenizer.json transformers.js can read.
import { PieceType, SentencePieceModel, SpmModelType } from './sentencePieceModel';
import { TokenizerError } from './tokenizerError';

type Json = Record<string, unknown>;
const SPACE = '\u2581';

/** The families whose slow tokenizer is a SentencePiece Unigram model, with the spm file name their repos use. */
export const SPM_FILES: Record<string, string> = {
  'xlm-roberta': 'sentencepiece.bpe.model',
  camembert: 'sentencepiece.bpe.model',
  'deberta-v2': 'spm.model',
};

export interface SpmConvertOptions {
  /** DebertaV2Tokenizer's do_lower_case (tokenizer_config.json; false by default). */
  doLowerCase?: boolean;
  /** DebertaV2Tokenizer's split_by_punct (false by default). */
  splitByPunct?: boolean;
  /** The special tokens the tokenizer class adds (tokenizer_config.json or the class defaults). */
  specials: Partial<Record<'bos_token' | 'eos_token' | 'unk_token' | 'sep_token' | 'pad_token' | 'cls_token' | 'mask_token', string>>;
}

function addedToken(id: number, content: string, special: boolean, lstrip = false): Json {
  return { id, content, single_word: false, lstrip, rstrip: false, normalized: false, special };
}

/** fairseq's dictionary order, which XLM-R's and CamemBERT's checkpoints index: specials first, <mask> last. */
function familyVocab(modelType: string, m: SentencePieceModel): { vocab: [string, number][]; unkId: number } {
  const rest = (from: number) => m.pieces.slice(from).map((p): [string, number] => [p.piece, p.score]);
  switch (modelType) {
    case 'xlm-roberta':
      return { vocab: [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ...rest(3), ['<mask>', 0]], unkId: 3 };
    case 'camembert':
      // The spm's own <unk> is pushed down by −100 so fairseq's <unk> (id 3) is the one used.
      return { vocab: [['<s>NOTUSED', 0], ['<pad>', 0], ['</s>NOTUSED', 0], ['<unk>', 0], ['<unk>NOTUSED', -100], ...rest(1), ['<mask>', 0]], unkId: 3 };
    default:
      return { vocab: m.pieces.map((p): [string, number] => [p.piece, p.score]), unkId: m.unkId };
  }
}

/** SpmConverter.normalizer and DebertaV2Converter.normalizer. */
function normalizer(modelType: string, m: SentencePieceModel, o: SpmConvertOptions): Json {
  const precompiled = m.precompiledCharsmap.length > 0 ? [{ type: 'Precompiled', precompiled_charsmap: Buffer.from(m.precompiledCharsmap).toString('base64') }] : [];
  if (modelType === 'deberta-v2') {
    return {
      type: 'Sequence',
      normalizers: [
        ...(o.doLowerCase ? [{ type: 'Lowercase' }] : []),
        { type: 'Strip', strip_left: true, strip_right: true },
        ...precompiled,
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    };
  }
  return {
    type: 'Sequence',
    normalizers: [...precompiled, { type: 'Strip', strip_left: false, strip_right: true }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: SPACE }],
  };
}

function template(cls: string, sep: string, ids: Map<string, number>, pairTypeIds: boolean, doubleSep: boolean): Json {
  const special = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (s: 'A' | 'B', typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  const b = pairTypeIds ? 1 : 0;
  return {
    type: 'TemplateProcessing',
    single: [special(cls, 0), seq('A', 0), special(sep, 0)],
    pair: [special(cls, 0), seq('A', 0), special(sep, 0), ...(doubleSep ? [special(sep, 0)] : []), seq('B', b), special(sep, b)],
    special_tokens: Object.fromEntries([...new Set([cls, sep])].map((t) => [t, { id: t, ids: [ids.get(t)], tokens: [t] }])),
  };
}

/** The fast tokenizer (tokenizer.json) HF converts `m` into for `modelType`. */
export function spmTokenizerJson(modelType: string, m: SentencePieceModel, o: SpmConvertOptions): Json {
  if (!(modelType in SPM_FILES)) throw new TokenizerError(`no SentencePiece conversion for model_type "${modelType}" (known: ${Object.keys(SPM_FILES).join(', ')}).`);
  if (m.modelType !== SpmModelType.Unigram) {
    throw new TokenizerError(`the ${SPM_FILES[modelType]} of this ${modelType} model is a ${SpmModelType[m.modelType]} SentencePiece model; ${modelType} tokenizers are Unigram models. Use the repo's tokenizer.json instead.`);
  }
  const { vocab, unkId } = familyVocab(modelType, m);
  const ids = new Map<string, number>();
  vocab.forEach(([p], i) => { if (!ids.has(p)) ids.set(p, i); });

  // SpmConverter.tokenizer: the model's control and user-defined pieces become added tokens (controls special).
  const added = new Map<string, Json>();
  for (const p of m.pieces) {
    if ((p.type === PieceType.Control || p.type === PieceType.UserDefined) && ids.has(p.piece)) {
      added.set(p.piece, addedToken(ids.get(p.piece) as number, p.piece, p.type === PieceType.Control));
    }
  }
  // Then the tokenizer class's own special tokens; one the vocabulary lacks (DeBERTa-v3's [MASK]) is appended after it.
  let next = vocab.length;
  const mask = o.specials.mask_token;
  for (const t of new Set(Object.values(o.specials))) {
    if (!t || added.has(t)) continue;
    const id = ids.get(t) ?? next++;
    ids.set(t, id);
    // XLM-R's <mask> strips the space before it, so "a <mask>" predicts the word with its "▁".
    added.set(t, addedToken(id, t, true, t === mask && modelType !== 'deberta-v2'));
  }
  const cls = o.specials.cls_token;
  const sep = o.specials.sep_token;
  if (!cls || !sep || !ids.has(cls) || !ids.has(sep)) throw new TokenizerError(`the SentencePiece model has no "${cls}" / "${sep}" pieces, which a ${modelType} tokenizer needs.`);

  const metaspace = { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true };
  const deberta = modelType === 'deberta-v2';
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...added.values()].sort((a, b) => (a.id as number) - (b.id as number)),
    normalizer: normalizer(modelType, m, o),
    pre_tokenizer: deberta ? { type: 'Sequence', pretokenizers: [...(o.splitByPunct ? [{ type: 'Punctuation', behavior: 'Isolated' }] : []), metaspace] } : metaspace,
    post_processor: template(cls, sep, ids, deberta, !deberta),
    decoder: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: unkId, vocab, byte_fallback: false },
  };
}
