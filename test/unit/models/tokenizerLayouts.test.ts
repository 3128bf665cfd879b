// Tokenizers from every file layout the Hub has (src/models/tokenizerFiles.ts): tokenizer.json with or without
// tokenizer_config.json / special_tokens_map.json, vocab.txt alone, vocab.json + merges.txt alone. The reference for a
// vocab-only folder is the same repo with its tokenizer.json (written by the fixture generator, not by the code under
// test): both must give the same ids, specials and padding. Exports must name every special token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeTokenizerFiles } from '../../../src/models/exportTokenizer';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer, loadTransformers } from '../../../src/models/tokenizer';
import { resolveTokenizerFiles } from '../../../src/models/tokenizerFiles';
import { zooRepo } from '../zoo/support';
import { fixtureWorkspace, tempDir } from './support';

const TEXTS = ['Great phone.', 'The battery died after two days, and the support line never answered!', 'Not bad at all; I would buy it again.'];
const PAIRS = ['It is good.', 'Terrible.', 'Fine, I guess.'];

/** A copy of a zoo repo with only `keep` of its files (config.json always). */
function layout(repo: Parameters<typeof zooRepo>[0], keep: string[]): string {
  const src = zooRepo(repo);
  const dir = tempDir('toklayout');
  for (const f of ['config.json', ...keep]) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  return dir;
}

async function encodings(dir: string) {
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  const single = tok.encode(TEXTS);
  const pairs = tok.encode(TEXTS, { pairs: PAIRS });
  const ids = (b: { inputIds: BigInt64Array }) => Array.from(b.inputIds, Number);
  return { tok, single: ids(single), types: Array.from(pairs.tokenTypeIds, Number), pairs: ids(pairs), mask: Array.from(single.attentionMask, Number) };
}

test('vocab.txt alone (WordPiece): ids, pairs, token types and padding equal the repo with its tokenizer.json', async () => {
  const full = await encodings(zooRepo('google-bert/bert-base-uncased'));
  const vocabOnly = await encodings(layout('google-bert/bert-base-uncased', ['vocab.txt']));
  assert.deepEqual(vocabOnly.single, full.single);
  assert.deepEqual(vocabOnly.pairs, full.pairs);
  assert.deepEqual(vocabOnly.types, full.types);
  assert.deepEqual(vocabOnly.mask, full.mask);
  assert.equal(vocabOnly.tok.padTokenId, 0);
  assert.equal(vocabOnly.tok.maskTokenId, full.tok.vocab.get('[MASK]'));
  assert.ok(vocabOnly.tok.files.builtTokenizerJson);
  assert.ok(vocabOnly.tok.files.derived.some((d) => /tokenizer\.json built from vocab\.txt/.test(d)), vocabOnly.tok.files.derived.join('; '));
  assert.ok(vocabOnly.tok.files.derived.some((d) => /do_lower_case true/.test(d)), 'an uncased vocabulary is lower-cased');
});

test('a cased vocab.txt without tokenizer_config.json keeps capitals (do_lower_case false, read off the vocabulary)', async () => {
  const dir = layout('google-bert/bert-base-uncased', ['vocab.txt']);
  const vocab = fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8').trimEnd().split('\n');
  // Capitalise half the whole words, as a cased vocabulary has them.
  const cased = vocab.map((t, i) => (i > 1000 && i % 2 === 0 && /^[a-z]+$/.test(t) ? t[0].toUpperCase() + t.slice(1) : t));
  fs.writeFileSync(path.join(dir, 'vocab.txt'), cased.join('\n') + '\n');
  const word = cased.find((t, i) => i > 1000 && /^[A-Z][a-z]{3,}$/.test(t)) as string;
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  assert.ok(tok.files.derived.some((d) => /do_lower_case false/.test(d)));
  assert.deepEqual(tok.encodeOne(word).slice(1, -1), [cased.indexOf(word)], `"${word}" is one token of the cased vocabulary`);
});

test('vocab.json + merges.txt alone (byte-level BPE): equal to the repo with its tokenizer.json; <pad> is 1, <mask> found', async () => {
  const full = await encodings(zooRepo('FacebookAI/roberta-base'));
  const bpeOnly = await encodings(layout('FacebookAI/roberta-base', ['vocab.json', 'merges.txt']));
  assert.deepEqual(bpeOnly.single, full.single);
  assert.deepEqual(bpeOnly.pairs, full.pairs);
  assert.equal(bpeOnly.tok.padTokenId, 1);
  assert.equal(full.tok.padTokenId, 1);
  assert.equal(bpeOnly.tok.maskTokenId, full.tok.vocab.get('<mask>'));
  assert.equal(bpeOnly.single[0], 0, '<s> first');
});

test('tokenizer.json without tokenizer_config.json (roberta-base, xlm-roberta-base): the class defaults name every special token', () => {
  for (const [repo, cls] of [['FacebookAI/roberta-base', 'RobertaTokenizer'], ['FacebookAI/xlm-roberta-base', 'XLMRobertaTokenizer']] as const) {
    const f = resolveTokenizerFiles(zooRepo(repo));
    assert.equal(f.tokenizerConfig.tokenizer_class, cls);
    assert.deepEqual(f.specialTokensMap, { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', sep_token: '</s>', pad_token: '<pad>', cls_token: '<s>', mask_token: '<mask>' });
    assert.deepEqual([f.specialIds.bos_token, f.specialIds.pad_token, f.specialIds.eos_token, f.specialIds.unk_token], [0, 1, 2, 3]);
  }
});

test('special tokens: tokenizer_config.json wins over special_tokens_map.json, which wins over the class default', () => {
  const dir = layout('google-bert/bert-base-uncased', ['tokenizer.json']);
  const tj = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
  const [a, b] = ['[unused1]', '[unused2]'].map((t) => tj.model.vocab[t]);
  assert.ok(a !== undefined && b !== undefined);
  fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), JSON.stringify({ pad_token: { content: '[unused1]', lstrip: false }, mask_token: '[unused2]' }));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ mask_token: { __type: 'AddedToken', content: '[unused1]' } }));
  const f = resolveTokenizerFiles(dir);
  assert.equal(f.specialIds.pad_token, a);
  assert.equal(f.specialIds.mask_token, a);
  assert.equal(f.tokenizerConfig.mask_token, '[unused1]', 'written as a plain string, which transformers.js reads');
});

test('no pad token anywhere: the error says which file to fix, never a silent 0', () => {
  const dir = layout('google-bert/bert-base-uncased', ['tokenizer.json']);
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '[NOT-IN-VOCAB]' }));
  assert.throws(() => resolveTokenizerFiles(dir), /no padding token — "\[NOT-IN-VOCAB\]" is not in the vocabulary.*Add "pad_token"/);
  // config.json's pad_token_id is the model's own word on padding when the files name none it knows.
  const f = resolveTokenizerFiles(dir, { padTokenId: 0 });
  assert.equal(f.specialIds.pad_token, 0);
  assert.equal(f.specialTokensMap.pad_token, '[PAD]');
});

test('sentencepiece.bpe.model alone (XLM-R): tokenizer.json built as XLMRobertaConverter does, ids equal the repo with its tokenizer.json', async () => {
  const full = await encodings(zooRepo('FacebookAI/xlm-roberta-base'));
  const spmOnly = await encodings(layout('FacebookAI/xlm-roberta-base', ['sentencepiece.bpe.model']));
  assert.deepEqual(spmOnly.single, full.single);
  assert.deepEqual(spmOnly.pairs, full.pairs);
  assert.deepEqual(spmOnly.mask, full.mask);
  assert.equal(spmOnly.tok.padTokenId, 1);
  assert.equal(spmOnly.tok.maskTokenId, full.tok.maskTokenId);
  assert.ok(spmOnly.tok.files.builtTokenizerJson);
});

test('a Unigram family without tokenizer.json or its SentencePiece model: refused with what to download, not a stack trace', () => {
  const dir = layout('FacebookAI/xlm-roberta-base', []);
  assert.throws(() => resolveTokenizerFiles(dir), /no tokenizer\.json; a XLMRobertaTokenizer folder needs tokenizer\.json or sentencepiece\.bpe\.model\. Download tokenizer\.json or sentencepiece\.bpe\.model from the model's Hub repo/);
});

test('merges.txt with a malformed line: file:line and what was expected', () => {
  const dir = layout('FacebookAI/roberta-base', ['vocab.json', 'merges.txt']);
  const lines = fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8').split('\n');
  lines[4] = 'abc';
  fs.writeFileSync(path.join(dir, 'merges.txt'), lines.join('\n'));
  assert.throws(() => resolveTokenizerFiles(dir), /merges\.txt:5: expected "left right"/);
});

test('exported tokenizer files are complete: transformers.js pads a batch with the named pad token for every layout', async () => {
  const { AutoTokenizer } = await loadTransformers();
  const cases: [string, number][] = [
    [zooRepo('google-bert/bert-base-uncased'), 0], // tokenizer_config.json is only {"do_lower_case": true}
    [layout('google-bert/bert-base-uncased', ['vocab.txt']), 0],
    [zooRepo('FacebookAI/roberta-base'), 1], // no tokenizer_config.json
    [layout('FacebookAI/roberta-base', ['vocab.json', 'merges.txt']), 1],
    [zooRepo('FacebookAI/xlm-roberta-base'), 1],
  ];
  for (const [src, pad] of cases) {
    const out = tempDir('tokexport');
    writeTokenizerFiles(src, out, readModelSpec(src));
    const config = JSON.parse(fs.readFileSync(path.join(out, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    for (const k of ['tokenizer_class', 'model_max_length', 'pad_token', 'unk_token', 'cls_token', 'sep_token', 'mask_token']) assert.ok(config[k] !== undefined, `${src}: ${k} in the exported tokenizer_config.json`);
    assert.ok(fs.existsSync(path.join(out, 'special_tokens_map.json')));
    const tok = await AutoTokenizer.from_pretrained(out, { local_files_only: true });
    const enc = tok(TEXTS, { padding: true, return_tensor: false }) as { input_ids: number[][]; attention_mask: number[][] };
    const width = enc.input_ids[0].length;
    assert.ok(enc.input_ids.every((r) => r.length === width), 'padded to one width');
    const short = enc.attention_mask[0].indexOf(0);
    assert.ok(short > 0, 'the short text is padded');
    assert.ok(enc.input_ids[0].slice(short).every((id) => id === pad), `${src}: padded with ${pad}: ${enc.input_ids[0].slice(short)}`);
    // Our own loader reads the export the same way as the source.
    const ours = await loadTokenizer(out, readModelSpec(src));
    const theirs = await loadTokenizer(src, readModelSpec(src));
    assert.deepEqual(Array.from(ours.encode(TEXTS).inputIds), Array.from(theirs.encode(TEXTS).inputIds));
  }
});

test('a model folder with only vocab.txt trains, and its export (tokenizer.json built) classifies a batch in transformers.js', async () => {
  const { runTraining } = await import('../../../src/training/run');
  const dir = layout('google-bert/bert-base-uncased', ['vocab.txt', 'model.safetensors']);
  const lines = fs.readFileSync(path.join(fixtureWorkspace(), 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const data = path.join(tempDir('vocab-only-data'), 'small.csv');
  fs.writeFileSync(data, [lines[0], ...lines.slice(1, 13)].join('\n') + '\n');
  const messages: { type: string; runDir?: string }[] = [];
  await runTraining(
    { model: dir, data, strategy: 'feature-extraction', runsRoot: tempDir('vocab-only-runs'), device: 'cpu', settings: { batchSize: 4, maxLength: 32, maxSteps: 2, threads: 1 } },
    { emit: (m) => messages.push(m as { type: string }), isCancelled: () => false, isPaused: () => false },
  );
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done?.runDir, JSON.stringify(messages.filter((m) => m.type === 'error')));
  const model = path.join(done.runDir, 'model');
  assert.ok(fs.existsSync(path.join(model, 'tokenizer.json')), 'the export carries the tokenizer.json built from vocab.txt');
  const { pipeline } = await loadTransformers();
  const classify = await pipeline('text-classification', model, { local_files_only: true, dtype: 'fp32' });
  try {
    const batched = (await classify(TEXTS)) as { label: string; score: number }[];
    const alone = ((await classify(TEXTS[0])) as { label: string; score: number }[])[0];
    assert.equal(batched.length, TEXTS.length);
    assert.ok(Math.abs(batched[0].score - alone.score) < 1e-4, `batched ${batched[0].score} vs alone ${alone.score}`);
  } finally {
    await classify.dispose();
  }
});
