import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer, maxSequenceLength } from '../../../src/models/tokenizer';
import { fixtureModel, tempDir } from './support';

/** Ids straight from vocab.txt, line number = id, as BERT's tokenizer defines them. */
function vocabIds(dir: string, tokens: string[]): number[] {
  const vocab = fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8').split('\n');
  return tokens.map((t) => {
    const i = vocab.indexOf(t);
    assert.ok(i >= 0, `${t} not in vocab`);
    return i;
  });
}

test('WordPiece: single text gets [CLS] … [SEP] with ids from vocab.txt, lowercased and split on punctuation', async () => {
  const dir = fixtureModel('tiny-bert');
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  assert.deepEqual(tok.encodeOne('This movie was GREAT, I loved it!'), vocabIds(dir, ['[CLS]', 'this', 'movie', 'was', 'great', ',', 'i', 'loved', 'it', '!', '[SEP]']));
});

test('WordPiece: pairs get [SEP] between them and token type 1 on the second segment', async () => {
  const dir = fixtureModel('tiny-bert');
  const tok = await loadTokenizer(dir);
  const enc = tok.encode(['great movie'], { pairs: ['it was bad'] });
  assert.deepEqual(Array.from(enc.inputIds, Number), vocabIds(dir, ['[CLS]', 'great', 'movie', '[SEP]', 'it', 'was', 'bad', '[SEP]']));
  assert.deepEqual(Array.from(enc.tokenTypeIds, Number), [0, 0, 0, 0, 1, 1, 1, 1]);
});

test('batches pad to the longest row with the pad id and a zero mask; padTo fixes the width', async () => {
  const dir = fixtureModel('tiny-bert');
  const tok = await loadTokenizer(dir);
  const enc = tok.encode(['great', 'the movie was great']);
  assert.equal(enc.seq, 6);
  const [pad] = vocabIds(dir, ['[PAD]']);
  assert.deepEqual(Array.from(enc.inputIds.subarray(0, 6), Number).slice(3), [pad, pad, pad]);
  assert.deepEqual(Array.from(enc.attentionMask, Number), [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  assert.equal(tok.encode(['great'], { padTo: 10 }).seq, 10);
  assert.throws(() => tok.encode(['the movie was great'], { padTo: 3 }), /padTo 3 is shorter than the longest row \(6 tokens\)/);
  assert.throws(() => tok.encode(['a', 'b'], { pairs: ['c'] }), /2 texts but 1 pair texts/);
});

test('truncation keeps the special tokens and the maximum comes from tokenizer_config and the position table', async () => {
  const dir = fixtureModel('tiny-bert');
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  assert.equal(tok.maxLength, 128);
  const long = Array.from({ length: 300 }, () => 'great').join(' ');
  const ids = tok.encodeOne(long);
  assert.equal(ids.length, 128);
  assert.deepEqual([ids[0], ids[127]], vocabIds(dir, ['[CLS]', '[SEP]']));
  const short = tok.encode([long], { maxLength: 8 });
  assert.equal(short.seq, 8);
  assert.deepEqual(Array.from(short.inputIds, Number), vocabIds(dir, ['[CLS]', 'great', 'great', 'great', 'great', 'great', 'great', '[SEP]']));

  // RoBERTa positions start at padding_idx + 1: 130 positions leave 128 tokens.
  const rdir = fixtureModel('tiny-roberta');
  assert.equal(maxSequenceLength(rdir, readModelSpec(rdir)), 128);
  const copy = tempDir('tok');
  for (const f of fs.readdirSync(rdir)) if (f.endsWith('.json') || f.endsWith('.txt')) fs.copyFileSync(path.join(rdir, f), path.join(copy, f));
  const cfg = JSON.parse(fs.readFileSync(path.join(copy, 'tokenizer_config.json'), 'utf8'));
  cfg.model_max_length = 1e30;
  fs.writeFileSync(path.join(copy, 'tokenizer_config.json'), JSON.stringify(cfg));
  const spec = readModelSpec(copy);
  assert.equal(maxSequenceLength(copy, { ...spec, maxPositions: 66 }), 64);
});

test('byte-level BPE: <s> … </s>, pairs joined by </s></s>, spaces carried as Ġ', async () => {
  const dir = fixtureModel('tiny-roberta');
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  const pieces = tok.inner.tokenize('This movie was great');
  assert.ok(pieces.slice(1).every((p) => p.startsWith('Ġ')), pieces.join('|'));
  const single = tok.encodeOne('This movie was great');
  assert.deepEqual(single, [vocab['<s>'], ...pieces.map((p) => vocab[p]), vocab['</s>']]);
  const pair = tok.encodeOne('good', 'bad');
  const s = vocab['</s>'];
  assert.deepEqual([pair[0], pair.at(-1)], [vocab['<s>'], s]);
  assert.equal(pair.filter((id) => id === s).length, 3);
});

test('a folder without any tokenizer file is a clear error that names the files it needs', async () => {
  await assert.rejects(loadTokenizer(tempDir('tok')), /no tokenizer\.json; a BertTokenizer folder needs tokenizer\.json or vocab\.txt/);
});

test('pair truncation cuts the longer text first and keeps every special token (HF longest_first)', async () => {
  const dir = fixtureModel('tiny-bert');
  const tok = await loadTokenizer(dir);
  const long = Array.from({ length: 20 }, () => 'great').join(' ');
  const enc = tok.encode([long], { pairs: ['it was bad'], maxLength: 12 });
  // 12 = 3 specials + 9 content: the short side keeps its 3 tokens, the long side gets the other 6.
  assert.deepEqual(Array.from(enc.inputIds, Number), vocabIds(dir, ['[CLS]', ...Array(6).fill('great'), '[SEP]', 'it', 'was', 'bad', '[SEP]']));
  assert.deepEqual(Array.from(enc.tokenTypeIds, Number), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  const both = tok.encode([long], { pairs: [long], maxLength: 11 });
  assert.deepEqual(Array.from(both.tokenTypeIds, Number).filter((t) => t === 1).length, 5, 'odd budget: the first text keeps 4, the second 4 + its [SEP]');
});
