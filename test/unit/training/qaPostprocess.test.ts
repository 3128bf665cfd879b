// Span choice from start/end logits (HF postprocess_qa_predictions): hand-worked scores, n-best over all positions,
// the best over a question's windows, the v2 null score and threshold, and a round trip through real features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QaExample } from '../../../src/data/qa';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { WordEncoder } from '../../../src/models/wordEncoding';
import { qaFeatures, type QaFeature } from '../../../src/training/tokenTasks/qaFeatures';
import { qaPredictions } from '../../../src/training/tokenTasks/qaPostprocess';
import { squadScores } from '../../../src/training/worker/squadMetrics';
import { fixtureModel } from '../models/support';

const CONTEXT = 'abc defgh ij klm';
const ex = (id: string, answers: string[] = []): QaExample =>
  ({ id, question: 'q?', context: CONTEXT, answers: { text: answers, answerStart: answers.map((a) => CONTEXT.indexOf(a)) }, line: 1 });
// [CLS] q [SEP] abc defgh ij klm [SEP]: tokens 3..6 are the context.
const OFFSETS: QaFeature['offsets'] = [null, null, null, [0, 3], [4, 9], [10, 12], [13, 16], null];
const feature = (example: number): QaFeature => ({ ids: [], typeIds: [], example, offsets: OFFSETS, start: 0, end: 0 });
const f32 = (xs: number[]) => Float32Array.from(xs);

// Position:        0  1  2  3  4  5    6  7
const START = f32([0, 9, 0, 1, 5, 2, 0, 8]);
const END = f32([0, 0, 9, 4, 1, 3.5, 6, 7]);

test('best span: inside the context, end ≥ start, length ≤ maxAnswerLength; scores are start + end logits', () => {
  const logits = () => ({ start: START, end: END });
  // Valid pairs (3 ≤ s ≤ t ≤ 6): s=4,t=6 → 5 + 6 = 11 is the best; s=1 (9) and t=7 (7) lie outside the context, and
  // s=4,t=3 (5 + 4 = 9) ends before it starts.
  const [p] = qaPredictions([ex('a')], [feature(0)], logits, { version2: false });
  assert.deepEqual([p.text, p.start, p.end, p.score], ['defgh ij klm', 4, 16, 11]);
  // Runners-up: s=4,t=5 → 8.5; s=5,t=6 → 2 + 6 = 8; s=3,t=6 → 1 + 6 = 7.
  assert.deepEqual(p.nBest.slice(0, 4).map((s) => [s.text, s.score]), [['defgh ij klm', 11], ['defgh ij', 8.5], ['ij klm', 8], ['abc defgh ij klm', 7]]);
  // At most 2 tokens: s=4,t=5 (8.5) beats s=5,t=6 (8).
  const [short] = qaPredictions([ex('a')], [feature(0)], logits, { version2: false, maxAnswerLength: 2 });
  assert.equal(short.text, 'defgh ij');
  // nBest 2 takes the 2 highest positions over the whole window (1 and 7 for starts): none is in the context.
  const [none] = qaPredictions([ex('a')], [feature(0)], logits, { version2: false, nBest: 2 });
  assert.deepEqual([none.text, none.start, none.nBest.length], ['', -1, 0]);
});

test('the best span over all of a question\'s windows wins; the null score is the minimum over them', () => {
  const logits = (f: number) => (f === 0
    ? { start: START, end: END } // best 11, null 0 + 0
    : { start: f32([3, 0, 0, 0, 0, 0, 7, 0]), end: f32([-1, 0, 0, 0, 0, 0, 6, 0]) }); // best s=t=6 → 13, null 3 - 1 = 2
  const [p] = qaPredictions([ex('a')], [feature(0), feature(0)], logits, { version2: false });
  assert.deepEqual([p.text, p.score, p.nullScore], ['klm', 13, 0]);
});

test('v2: abstain when the null score beats the best span by more than the threshold', () => {
  // Null 10 + 4 = 14 against the best span 11: 14 - 11 = 3 > 0 → "".
  const logits = () => ({ start: f32([10, ...START.slice(1)]), end: f32([4, ...END.slice(1)]) });
  const [p] = qaPredictions([ex('a')], [feature(0)], logits, { version2: true });
  assert.deepEqual([p.text, p.start, p.score, p.nullScore], ['', -1, 14, 14]);
  assert.equal(p.nBest[0].text, 'defgh ij klm');
  // A threshold of 3 is not exceeded by a difference of 3: the span is kept.
  const [kept] = qaPredictions([ex('a')], [feature(0)], logits, { version2: true, nullScoreDiffThreshold: 3 });
  assert.equal(kept.text, 'defgh ij klm');
  // v1 never abstains, whatever the CLS logits say.
  assert.equal(qaPredictions([ex('a')], [feature(0)], logits, { version2: false })[0].text, 'defgh ij klm');
});

test('round trip: logits peaked at the labelled tokens of real windows give back every gold answer (EM 100)', async () => {
  const dir = fixtureModel('tiny-bert');
  const enc = new WordEncoder(await loadTokenizer(dir, readModelSpec(dir)));
  const context = 'I have yet to run this new battery below two bars and that\'s three days without charging. ' +
    'I bought it for my mother and she had a problem with the battery. The headset fits well, but the charger broke after two weeks.';
  const examples: QaExample[] = ['three days', 'mother', 'two weeks', 'headset'].map((a, i) => ({
    id: `q${i}`, question: 'What is mentioned?', context, answers: { text: [a], answerStart: [context.indexOf(a)] }, line: i + 1,
  }));
  examples.push({ id: 'none', question: 'What food is mentioned?', context, answers: { text: [], answerStart: [] }, line: 9 });
  const features = qaFeatures(examples, enc, { maxLength: 32, docStride: 6 });
  assert.ok(features.length >= 3 * examples.length, 'the context spans several windows');
  // A model that learnt the labels exactly: high logits at the labelled positions (CLS where the answer is absent).
  const logits = (k: number) => {
    const f = features[k];
    const start = new Float32Array(f.ids.length + 5).fill(-5); // padded past the window, as a batch would be
    const end = new Float32Array(f.ids.length + 5).fill(-5);
    start[f.start] = 5;
    end[f.end] = 5;
    return { start, end };
  };
  const preds = qaPredictions(examples, features, logits, { version2: true });
  assert.deepEqual(preds.map((p) => p.text), ['three days', 'mother', 'two weeks', 'headset', '']);
  for (const p of preds.slice(0, 4)) assert.equal(context.slice(p.start, p.end), p.text);
  const scores = squadScores(preds, examples.map((e) => ({ id: e.id, answers: e.answers.text })));
  assert.equal(scores.exactMatch, 100);
  assert.equal(scores.noAnsExactMatch, 100);
});
