// Entities of a text from per-token logits: each word's tag is its first subword's argmax, entities follow seqeval's
// rule, spans are char offsets of whole words in the text, scores the mean softmax probability of the words' tags.
// The logits are made up (a chosen tag per word, with a known margin), so every expected number is computed here;
// then the same over a real exported model against transformers.js' token-classification pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { extractTextEntities } from '../../../src/inference/entityExtraction';
import { entityWords } from '../../../src/inference/entityWords';
import { CancelledError } from '../../../src/inference/cancelled';
import { loadTokenTaskModel } from '../../../src/inference/tokenTaskModel';
import { Checkpoint } from '../../../src/models/checkpoint';
import { exportModel } from '../../../src/models/export';
import { readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { loadTokenizer, loadTransformers } from '../../../src/models/tokenizer';
import { WordEncoder } from '../../../src/models/wordEncoding';
import { loadWeights } from '../../../src/models/weights';
import type { NerFeature } from '../../../src/training/tokenTasks/nerFeatures';
import { extractEntities } from '../../../src/training/worker/seqeval';
import { Rng } from '../../../src/util/rng';
import { fixtureModel, tempDir } from '../models/support';

const LABELS = ['O', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER'];
const TEXT = 'Yesterday Angela Merkel met\nEmmanuel Macron (Elysee) in Paris, with the Red Cross.';
// One tag per entityWords() word of TEXT.
const TAGS = ['O', 'B-PER', 'I-PER', 'O', 'B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'O', 'B-LOC', 'O', 'O', 'O', 'B-ORG', 'I-ORG', 'O'];

async function encoder(): Promise<WordEncoder> {
  return new WordEncoder(await loadTokenizer(fixtureModel('tiny-bert')));
}

/** Logits where word w's tag leads the others by margin(w): its softmax probability is e^m / (e^m + C - 1). */
const margin = (w: number) => 1 + 0.25 * w;
const prob = (m: number) => Math.exp(m) / (Math.exp(m) + LABELS.length - 1);
function madeUp(tags: readonly string[]) {
  return async (f: NerFeature) => {
    const out = new Float32Array(f.ids.length * LABELS.length);
    f.wordIds.forEach((w, k) => {
      if (w === null) return;
      // Continuation subwords point elsewhere (B-MISC-like noise): only the first subword may decide.
      const tag = f.scored[k] ? LABELS.indexOf(tags[w]) : (LABELS.indexOf(tags[w]) + 3) % LABELS.length;
      out[k * LABELS.length + tag] = margin(w);
    });
    return out;
  };
}

test('entity words of the fixture text line up with its tags (test precondition)', () => {
  assert.equal(entityWords(TEXT).length, TAGS.length);
});

test('made-up logits: types, char spans over the text (second line included), mean tag probability', async () => {
  const enc = await encoder();
  const r = await extractTextEntities(TEXT, enc, LABELS, madeUp(TAGS), { maxLength: 128, stride: 32 });
  const words = entityWords(TEXT);
  const want = extractEntities(TAGS).map((e) => {
    const ps = words.slice(e.start, e.end).map((_, i) => prob(margin(e.start + i)));
    return { type: e.type, start: words[e.start].start, end: words[e.end - 1].end, score: ps.reduce((a, b) => a + b, 0) / ps.length, words: e.end - e.start };
  });
  assert.deepEqual(r.entities.map((e) => [e.type, e.text]), [['PER', 'Angela Merkel'], ['PER', 'Emmanuel Macron'], ['LOC', 'Elysee'], ['LOC', 'Paris'], ['ORG', 'Red Cross']]);
  assert.equal(r.entities.length, want.length);
  for (const [i, e] of r.entities.entries()) {
    assert.deepEqual([e.type, e.start, e.end, e.words], [want[i].type, want[i].start, want[i].end, want[i].words]);
    assert.equal(e.text, TEXT.slice(e.start, e.end));
    assert.ok(Math.abs(e.score - want[i].score) < 1e-6, `${e.text}: ${e.score} vs ${want[i].score}`);
  }
  assert.deepEqual([r.words, r.windows], [TAGS.length, 1]);
});

test('a text longer than one window: strided windows give the same entities as one window', async () => {
  const enc = await encoder();
  const long = Array.from({ length: 6 }, () => TEXT).join('\n');
  const tags = Array.from({ length: 6 }, () => TAGS).flat();
  const one = await extractTextEntities(long, enc, LABELS, madeUp(tags), { maxLength: 512, stride: 64 });
  const many = await extractTextEntities(long, enc, LABELS, madeUp(tags), { maxLength: 24, stride: 8 });
  assert.equal(one.windows, 1);
  assert.ok(many.windows > 4, `${many.windows} windows`);
  assert.equal(one.entities.length, 30);
  assert.deepEqual(many.entities, one.entities);
});

test('stops between windows when asked, and refuses logits of the wrong size', async () => {
  const enc = await encoder();
  await assert.rejects(extractTextEntities(TEXT, enc, LABELS, madeUp(TAGS), { maxLength: 128, stride: 32, shouldStop: () => true }), CancelledError);
  await assert.rejects(
    extractTextEntities(TEXT, enc, LABELS.slice(0, 5), madeUp(TAGS), { maxLength: 128, stride: 32 }),
    /The model returned \d+ logits for a window of \d+ tokens; 5 labels \(config\.json id2label\) need \d+/,
  );
  assert.deepEqual(await extractTextEntities(' \n ', enc, LABELS, madeUp(TAGS), { maxLength: 128, stride: 32 }), { text: ' \n ', entities: [], words: 0, windows: 0 });
});

test('an exported token-classification model: the worker\'s entities equal transformers.js\' token-classification pipeline', async () => {
  const base = fixtureModel('tiny-bert');
  const spec = withLabels(readModelSpec(base), LABELS);
  const { tensors } = loadWeights(Checkpoint.open(base), spec, 'token-classification', { ignoreMismatchedHead: true, seed: 3 });
  const rng = new Rng(3);
  for (const [name, w] of tensors) if (name.startsWith('classifier.')) for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.6;
  const out = path.join(tempDir('ner-export'), 'model');
  exportModel({ sourceDir: base, outDir: out, spec, head: 'token-classification', weights: tensors, labels: LABELS, quantize: false });

  const model = await loadTokenTaskModel({ folder: out, task: 'token-classification', device: 'cpu' });
  const [ours] = await model.extractEntities([TEXT]);
  await model.dispose();

  // transformers.js on the words joined by single spaces (how BERT splits this text too: no inner punctuation), every
  // token kept; a word's tag is that of its first token (the tokens not starting with ##).
  const { pipeline } = await loadTransformers();
  const ner = await pipeline('token-classification', out, { local_files_only: true, dtype: 'fp32' });
  const words = entityWords(TEXT);
  const tokens = (await ner(words.map((w) => w.text).join(' '), { ignore_labels: [] })) as { entity: string; score: number; index: number; word: string }[];
  await ner.dispose();
  const firsts = tokens.sort((a, b) => a.index - b.index).filter((t) => !t.word.startsWith('##'));
  assert.equal(firsts.length, words.length, `first tokens: ${firsts.map((t) => t.word).join(' ')}`);
  const want = extractEntities(firsts.map((t) => t.entity)).map((e) => ({
    type: e.type, start: words[e.start].start, end: words[e.end - 1].end,
    score: firsts.slice(e.start, e.end).reduce((a, t) => a + t.score, 0) / (e.end - e.start),
  }));
  assert.ok(want.length >= 2, `the seeded head should find entities: ${firsts.map((t) => t.entity).join(' ')}`);
  assert.deepEqual(ours.entities.map((e) => [e.type, e.start, e.end]), want.map((e) => [e.type, e.start, e.end]));
  for (const [i, e] of ours.entities.entries()) assert.ok(Math.abs(e.score - want[i].score) < 1e-4, `${e.text}: ${e.score} vs ${want[i].score}`);
});
