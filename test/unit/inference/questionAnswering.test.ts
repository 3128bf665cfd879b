// The answer to a question over a selection from start/end logits: the span maps back to the context's characters
// (across line breaks and windows), and the no-answer (CLS) score wins when it beats every span (SQuAD v2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { answerMessage } from '../../../src/inference/answerPresentation';
import { CancelledError } from '../../../src/inference/cancelled';
import { answerInContext } from '../../../src/inference/questionAnswering';
import { loadTokenTaskModel } from '../../../src/inference/tokenTaskModel';
import { Checkpoint } from '../../../src/models/checkpoint';
import { exportModel } from '../../../src/models/export';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { WordEncoder } from '../../../src/models/wordEncoding';
import { loadWeights } from '../../../src/models/weights';
import type { QaFeature } from '../../../src/training/tokenTasks/qaFeatures';
import { Rng } from '../../../src/util/rng';
import { fixtureModel, tempDir } from '../models/support';

const CONTEXT = 'Yesterday Angela Merkel met Emmanuel Macron\nin Paris, then flew to Berlin with the delegation.';
const QUESTION = 'Where did they meet?';

async function encoder(): Promise<WordEncoder> {
  return new WordEncoder(await loadTokenizer(fixtureModel('tiny-bert')));
}

/** Start logit `peak` on the token that starts `target`, end logit `peak` on the one that ends it, `cls` on CLS. */
function madeUp(target: { start: number; end: number }, peak: number, cls: number) {
  return async (f: QaFeature) => {
    const start = new Float32Array(f.ids.length);
    const end = new Float32Array(f.ids.length);
    f.offsets.forEach((o, k) => {
      if (!o) return;
      if (o[0] === target.start) start[k] = peak;
      if (o[1] === target.end) end[k] = peak;
    });
    start[0] = cls;
    end[0] = cls;
    return { start, end };
  };
}

const span = (text: string) => ({ start: CONTEXT.indexOf(text), end: CONTEXT.indexOf(text) + text.length });

test('the best span is the answer, as char offsets into the context (second line included)', async () => {
  const enc = await encoder();
  const r = await answerInContext(QUESTION, CONTEXT, enc, madeUp(span('in Paris'), 5, -2), { maxLength: 128, docStride: 32 });
  assert.ok(r.answer);
  assert.deepEqual([r.answer.text, r.answer.start, r.answer.end], ['in Paris', span('in Paris').start, span('in Paris').end]);
  assert.equal(CONTEXT.slice(r.answer.start, r.answer.end), 'in Paris');
  assert.deepEqual(r.nBest[0], r.answer);
  assert.ok(r.answer.score > r.nullScore, `${r.answer.score} vs null ${r.nullScore}`);
  // Probabilities: one softmax over the n-best span scores and the null score.
  const z = [...r.nBest.map((s) => s.score), r.nullScore].reduce((a, x) => a + Math.exp(x), 0);
  assert.ok(Math.abs(r.answer.probability - Math.exp(r.answer.score) / z) < 1e-9);
  assert.ok(Math.abs(r.nullProbability - Math.exp(r.nullScore) / z) < 1e-9);
  assert.ok(Math.abs(r.nBest.reduce((a, s) => a + s.probability, 0) + r.nullProbability - 1) < 1e-9);
  assert.equal(r.windows, 1);
  assert.equal(r.question, QUESTION);
});

test('no answer when the CLS score beats every span; the best span is still reported', async () => {
  const enc = await encoder();
  const r = await answerInContext(QUESTION, CONTEXT, enc, madeUp(span('Berlin'), 3, 8), { maxLength: 128, docStride: 32 });
  assert.equal(r.answer, undefined);
  assert.equal(r.nBest[0]?.text, 'Berlin');
  assert.ok(r.nullScore > r.nBest[0].score);
  assert.match(answerMessage(r, 'm'), /^No answer in the selection to "Where did they meet\?" \(m: no-answer score .* beats the best span "Berlin"/);
});

test('a context longer than one window: the answer is found in a later window, at the same offsets', async () => {
  const enc = await encoder();
  const long = `${'Nothing to see here at all. '.repeat(12)}${CONTEXT}`;
  const target = { start: long.indexOf('Berlin'), end: long.indexOf('Berlin') + 'Berlin'.length };
  const run = async (f: QaFeature) => {
    const start = new Float32Array(f.ids.length);
    const end = new Float32Array(f.ids.length);
    f.offsets.forEach((o, k) => {
      if (o && o[0] === target.start) start[k] = 6;
      if (o && o[1] === target.end) end[k] = 6;
    });
    return { start, end };
  };
  const r = await answerInContext(QUESTION, long, enc, run, { maxLength: 40, docStride: 10 });
  assert.ok(r.windows > 3, `${r.windows} windows`);
  assert.deepEqual(r.answer && [r.answer.text, r.answer.start, r.answer.end], ['Berlin', target.start, target.end]);
});

test('empty questions, cancels and logits of the wrong size are refused', async () => {
  const enc = await encoder();
  await assert.rejects(answerInContext('  ', CONTEXT, enc, madeUp(span('Paris'), 5, 0), { maxLength: 128, docStride: 32 }), /The question is empty/);
  await assert.rejects(answerInContext(QUESTION, CONTEXT, enc, madeUp(span('Paris'), 5, 0), { maxLength: 128, docStride: 32, shouldStop: () => true }), CancelledError);
  await assert.rejects(
    answerInContext(QUESTION, CONTEXT, enc, async () => ({ start: new Float32Array(3), end: new Float32Array(3) }), { maxLength: 128, docStride: 32 }),
    /The model returned 3 start and 3 end logits for a window of \d+ tokens/,
  );
});

test('an exported question-answering model runs in the worker\'s loader: start_logits/end_logits, an answer inside the context', async () => {
  const base = fixtureModel('tiny-bert');
  const spec = readModelSpec(base);
  const { tensors } = loadWeights(Checkpoint.open(base), spec, 'question-answering', { ignoreMismatchedHead: true, seed: 5 });
  const rng = new Rng(5);
  for (const [name, w] of tensors) if (name.startsWith('qa_outputs.')) for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.6;
  const out = path.join(tempDir('qa-export'), 'model');
  exportModel({ sourceDir: base, outDir: out, spec, head: 'question-answering', weights: tensors, quantize: false });
  const model = await loadTokenTaskModel({ folder: out, task: 'question-answering', device: 'cpu' });
  try {
    const r = await model.answer(QUESTION, CONTEXT);
    assert.ok(r.nBest.length > 0);
    for (const s of r.nBest) assert.equal(CONTEXT.slice(s.start, s.end), s.text);
    for (let i = 1; i < r.nBest.length; i++) assert.ok(r.nBest[i - 1].score >= r.nBest[i].score, 'n-best is best first');
    assert.ok(Number.isFinite(r.nullScore));
    if (r.answer) assert.deepEqual(r.answer, r.nBest[0]);
    else assert.ok(r.nullScore > r.nBest[0].score);
  } finally {
    await model.dispose();
  }
});
