// Reads a SentencePiece model file (spm.model, sentencepiece.bpe.model, spiece.model): the ModelProto of
// google/sentencepiece's sentencepiece_model.proto, decoded with protobufjs from the few fields a tokenizer needs.
// Real Hub repos ship only this file for some families (microsoft/deberta-v3-*, mdeberta-v3-base have spm.model and no
// tokenizer.json), so it is turned into a tokenizer.json the way transformers' converters do (sentencePieceTokenizer.ts).
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs/light';
import { TokenizerError } from './tokenizerError';

/** sentencepiece_model.proto ModelProto.SentencePiece.Type. */
export enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }
/** TrainerSpec.ModelType. */
export enum SpmModelType { Unigram = 1, Bpe = 2, Word = 3, Char = 4 }

export interface SpmPiece {
  piece: string;
  score: number;
  type: PieceType;
}

export interface SentencePieceModel {
  pieces: SpmPiece[];
  modelType: SpmModelType;
  unkId: number;
  bosId: number;
  eosId: number;
  /** -1 when the model has no padding piece (SentencePiece's default). */
  padId: number;
  byteFallback: boolean;
  /** The normalization rule's name ("nmt_nfkc", "identity", ...). */
  normalizerName: string;
  /** The compiled normalization table; empty for "identity". */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
}

// Field numbers and proto2 defaults from sentencepiece_model.proto. Only what is read is declared; protobufjs skips the
// rest, and an absent field reads as its declared default (protobufjs puts defaults on the message prototype).
const root = protobuf.Root.fromJSON({
  nested: {
    ModelProto: {
      fields: {
        pieces: { rule: 'repeated', type: 'Piece', id: 1 },
        trainerSpec: { type: 'TrainerSpec', id: 2 },
        normalizerSpec: { type: 'NormalizerSpec', id: 3 },
      },
    },
    Piece: { fields: { piece: { type: 'string', id: 1 }, score: { type: 'float', id: 2 }, type: { type: 'int32', id: 3, options: { default: 1 } } } },
    TrainerSpec: {
      fields: {
        modelType: { type: 'int32', id: 3, options: { default: 1 } },
        byteFallback: { type: 'bool', id: 35 },
        unkId: { type: 'int32', id: 40, options: { default: 0 } },
        bosId: { type: 'int32', id: 41, options: { default: 1 } },
        eosId: { type: 'int32', id: 42, options: { default: 2 } },
        padId: { type: 'int32', id: 43, options: { default: -1 } },
      },
    },
    NormalizerSpec: {
      fields: {
        name: { type: 'string', id: 1, options: { default: 'nmt_nfkc' } },
        precompiledCharsmap: { type: 'bytes', id: 2 },
        addDummyPrefix: { type: 'bool', id: 3, options: { default: true } },
        removeExtraWhitespaces: { type: 'bool', id: 4, options: { default: true } },
      },
    },
  },
});
const ModelProto = root.lookupType('ModelProto');
const TrainerSpec = root.lookupType('TrainerSpec');
const NormalizerSpec = root.lookupType('NormalizerSpec');

interface Decoded {
  pieces?: { piece: string; score: number; type: number }[];
  trainerSpec?: TrainerFields;
  normalizerSpec?: NormalizerFields;
}
interface TrainerFields { modelType: number; byteFallback: boolean; unkId: number; bosId: number; eosId: number; padId: number }
interface NormalizerFields { name: string; precompiledCharsmap: Uint8Array; addDummyPrefix: boolean; removeExtraWhitespaces: boolean }

/** Decodes a ModelProto; proto2 defaults (type NORMAL, unigram, unk 0 / bos 1 / eos 2 / pad -1, dummy prefix on) apply. */
export function parseSentencePieceModel(bytes: Uint8Array, file = 'SentencePiece model'): SentencePieceModel {
  let m: Decoded;
  try {
    m = ModelProto.decode(bytes) as unknown as Decoded;
  } catch (e) {
    throw new TokenizerError(`${file}: not a SentencePiece model (${(e as Error).message}); re-download it from the model's Hub repo.`);
  }
  const pieces = (m.pieces ?? []).map((p): SpmPiece => ({ piece: p.piece, score: p.score, type: p.type as PieceType }));
  if (pieces.length === 0) throw new TokenizerError(`${file}: the model has no pieces; it is not a SentencePiece model file (or it is damaged).`);
  const t = m.trainerSpec ?? (TrainerSpec.create() as unknown as TrainerFields);
  const n = m.normalizerSpec ?? (NormalizerSpec.create() as unknown as NormalizerFields);
  return {
    pieces, modelType: t.modelType as SpmModelType, unkId: t.unkId, bosId: t.bosId, eosId: t.eosId, padId: t.padId, byteFallback: t.byteFallback,
    normalizerName: n.name, precompiledCharsmap: n.precompiledCharsmap, addDummyPrefix: n.addDummyPrefix, removeExtraWhitespaces: n.removeExtraWhitespaces,
  };
}

export function readSentencePieceModel(file: string): SentencePieceModel {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new TokenizerError(`${file}: cannot read (${(e as Error).message}).`);
  }
  return parseSentencePieceModel(bytes, file);
}
