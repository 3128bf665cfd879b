// The pipeline wrapper on the generated tiny NLI model. Expected scores are recomputed from the model's raw logits
// (our tokenizer + a plain onnxruntime session on onnx/model.onnx), following transformers'
// ZeroShotClassificationPipeline: single-label = softmax of the entailment logits across labels, multi-label =
// softmax of (contradiction, entailment) per label, i.e. sigmoid(entailment − contradiction).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { CancelledError, loadClassifier } from '../../../src/inference/classifier';
import { InferenceModelError } from '../../../src/inference/modelFiles';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { fixtureModel, ortSession, tempDir } from '../models/support';

const NLI = fixtureModel('tiny-nli-bert');
const LABELS = ['sports', 'politics', 'cooking'];
const PREMISE = 'The team won the match in the last minute.';
const TEMPLATE = 'This text is about {}.';

interface NliConfig {
  label2id: Record<string, number>;
  id2label: Record<string, string>;
}
const config = JSON.parse(fs.readFileSync(path.join(NLI, 'config.json'), 'utf8')) as NliConfig;

let sessionPromise: Promise<InferenceSession> | undefined;

/** Raw logits of one (premise, hypothesis?) input, computed without transformers.js' pipeline. */
async function rawLogits(text: string, pair?: string): Promise<number[]> {
  sessionPromise ??= ortSession(path.join(NLI, 'onnx', 'model.onnx'));
  const session = await sessionPromise;
  const tok = await loadTokenizer(NLI);
  const enc = tok.encode([text], pair === undefined ? {} : { pairs: [pair] });
  const ort = await import('onnxruntime-node');
  const dims = [enc.batch, enc.seq];
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
    input_ids: new ort.Tensor('int64', enc.inputIds, dims),
    attention_mask: new ort.Tensor('int64', enc.attentionMask, dims),
    token_type_ids: new ort.Tensor('int64', enc.tokenTypeIds, dims),
  };
  const out = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]])));
  return Array.from(out.logits.data as Float32Array);
}

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function byLabel(scores: { label: string; score: number }[]): Record<string, number> {
  return Object.fromEntries(scores.map((s) => [s.label, s.score]));
}

function assertSortedDescending(scores: { score: number }[]): void {
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1].score >= scores[i].score, `scores not best-first: ${JSON.stringify(scores)}`);
}

test('zero-shot single-label: softmax of entailment logits across labels, summing to 1', async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  try {
    assert.equal(zs.info.onnxFile, 'onnx/model.onnx');
    const [r] = await zs.classify([PREMISE], { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: false });
    assert.equal(r.text, PREMISE);
    assert.deepEqual(r.scores.map((s) => s.label).sort(), [...LABELS].sort());
    assertSortedDescending(r.scores);
    const sum = r.scores.reduce((a, s) => a + s.score, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `scores sum to ${sum}`);

    const ent = config.label2id.entailment;
    const entLogits = await Promise.all(LABELS.map(async (l) => (await rawLogits(PREMISE, TEMPLATE.replace('{}', l)))[ent]));
    const expected = softmax(entLogits);
    const got = byLabel(r.scores);
    LABELS.forEach((l, i) => assert.ok(Math.abs(got[l] - expected[i]) < 1e-5, `${l}: pipeline ${got[l]}, from logits ${expected[i]}`));
  } finally {
    await zs.dispose();
  }
});

test('zero-shot multi-label: each label is sigmoid(entailment − contradiction) on its own', async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  try {
    const [r] = await zs.classify([PREMISE], { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: true });
    assertSortedDescending(r.scores);
    const got = byLabel(r.scores);
    const { entailment: ent, contradiction: con } = config.label2id;
    for (const l of LABELS) {
      const logits = await rawLogits(PREMISE, TEMPLATE.replace('{}', l));
      const expected = 1 / (1 + Math.exp(logits[con] - logits[ent]));
      assert.ok(Math.abs(got[l] - expected) < 1e-5, `${l}: pipeline ${got[l]}, sigmoid of logits ${expected}`);
    }
    // Independent scores: with these labels they do not form a distribution.
    const sum = r.scores.reduce((a, s) => a + s.score, 0);
    assert.ok(Math.abs(sum - 1) > 1e-3, `multi-label scores sum to ${sum}, as if normalised across labels`);

    // The same label alone gets the same score whatever else is asked: nothing is shared across labels.
    const [alone] = await zs.classify([PREMISE], { labels: [LABELS[1]], hypothesisTemplate: TEMPLATE, multiLabel: true });
    assert.ok(Math.abs(alone.scores[0].score - got[LABELS[1]]) < 1e-9);
  } finally {
    await zs.dispose();
  }
});

test('zero-shot classifies several texts, each with its own scores', async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  try {
    const texts = [PREMISE, 'Add the onions and stir for five minutes.'];
    const results = await zs.classify(texts, { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: false });
    assert.deepEqual(results.map((r) => r.text), texts);
    const [single] = await zs.classify([texts[1]], { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: false });
    assert.deepEqual(results[1].scores, single.scores);
    assert.notDeepEqual(results[0].scores, results[1].scores);
  } finally {
    await zs.dispose();
  }
});

test('text-classification: softmax over the model head, every id2label name best first', async () => {
  const tc = await loadClassifier({ folder: NLI, task: 'text-classification' });
  try {
    const text = 'I would watch it again.';
    const [r] = await tc.classify([text]);
    assert.deepEqual(r.scores.map((s) => s.label).sort(), Object.values(config.id2label).sort());
    assertSortedDescending(r.scores);
    const expected = softmax(await rawLogits(text));
    const got = byLabel(r.scores);
    for (const [id, label] of Object.entries(config.id2label)) {
      assert.ok(Math.abs(got[label] - expected[Number(id)]) < 1e-5, `${label}: pipeline ${got[label]}, softmax of logits ${expected[Number(id)]}`);
    }
  } finally {
    await tc.dispose();
  }
});

test('a text longer than the model takes is cut before the hypothesis, not the hypothesis dropped', async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  const tc = await loadClassifier({ folder: NLI, task: 'text-classification' });
  try {
    const long = Array.from({ length: 60 }, () => 'the team won the match').join(' ');
    const tok = await loadTokenizer(NLI);
    const total = tok.encodeOne(long, undefined, 10_000).length - 2;
    assert.ok(total > 128, `test text has only ${total} tokens`);
    const [r] = await zs.classify([long], { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: false });
    assert.ok(r.truncated, 'the result says the text was truncated');
    assert.equal(r.truncated.total, total);
    const longestHypothesis = Math.max(...LABELS.map((l) => tok.encodeOne(TEMPLATE.replace('{}', l), undefined, 10_000).length - 2));
    assert.ok(r.truncated.kept + longestHypothesis + 3 <= 128, `kept ${r.truncated.kept} + hypothesis ${longestHypothesis} + 3 specials exceed 128`);
    assert.ok(r.truncated.kept >= 128 - longestHypothesis - 3 - 1, `only ${r.truncated.kept} tokens kept: more of the text fits`);
    // Had the hypothesis been cut off, every label would see the same input and score exactly 1/3.
    assert.ok(new Set(r.scores.map((s) => s.score.toFixed(9))).size === LABELS.length, `labels scored alike: ${JSON.stringify(r.scores)}`);

    const [t] = await tc.classify([long]);
    assert.deepEqual(t.truncated, { kept: 126, total });
    const [short] = await zs.classify([PREMISE], { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: false });
    assert.equal(short.truncated, undefined);
  } finally {
    await zs.dispose();
    await tc.dispose();
  }
});

test('a stop request between texts ends the batch with CancelledError', async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  try {
    let polled = 0;
    await assert.rejects(
      zs.classify(['a', 'b', 'c'], { labels: LABELS, hypothesisTemplate: TEMPLATE, multiLabel: false }, () => ++polled > 1),
      CancelledError,
    );
    assert.equal(polled, 2, 'the first text runs, the second sees the stop');
  } finally {
    await zs.dispose();
  }
});

test('bad models and options fail with what is wrong and where', async () => {
  // A sentiment model has no entailment/contradiction labels: transformers.js would only warn and guess ids.
  await assert.rejects(loadClassifier({ folder: fixtureModel('tiny-bert'), task: 'zero-shot' }), (e: Error) => {
    assert.ok(e instanceof InferenceModelError);
    assert.match(e.message, /tiny-bert[\\/]config\.json: label2id .*negative.* lacks "entailment" and "contradiction"/);
    return true;
  });
  const empty = tempDir('inference-empty');
  await assert.rejects(loadClassifier({ folder: empty, task: 'text-classification' }), /config\.json is missing/);
  const noOnnx = tempDir('inference-noonnx');
  for (const f of ['config.json', 'tokenizer.json']) fs.copyFileSync(path.join(NLI, f), path.join(noOnnx, f));
  await assert.rejects(loadClassifier({ folder: noOnnx, task: 'text-classification' }), /has no onnx\/model\.onnx or onnx\/model_quantized\.onnx/);

  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  try {
    await assert.rejects(zs.classify(['x'], { labels: ['a'], hypothesisTemplate: 'No slot here.', multiLabel: false }), /has no \{\} where the label goes/);
    await assert.rejects(zs.classify(['x'], { labels: [' ', ''], hypothesisTemplate: TEMPLATE, multiLabel: false }), /at least one non-empty candidate label/);
    await assert.rejects(zs.classify(['x'], { labels: ['a', 'a'], hypothesisTemplate: TEMPLATE, multiLabel: false }), /must be distinct/);
  } finally {
    await zs.dispose();
  }
});
