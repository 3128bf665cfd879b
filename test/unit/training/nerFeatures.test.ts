// NER features on the real fixture tokenizers: subword label alignment worked by hand, windows over long sentences
// (every word scored in exactly one window, the one with the most context), and tags → logits → tags round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readRows } from '../../../src/data/readers';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { WordEncoder } from '../../../src/models/wordEncoding';
import { IGNORED_LABEL, nerFeatures, wordTagIds, type NerFeature } from '../../../src/training/tokenTasks/nerFeatures';
import { fixtureModel, fixtureWorkspace } from '../models/support';

const LABELS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
const [O, B_LOC, I_LOC, B_PER] = [0, 1, 2, 3];
const X = IGNORED_LABEL;

async function encoder(name = 'tiny-bert') {
  const dir = fixtureModel(name);
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  return { tok, enc: new WordEncoder(tok) };
}

test('labels by hand: first subword carries the tag, continuations and specials are -100', async () => {
  const { tok, enc } = await encoder();
  const v = (t: string) => tok.vocab.get(t) as number;
  // tiny-bert splits: John → john; lives → live ##s; in → in; Paris → par ##i ##s.
  const [f, ...rest] = nerFeatures([{ tokens: ['John', 'lives', 'in', 'Paris'], tags: [B_PER, O, O, B_LOC] }], enc, { maxLength: 64, stride: 8 });
  assert.equal(rest.length, 0, 'a short sentence is one window');
  assert.deepEqual(f.ids, ['[CLS]', 'john', 'live', '##s', 'in', 'par', '##i', '##s', '[SEP]'].map(v));
  assert.deepEqual(f.typeIds, [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(f.wordIds, [null, 0, 1, 1, 2, 3, 3, 3, null]);
  assert.deepEqual(f.labels, [X, B_PER, O, X, O, B_LOC, X, X, X]);
  assert.deepEqual(f.scored, [false, true, true, false, true, true, false, false, false]);
  assert.equal(f.example, 0);
});

test('labelAllSubwords: a word split into 3 pieces is B-LOC I-LOC I-LOC (HF b_to_i_label); O stays O', async () => {
  const { enc } = await encoder();
  const [f] = nerFeatures([{ tokens: ['John', 'lives', 'in', 'Paris'], tags: [B_PER, O, O, B_LOC] }], enc, { maxLength: 64, stride: 8, labelAllSubwords: true, labels: LABELS });
  assert.deepEqual(f.labels, [X, B_PER, O, O, O, B_LOC, I_LOC, I_LOC, X]);
  assert.deepEqual(f.scored, [false, true, true, false, true, true, false, false, false], 'scoring still uses the first subword only');
  // A B- tag whose I- is missing from the list keeps its own id (as HF does).
  const [g] = nerFeatures([{ tokens: ['Paris'], tags: [1] }], enc, { maxLength: 64, stride: 8, labelAllSubwords: true, labels: ['O', 'B-LOC'] });
  assert.deepEqual(g.labels, [X, 1, 1, 1, X]);
  assert.throws(() => nerFeatures([{ tokens: ['Paris'], tags: [1] }], enc, { maxLength: 64, stride: 8, labelAllSubwords: true }), /labelAllSubwords needs the tag names/);
});

test('without tags every label is -100 (prediction input); a word the normalizer deletes becomes [UNK]', async () => {
  const { tok, enc } = await encoder();
  const [f] = nerFeatures([{ tokens: ['John', '\u0096', 'in'] }], enc, { maxLength: 64, stride: 8 });
  assert.deepEqual(f.labels, [X, X, X, X, X]);
  assert.deepEqual(f.ids.slice(1, 4), [tok.vocab.get('john'), tok.inner.unk_token_id, tok.vocab.get('in')]);
  assert.deepEqual(f.wordIds, [null, 0, 1, 2, null]);
  assert.deepEqual(f.scored, [false, true, true, true, false]);
});

test('windows worked by hand: 12 one-token words, maxLength 8 (6 word tokens), stride 2', async () => {
  const { enc } = await encoder();
  const words = ['john', 'in', 'call', 'to', '.', 'john', 'in', 'call', 'to', '.', 'john', 'in'];
  const tags = words.map((_, i) => i % 5);
  const fs = nerFeatures([{ tokens: words, tags }], enc, { maxLength: 8, stride: 2 });
  // Windows start every 6 - 2 = 4 tokens: [0,6) [4,10) [8,12); the last one stops at the sentence end.
  assert.deepEqual(fs.map((f) => f.wordIds.filter((w) => w !== null)), [[0, 1, 2, 3, 4, 5], [4, 5, 6, 7, 8, 9], [8, 9, 10, 11]]);
  // Max context = min(left, right) + 0.01 × window length. Word 4: window 0 gives min(4, 1) = 1, window 1 gives
  // min(0, 5) = 0 → window 0. Word 5: min(5, 0) = 0 vs min(1, 4) = 1 → window 1. Word 8: window 1 min(4, 1) = 1,
  // window 2 min(0, 3) = 0 → window 1. Word 9: min(5, 0) = 0 vs min(1, 2) = 1 → window 2.
  const keptIn = words.map((_, w) => fs.findIndex((f) => f.wordIds.some((x, k) => x === w && f.scored[k])));
  assert.deepEqual(keptIn, [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
  // Training labels stay on every copy of a token: HF trains on the overlap in both windows.
  assert.deepEqual(fs[1].labels, [X, 4, 0, 1, 2, 3, 4, X]);
  assert.ok(fs.every((f) => f.ids.length <= 8));
});

test('a sentence longer than maxLength: several windows, nothing cut, every word scored once (all five tokenizers)', async () => {
  let longest = '';
  for await (const r of readRows(path.join(fixtureWorkspace(), 'data', 'sentiment_train.csv'))) if (String(r.row.text).length > longest.length) longest = String(r.row.text);
  const words = longest.split(/\s+/u).filter(Boolean);
  for (const name of ['tiny-bert', 'tiny-roberta', 'tiny-deberta', 'tiny-modernbert', 'tiny-mpnet']) {
    const { enc } = await encoder(name);
    const all = enc.encodeWords(words);
    const [maxLength, stride] = [24, 6];
    const budget = maxLength - enc.singleSpecials;
    const fs = nerFeatures([{ tokens: words, tags: words.map(() => 0) }, { tokens: ['short'], tags: [0] }], enc, { maxLength, stride });
    const windows = fs.filter((f) => f.example === 0);
    assert.ok(all.ids.length > 3 * budget, `${name}: the sentence has ${all.ids.length} tokens`);
    assert.equal(windows.length, 1 + Math.ceil((all.ids.length - budget) / (budget - stride)), `${name}: windows advance by budget - stride`);
    const contents = windows.map((f) => f.ids.slice(1, 1 + f.wordIds.filter((w) => w !== null).length));
    // Each window repeats the last `stride` tokens of the one before; dropping them gives back the whole sentence.
    for (let i = 1; i < contents.length; i++) assert.deepEqual(contents[i].slice(0, stride), contents[i - 1].slice(-stride), `${name}: overlap ${i}`);
    assert.deepEqual([contents[0], ...contents.slice(1).map((c) => c.slice(stride))].flat(), all.ids, `${name}: nothing is cut`);
    for (const f of fs) assert.ok(f.ids.length <= maxLength && f.labels.length === f.ids.length && f.scored.length === f.ids.length);
    const times = words.map((_, w) => windows.reduce((n, f) => n + f.wordIds.filter((x, k) => x === w && f.scored[k]).length, 0));
    assert.deepEqual(times, words.map(() => 1), `${name}: every word scored exactly once`);
    assert.equal(fs.at(-1)?.example, 1);
  }
});

/** Logits that are one-hot (5 at `tag`) on the tokens that score a word, and point at a wrong tag everywhere else. */
function oneHotLogits(features: readonly NerFeature[], tags: number[][], numLabels: number, padTo: number) {
  return features.map((f) => {
    const out = new Float32Array(padTo * numLabels);
    f.wordIds.forEach((w, k) => {
      const truth = w === null ? 0 : tags[f.example][w];
      const shown = f.scored[k] ? truth : (truth + 1) % numLabels;
      out[k * numLabels + shown] = 5;
    });
    return out;
  });
}

test('round trip: tags → one-hot logits on the scored tokens → wordTagIds gives the tags back, with softmax scores', async () => {
  const { enc } = await encoder();
  const long = Array.from({ length: 30 }, (_, i) => ['Paris', 'John', 'lives', 'in', 'Washington'][i % 5]);
  const examples = [
    { tokens: long, tags: long.map((_, i) => (i * 7) % LABELS.length) },
    { tokens: ['John', 'lives', 'in', 'Paris'], tags: [B_PER, O, O, B_LOC] },
  ];
  const fs = nerFeatures(examples, enc, { maxLength: 20, stride: 6 });
  assert.ok(fs.filter((f) => f.example === 0).length > 3);
  const logits = oneHotLogits(fs, examples.map((e) => e.tags), LABELS.length, 24);
  const got = wordTagIds(fs, (f) => logits[f], LABELS.length, examples.map((e) => e.tokens.length));
  assert.deepEqual(got.tags, examples.map((e) => e.tags));
  // softmax of (5, 0, 0, 0, 0) at the 5: e^5 / (e^5 + 4).
  const p = Math.exp(5) / (Math.exp(5) + 4);
  for (const row of got.scores) for (const s of row) assert.ok(Math.abs(s - p) < 1e-6, `score ${s}, expected ${p}`);
});

test('bad input: clear messages for mismatched tags, a stride that fills the window, features that do not match', async () => {
  const { enc } = await encoder();
  assert.throws(() => nerFeatures([{ tokens: ['a', 'b'], tags: [0] }], enc, { maxLength: 16, stride: 2 }), /example 0 has 2 words but 1 tags/);
  assert.throws(() => nerFeatures([{ tokens: ['a'] }], enc, { maxLength: 16, stride: 14 }), /stride 14 must be a whole number from 0 to 13/);
  assert.throws(() => nerFeatures([{ tokens: ['a'] }], enc, { maxLength: 2, stride: 0 }), /maxLength 2 leaves no room/);
  const fs = nerFeatures([{ tokens: ['john', 'in'] }], enc, { maxLength: 16, stride: 2 });
  assert.throws(() => wordTagIds(fs, () => new Float32Array(4 * 5), 5, [3]), /word 2 of example 0 is scored by no window/);
  assert.throws(() => wordTagIds(fs, () => new Float32Array(2 * 5), 5, [2]), /feature 0 has 4 tokens but its logits hold 2 rows/);
});
