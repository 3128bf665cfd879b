// QA features against HF prepare_train_features semantics, on the fixture tokenizers: question + context layout,
// offsets that slice the answer back out of the context, windows with docStride overlap, CLS labels for answers outside
// a window, question truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QaExample } from '../../../src/data/qa';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { WordEncoder } from '../../../src/models/wordEncoding';
import { answerTokens, qaFeatures } from '../../../src/training/tokenTasks/qaFeatures';
import { fixtureModel } from '../models/support';

async function encoder(name: string): Promise<WordEncoder> {
  const dir = fixtureModel(name);
  return new WordEncoder(await loadTokenizer(dir, readModelSpec(dir)));
}

// Real review sentences (the Amazon part of the fixture corpus), long enough to need several windows.
export const LONG_CONTEXT = 'I have yet to run this new battery below two bars and that\'s three days without charging. ' +
  'I bought it for my mother and she had a problem with the battery. I\'ve owned this phone for 7 months now and can say ' +
  'that it\'s the best mobile phone I\'ve had. I didn\'t think that the instructions provided were helpful to me. ' +
  'The headset fits well and the sound is clear, but the charger broke after two weeks of light use. ' +
  'Customer service sent a new case within ten days, which was nice.';

function example(id: string, question: string, context: string, answer?: { text: string; start: number }): QaExample {
  return { id, question, context, answers: answer ? { text: [answer.text], answerStart: [answer.start] } : { text: [], answerStart: [] }, line: 1 };
}

const spanText = (context: string, f: { offsets: ([number, number] | null)[]; start: number; end: number }) =>
  context.slice(f.offsets[f.start]![0], f.offsets[f.end]![1]);

for (const model of ['tiny-bert', 'tiny-roberta']) {
  test(`${model}: one window holds question and context; offsets slice the answer out of the context`, async () => {
    const enc = await encoder(model);
    const context = 'The battery lasts two weeks. I charged it for 10 minutes.';
    const ex = example('q', '  How long does the battery last?', context, { text: 'two weeks', start: 18 });
    const [f, ...more] = qaFeatures([ex], enc, { maxLength: 64, docStride: 16 });
    assert.equal(more.length, 0);
    // Layout: the tokenizer's own pair encoding of the (left-stripped) question and the context's tokens.
    const q = enc.encodeText('How long does the battery last?').ids;
    const c = enc.encodeText(context);
    const pair = enc.pair(q, c.ids);
    assert.deepEqual(f.ids, pair.ids);
    assert.deepEqual(f.typeIds, pair.typeIds);
    // Offsets only on context tokens, and they are the context's own.
    f.offsets.forEach((o, k) => {
      if (k >= pair.bStart && k < pair.bStart + c.ids.length) assert.deepEqual(o, c.offsets[k - pair.bStart]);
      else assert.equal(o, null, `token ${k} is not context`);
    });
    assert.ok(f.start >= pair.bStart && f.end >= f.start);
    assert.equal(spanText(context, f), 'two weeks');
  });
}

test('a long context needs 3 windows overlapping by docStride; answers are labelled in the windows that hold them', async () => {
  const enc = await encoder('tiny-bert');
  const question = 'What broke?';
  const qLen = enc.encodeText(question).ids.length;
  const ctx = enc.encodeText(LONG_CONTEXT);
  const n = ctx.ids.length;
  const stride = 4;
  // Window budget b with exactly three windows: b + (b - s) < n ≤ b + 2 (b - s).
  const b = Math.ceil((n + 2 * stride) / 3);
  assert.ok(2 * b - stride < n && 3 * b - 2 * stride >= n, `n=${n} b=${b}`);
  const maxLength = b + qLen + enc.pairSpecials;
  // Windows cover context tokens [0, b), [b - s, 2b - s), [2b - 2s, n).
  const windows = [[0, b], [b - stride, 2 * b - stride], [2 * b - 2 * stride, n]];
  // A word (first token index) in each region: only window 2, only window 3, and the overlap of windows 1 and 2.
  const wordAt = (lo: number, hi: number) => {
    for (let k = lo; k < hi; k++) {
      const w = ctx.wordIds[k];
      const tokens = ctx.wordIds.map((x, i) => (x === w ? i : -1)).filter((i) => i >= 0);
      if (tokens[0] === k && tokens[tokens.length - 1] < hi && /^[a-z]+$/i.test(ctx.words[w].text)) return ctx.words[w];
    }
    throw new Error(`no whole word in tokens [${lo}, ${hi})`);
  };
  const only2 = wordAt(b, 2 * b - 2 * stride);
  const only3 = wordAt(2 * b - stride, n);
  const overlap12 = wordAt(b - stride, b);
  const examples = [only2, only3, overlap12].map((w, i) => example(`e${i}`, question, LONG_CONTEXT, { text: w.text, start: w.start }));
  examples.push(example('none', question, LONG_CONTEXT));
  const features = qaFeatures(examples, enc, { maxLength, docStride: stride });
  assert.deepEqual(features.map((f) => f.example), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);

  // Each window's context tokens are the expected slice; neighbours share exactly `stride` tokens.
  features.slice(0, 3).forEach((f, w) => {
    const bStart = enc.pair(enc.encodeText(question).ids, []).bStart;
    const [from, to] = windows[w];
    assert.deepEqual(f.ids.slice(bStart, bStart + (to - from)), ctx.ids.slice(from, to));
    assert.ok(f.ids.length <= maxLength);
  });

  const labelled = (e: number) => features.filter((f) => f.example === e).map((f) => (f.start === 0 && f.end === 0 ? 'cls' : spanText(LONG_CONTEXT, f)));
  assert.deepEqual(labelled(0), ['cls', only2.text, 'cls']);
  assert.deepEqual(labelled(1), ['cls', 'cls', only3.text]);
  assert.deepEqual(labelled(2), [overlap12.text, overlap12.text, 'cls']);
  assert.deepEqual(labelled(3), ['cls', 'cls', 'cls']);
});

test('questions are cut to maxQuestionLength tokens; too small a window for docStride is a clear error', async () => {
  const enc = await encoder('tiny-bert');
  const longQuestion = Array.from({ length: 40 }, () => 'battery').join(' ') + '?';
  const [f] = qaFeatures([example('q', longQuestion, 'The battery died.')], enc, { maxLength: 64, docStride: 4, maxQuestionLength: 10 });
  const pair = enc.pair(enc.encodeText(longQuestion).ids.slice(0, 10), enc.encodeText('The battery died.').ids);
  assert.deepEqual(f.ids, pair.ids);
  assert.throws(() => qaFeatures([example('q', longQuestion, 'The battery died.')], enc, { maxLength: 20, docStride: 8, maxQuestionLength: 10 }),
    /maxLength 20 leaves 7 context tokens per window next to a 10-token question \(question "q"\), not more than docStride 8/);
});

test('answer tokens: last token starting at or before the answer, first ending at or after it; shared word spans widen', () => {
  const offsets: ([number, number] | null)[] = [null, null, [0, 3], [4, 9], [4, 9], [10, 12], [12, 15], null];
  // "[4, 9)" is one word in two tokens whose own spans could not be recovered: the label covers both.
  assert.deepEqual(answerTokens(offsets, 4, 9), { start: 3, end: 4 });
  // An answer starting inside a token (char 5) still starts at that token, HF's rule.
  assert.deepEqual(answerTokens(offsets, 5, 12), { start: 3, end: 5 });
  assert.deepEqual(answerTokens(offsets, 10, 15), { start: 5, end: 6 });
  // Outside the window's context: none.
  assert.equal(answerTokens(offsets, 13, 20), undefined);
  assert.equal(answerTokens([null, null], 0, 1), undefined);
});
