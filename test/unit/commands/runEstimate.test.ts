// The run estimate shared by the quick-pick summary and the form: the encoding pass of feature extraction is counted,
// gradual unfreezing shows every phase's trainable count and time, SetFit says the epochs it will really run, and a
// failed probe's reason reaches the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateLines, estimateRun, setfitPairCount, stepCost, type EstimateInput, type ProbeOutcome } from '../../../src/commands/runEstimate';

/** A 2-layer BERT-like model with round sizes: embeddings 1000, each layer 100, pooler 10, head 2. */
const params = [
  { name: 'bert.embeddings.word_embeddings.weight', shape: [100, 10] },
  { name: 'bert.encoder.layer.0.attention.self.query.weight', shape: [10, 10] },
  { name: 'bert.encoder.layer.1.attention.self.query.weight', shape: [10, 10] },
  { name: 'bert.pooler.dense.weight', shape: [10] },
  { name: 'classifier.weight', shape: [2] },
];
const base: Omit<EstimateInput, 'strategy' | 'settings'> = { numLayers: 2, hiddenSize: 10, params };
const probe: ProbeOutcome = { ok: true, samplesPerSecond: 100, device: 'cpu', trainRows: 1000, evalRows: 90 };

test('feature extraction counts the encoding pass the worker measured (it was "about 0 s")', () => {
  const e = estimateRun({ ...base, strategy: 'feature-extraction', settings: {}, probe: { ...probe, encodeSeconds: 12.5 } });
  assert.equal(e.phases[0].label, 'encoding pass (frozen encoder, once)');
  assert.equal(e.phases[0].seconds, 12.5);
  // Head: 3 epochs × 1000 examples at 100/s = 30 s, on top of the encoding.
  assert.equal(e.phases[1].seconds, 30);
  assert.equal(e.seconds, 42.5);
  assert.equal(e.phases[1].trainable, 2);
  const time = estimateLines(e, 'feature-extraction', probe).find((l) => l.startsWith('Measured'))!;
  assert.match(time, /about 43 s in all \(encoding pass \(frozen encoder, once\) 13 s \+ head training \(cached features\) 3 epochs 30 s\)/);
});

test('feature extraction without a logged encoding time estimates the pass as a third of a step per example', () => {
  const e = estimateRun({ ...base, strategy: 'feature-extraction', settings: {}, probe });
  assert.ok(Math.abs(e.phases[0].seconds! - 1090 / 300) < 1e-9);
  assert.ok(e.seconds! > 30);
});

test('gradual unfreezing lists every epoch with its own trainable count, later epochs costing more', () => {
  const e = estimateRun({ ...base, strategy: 'gradual-unfreezing', settings: { epochs: 4 }, probe });
  assert.deepEqual(e.phases.map((p) => p.trainable), [12, 112, 212, 1212]);
  assert.equal(e.maxTrainable, 1212);
  const s = e.phases.map((p) => p.seconds!);
  // Epoch 1 is what the probe measured: 1000 examples at 100/s, + evaluation of 90 at a third of a step each.
  assert.ok(Math.abs(s[0] - (10 + 90 / 300)) < 1e-9);
  const eval1 = 90 / 300;
  assert.ok(Math.abs(s[1] - eval1 - 10 * stepCost(1, 2) / stepCost(0, 2)) < 1e-9);
  assert.ok(s[0] < s[1] && s[1] < s[2] && s[2] < s[3]);
  const line = estimateLines(e, 'gradual-unfreezing', probe)[0];
  assert.equal(line, 'Trainable parameters of 1,212: epoch 1 12 (1.0%) · epoch 2 112 (9.2%) · epoch 3 212 (17.5%) · epoch 4 1,212 (100.0%)');
});

test('SetFit shows the body epochs and head it will run (1 body epoch by default, not "3 epochs")', () => {
  const e = estimateRun({ ...base, strategy: 'setfit', settings: {}, classCounts: [8, 8], probe: { ...probe, trainRows: 16, evalRows: 0 } });
  assert.equal(e.setfit!.bodyEpochs, 1);
  assert.equal(e.phases[0].epochs, 1);
  assert.equal(e.phases[0].samplesPerEpoch, 640);
  assert.equal(e.phases[0].seconds, 6.4);
  assert.equal(e.phases[1].label, 'logistic head (C 1)');
  const lines = estimateLines(e, 'setfit', probe).join('\n');
  assert.match(lines, /body 1 epoch\(s\) × 20 pair iteration\(s\) · logistic head \(C 1\)/);
  assert.doesNotMatch(lines, /3 epochs/);
  const diff = estimateRun({ ...base, strategy: 'setfit', settings: { setfitBodyEpochs: 2, setfitHead: 'differentiable', setfitHeadEpochs: 5 }, classCounts: [8, 8] });
  assert.deepEqual(diff.phases.map((p) => [p.label, p.epochs]), [['body (contrastive pairs)', 2], ['differentiable head', 5]]);
  assert.match(estimateLines(diff, 'setfit').join('\n'), /body 2 epoch\(s\) .* head 5 epoch\(s\)/);
});

test('SetFit pairs: a class with one example gets no positive partner', () => {
  assert.equal(setfitPairCount([8, 8], 20), 640);
  assert.equal(setfitPairCount([3, 1], 2), 2 * (3 * 2 + 1));
});

test('a failed probe says why; no probe yet says so; no time is made up', () => {
  const failed = estimateRun({ ...base, strategy: 'full', settings: {}, probe: { ok: false, reason: 'the data has 1 class; classification needs at least 2' } });
  assert.equal(failed.seconds, undefined);
  assert.ok(estimateLines(failed, 'full', { ok: false, reason: 'x' }).includes('Training speed could not be measured: the data has 1 class; classification needs at least 2'));
  const none = estimateRun({ ...base, strategy: 'full', settings: {} });
  assert.equal(none.seconds, undefined);
  assert.match(none.timeProblem!, /not measured yet/);
});

test('full fine-tuning: epochs × rows at the measured rate plus evaluation; memory and disk grow with the trainable set', () => {
  const full = estimateRun({ ...base, strategy: 'full', settings: { epochs: 2 }, probe });
  assert.ok(Math.abs(full.seconds! - (20 + 2 * 90 / 300)) < 1e-9);
  const fe = estimateRun({ ...base, strategy: 'feature-extraction', settings: { epochs: 2 }, probe });
  assert.equal(full.maxTrainable, 1212);
  assert.ok(full.memoryBytes - fe.memoryBytes === 12 * (1212 - 2));
  // Two checkpoints (last + best) of weights + two AdamW moments, the phase's graphs, the export.
  assert.equal(full.diskBytes, 2 * (4 * 1212 + 8 * 1212) + 2 * 4 * 1212 + 4 * 1212);
});

test('token tasks: the head is counted for the task and the estimate says windows are counted as rows', async () => {
  const { modelFacts, windowNote } = await import('../../../src/commands/runEstimate');
  const { readModelSpec } = await import('../../../src/models/modelSpec');
  const path = await import('node:path');
  const spec = { ...readModelSpec(path.resolve(__dirname, '../../../../test/fixtures/generated/workspace/models/tiny-bert')), numLabels: 2 };
  const head = (f: ReturnType<typeof modelFacts>) => f.params.filter((p) => p.name.startsWith('classifier') || p.name.startsWith('qa_outputs')).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const H = spec.hiddenSize;
  // NER with 3 entity types: 7 IOB2 tags (O, B-/I- each) → a 7 × H classifier + 7 biases; QA: qa_outputs to start and
  // end logits, whatever config.json's num_labels says.
  assert.equal(head(modelFacts('x', 'full', () => spec, 'token-classification', 7)), 7 * H + 7);
  assert.equal(head(modelFacts('x', 'full', () => spec, 'question-answering')), 2 * H + 2);
  assert.ok(modelFacts('x', 'full', () => spec, 'question-answering').params.some((p) => p.name === 'qa_outputs.weight'));
  // Token classification has no pooler (HF's *ForTokenClassification), sequence classification on BERT has one.
  assert.ok(!modelFacts('x', 'full', () => spec, 'token-classification', 7).params.some((p) => p.name.includes('pooler')));
  const e = estimateRun({ ...base, strategy: 'full', settings: { maxLength: 64, stride: 8 } });
  assert.match(estimateLines(e, 'full', undefined, 'token-classification').at(-1)!, /one window per sentence: a sentence longer than 64 tokens adds windows \(8 tokens of overlap\)/);
  // An unset doc stride is the trainer's: HF's 128 capped at a third of max length (64 → 21).
  assert.match(windowNote('question-answering', e.args)!, /one window per question: a context longer than 64 tokens .*\(21 tokens of overlap\)/);
  assert.match(windowNote('question-answering', { ...e.args, docStride: 50 })!, /\(50 tokens of overlap\)/);
  assert.equal(windowNote('classification', e.args), undefined);
  assert.ok(!estimateLines(e, 'full').some((l) => l.includes('window')));
});
