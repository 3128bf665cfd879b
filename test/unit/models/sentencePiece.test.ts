// SentencePiece Unigram tokenizers against SentencePiece itself (Debian python3-sentencepiece), which is what HF's slow
// XLMRobertaTokenizer and DebertaV2Tokenizer run: a model trained here on a multilingual corpus is read from its .model
// file (no tokenizer.json in the folder, as microsoft/deberta-v3-* ship), converted as transformers' converters do, and
// must give the slow tokenizer's ids on every sample text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSentimentCorpus } from '../../../scripts/fixtures/corpus';
import { PieceType, parseSentencePieceModel, readSentencePieceModel } from '../../../src/models/sentencePieceModel';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { resolveTokenizerFiles } from '../../../src/models/tokenizerFiles';
import { TokenizerError } from '../../../src/models/tokenizerError';
import { HELD_OUT, MULTILINGUAL, TRICKY } from './multilingualSample';
import { REPO, tempDir } from './support';

const spmMissing: string | false = (() => {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sentencepiece'], { encoding: 'utf8' });
  return r.status === 0 ? false : `sentencepiece is not importable by /usr/bin/python3 (apt install python3-sentencepiece): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
})();

interface SpmReply {
  pieces: [string, number, string][];
  ids: number[][];
  tokens: string[][];
}

const TEXTS = [...MULTILINGUAL, ...TRICKY, ...HELD_OUT];

/** Trains a Unigram model on the sentiment corpus + the multilingual sample and encodes TEXTS with SentencePiece. */
function trainSpm(file: string, options: Record<string, unknown>): SpmReply {
  const corpus = [...loadSentimentCorpus().map((r) => r.text), ...MULTILINGUAL, ...MULTILINGUAL, ...TRICKY];
  const r = spawnSync('/usr/bin/python3', [path.join(REPO, 'test', 'reference', 'spm_reference.py')], {
    input: JSON.stringify({
      corpus, model_out: file, encode: TEXTS,
      train: { model_type: 'unigram', vocab_size: 2500, character_coverage: 1.0, hard_vocab_limit: false, num_threads: 2, minloglevel: 2, ...options },
    }),
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`spm_reference.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as SpmReply;
}

function modelFolder(config: Record<string, unknown>, spmName: string, options: Record<string, unknown>): { dir: string; ref: SpmReply } {
  const dir = tempDir('spm');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return { dir, ref: trainSpm(path.join(dir, spmName), options) };
}

let xlmr: { dir: string; ref: SpmReply } | undefined;
const xlmrFolder = () => (xlmr ??= modelFolder({ model_type: 'xlm-roberta', pad_token_id: 1, max_position_embeddings: 514, vocab_size: 2502 }, 'sentencepiece.bpe.model', {}));

const DEBERTA_IDS = { pad_id: 0, bos_id: 1, eos_id: 2, unk_id: 3, pad_piece: '[PAD]', bos_piece: '[CLS]', eos_piece: '[SEP]', unk_piece: '[UNK]' };

test('the .model parser reads every piece, score and kind SentencePiece reports, and its trainer ids', { skip: spmMissing }, () => {
  const { dir, ref } = xlmrFolder();
  const m = readSentencePieceModel(path.join(dir, 'sentencepiece.bpe.model'));
  assert.equal(m.pieces.length, ref.pieces.length);
  const kinds: Record<string, PieceType> = { unknown: PieceType.Unknown, control: PieceType.Control, normal: PieceType.Normal };
  ref.pieces.forEach(([piece, score, kind], i) => {
    assert.equal(m.pieces[i].piece, piece, `piece ${i}`);
    assert.equal(m.pieces[i].score, Math.fround(score), `score of ${piece}`);
    assert.equal(m.pieces[i].type, kinds[kind], `kind of ${piece}`);
  });
  assert.deepEqual([m.unkId, m.bosId, m.eosId, m.padId], [0, 1, 2, -1]);
  assert.equal(m.normalizerName, 'nmt_nfkc');
  assert.ok(m.precompiledCharsmap.length > 1000, `nmt_nfkc's compiled table is stored (${m.precompiledCharsmap.length} bytes)`);
  assert.equal(m.addDummyPrefix, true);
  assert.throws(() => parseSentencePieceModel(Buffer.from('{"not": "a model"}'), 'x.model'), (e: Error) => e instanceof TokenizerError && /x\.model: not a SentencePiece model|x\.model: the model has no pieces/.test(e.message));
});

test('XLM-R from sentencepiece.bpe.model alone tokenizes like XLMRobertaTokenizer (SentencePiece + fairseq ids) in 14 languages', { skip: spmMissing }, async () => {
  const { dir, ref } = xlmrFolder();
  const tok = await loadTokenizer(dir);
  assert.equal(tok.files.builtTokenizerJson, true);
  assert.match(tok.files.derived.join('; '), /tokenizer\.json built from sentencepiece\.bpe\.model/);
  // XLMRobertaTokenizer: <s> = 0, <pad> = 1, </s> = 2, <unk> = 3, every SentencePiece id shifted by one, <mask> last.
  const fairseq = (id: number) => (id === 0 ? 3 : id + 1);
  const mismatches: string[] = [];
  TEXTS.forEach((t, i) => {
    const want = [0, ...ref.ids[i].map(fairseq), 2];
    const got = tok.encodeOne(t);
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${JSON.stringify(t)}: ours ${JSON.stringify(got)} vs SentencePiece ${JSON.stringify(want)} (${ref.tokens[i].join(' ')})`);
  });
  assert.deepEqual(mismatches, []);
  assert.ok(ref.ids.flat().includes(0), 'the held-out texts exercise <unk>');
  assert.equal(tok.padTokenId, 1);
  assert.equal(tok.maskTokenId, ref.pieces.length + 1);
  const pair = tok.encodeOne(MULTILINGUAL[1], MULTILINGUAL[2]);
  assert.deepEqual(pair, [0, ...ref.ids[1].map(fairseq), 2, 2, ...ref.ids[2].map(fairseq), 2]);
});

test('DeBERTa-v3 from spm.model alone tokenizes like DebertaV2Tokenizer: [CLS] A [SEP] B [SEP] with segment ids, [MASK] after the pieces', { skip: spmMissing }, async () => {
  const { dir, ref } = modelFolder({ model_type: 'deberta-v2', pad_token_id: 0, max_position_embeddings: 512, vocab_size: 2600 }, 'spm.model', DEBERTA_IDS);
  assert.deepEqual(ref.pieces.slice(0, 4).map(([p]) => p), ['[PAD]', '[CLS]', '[SEP]', '[UNK]']);
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, vocab_type: 'spm' }));
  const tok = await loadTokenizer(dir);
  const mismatches: string[] = [];
  TEXTS.forEach((t, i) => {
    const want = [1, ...ref.ids[i], 2];
    const got = tok.encodeOne(t);
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${JSON.stringify(t)}: ours ${JSON.stringify(got)} vs SentencePiece ${JSON.stringify(want)} (${ref.tokens[i].join(' ')})`);
  });
  assert.deepEqual(mismatches, []);
  assert.equal(tok.padTokenId, 0);
  assert.equal(tok.maskTokenId, ref.pieces.length, '[MASK] is added after the SentencePiece vocabulary (128000 in deberta-v3)');
  const batch = tok.encode([MULTILINGUAL[0]], { pairs: [MULTILINGUAL[2]] });
  const ids = Array.from(batch.inputIds, Number);
  const types = Array.from(batch.tokenTypeIds, Number);
  const a = ref.ids[0].length + 2;
  assert.deepEqual(ids, [1, ...ref.ids[0], 2, ...ref.ids[2], 2]);
  assert.deepEqual(types, [...Array(a).fill(0), ...Array(ref.ids[2].length + 1).fill(1)]);
  // The mask token is matched as a whole in text, as DebertaV2Tokenizer does for its special tokens.
  assert.deepEqual(tok.encodeOne('soup [MASK] warm').filter((id) => id === tok.maskTokenId).length, 1);
});

test('a SentencePiece folder of another algorithm or without the file says what to download', { skip: spmMissing }, () => {
  const { dir } = modelFolder({ model_type: 'deberta-v2', pad_token_id: 0 }, 'spm.model', { ...DEBERTA_IDS, model_type: 'bpe', vocab_size: 800 });
  assert.throws(() => resolveTokenizerFiles(dir), (e: Error) => e instanceof TokenizerError && /spm\.model of this deberta-v2 model is a Bpe SentencePiece model; deberta-v2 tokenizers are Unigram models/.test(e.message));
  fs.rmSync(path.join(dir, 'spm.model'));
  assert.throws(() => resolveTokenizerFiles(dir), (e: Error) => e instanceof TokenizerError && /needs tokenizer\.json or spm\.model\. Download tokenizer\.json or spm\.model from the model's Hub repo/.test(e.message));
});
