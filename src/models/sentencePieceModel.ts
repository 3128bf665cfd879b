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

// Field numbers from sentencepiece_model.proto (proto2). Only what is read is declared; protobufjs skips the rest.
const root = protobuf.Root.fromJSON({
  nested: {
    ModelProto: {
      fields: {
        pieces: { rule: 'repeated', type: 'Piece', id: 1 },
        trainerSpec: { type: 'TrainerSpec', id: 2 },
        normalizerSpec: { type: 'NormalizerSpec', id: 3 },
      },
    },
    Piece: { fields: { piece: { type: 'string', id: 1 }, score: { type: 'float', id: 2 }, type: { type: 'int32', id: 3 } } },
    TrainerSpec: {
      fields: {
        modelType: { type: 'int32', id: 3 },
        byteFallback: { type: 'bool', id: 35 },
        unkId: { type: 'int32', id: 40 },
        bosId: { type: 'int32', id: 41 },
        eosId: { type: 'int32', id: 42 },
        padId: { type: 'int32', id: 43 },
      },
    },
    NormalizerSpec: {
      fields: {
        name: { type: 'string', id: 1 },
        precompiledCharsmap: { type: 'bytes', id: 2 },
        addDummyPrefix: { type: 'bool', id: 3 },
        removeExtraWhitespaces: { type: 'bool', id: 4 },
      },
    },
  },
});
const ModelProto = root.lookupType('ModelProto');

interface Decoded {
  pieces?: { piece?: string; score?: number; type?: number }[];
  trainerSpec?: { modelType?: number; byteFallback?: boolean; unkId?: number; bosId?: number; eosId?: number; padId?: number };
  normalizerSpec?: { name?: string; precompiledCharsmap?: Uint8Array; addDummyPrefix?: boolean; removeExtraWhitespaces?: boolean };
}

/** Decodes a ModelProto; proto2 defaults (type NORMAL, unigram, unk 0 / bos 1 / eos 2 / pad -1, dummy prefix on) apply. */
export function parseSentencePieceModel(bytes: Uint8Array, file = 'SentencePiece model'): SentencePieceModel {
  let m: Decoded;
  try {
    // Presence matters for proto2 defaults, so fields are read from the message without toObject's defaulting.
    m = ModelProto.decode(bytes) as unknown as Decoded;
  } catch (e) {
    throw new TokenizerError(`${file}: not a SentencePiece model (${(e as Error).message}); re-download it from the model's Hub repo.`);
  }
  const pieces = (m.pieces ?? []).map((p, i): SpmPiece => {
    if (typeof p.piece !== 'string') throw new TokenizerError(`${file}: piece ${i} has no text; the file is damaged, re-download it.`);
    return { piece: p.piece, score: p.score ?? 0, type: (p.type || PieceType.Normal) as PieceType };
  });
  if (pieces.length === 0) throw new TokenizerError(`${file}: the model has no pieces; it is not a SentencePiece model file (or it is damaged).`);
  const t = m.trainerSpec ?? {};
  const n = m.normalizerSpec ?? {};
  const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  return {
    pieces,
    modelType: (t.modelType || SpmModelType.Unigram) as SpmModelType,
    unkId: has(t, 'unkId') ? (t.unkId as number) : 0,
    bosId: has(t, 'bosId') ? (t.bosId as number) : 1,
    eosId: has(t, 'eosId') ? (t.eosId as number) : 2,
    padId: has(t, 'padId') ? (t.padId as number) : -1,
    byteFallback: t.byteFallback === true,
    normalizerName: n.name ?? 'nmt_nfkc',
    precompiledCharsmap: n.precompiledCharsmap ?? new Uint8Array(0),
    addDummyPrefix: has(n, 'addDummyPrefix') ? n.addDummyPrefix === true : true,
    removeExtraWhitespaces: has(n, 'removeExtraWhitespaces') ? n.removeExtraWhitespaces === true : true,
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
