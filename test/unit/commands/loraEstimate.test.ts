// The run estimate under LoRA: the trainable count is the adapters (r · (in + out) per adapted module) plus the head,
// the total counts the adapters too (as PEFT does), the AdamW memory follows the trainable count, and LoRA composed
// with a strategy counts only the adapters of the layers that strategy trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateLines, estimateMemory, estimateRun, modelFacts } from '../../../src/commands/runEstimate';
import { fixtureModel } from '../models/support';

const facts = modelFacts(fixtureModel('tiny-bert'), 'lora');
const spec = facts.model!.spec;
const H = spec.hiddenSize;
const L = spec.numLayers;
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const baseTotal = facts.params.reduce((s, p) => s + count(p.shape), 0);
/** BertForSequenceClassification's head: classifier weight [labels, H] and bias. */
const head = spec.numLabels * H + spec.numLabels;

test('lora: trainable = r · (in + out) on query and value of every layer + the head; memory from that count', () => {
  const e = estimateRun({ ...facts, strategy: 'lora', settings: { loraRank: 4 } });
  const adapters = L * 2 * 4 * (H + H);
  assert.equal(e.lora!.adapterParams, adapters);
  assert.equal(e.phases[0].trainable, adapters + head);
  assert.equal(e.total, baseTotal + adapters);
  assert.equal(e.memoryBytes, estimateMemory(baseTotal + adapters, adapters + head, L, H, e.args.batchSize, e.args.maxLength));
  const full = estimateRun({ ...facts, strategy: 'full', settings: {} });
  assert.equal(full.lora, undefined);
  // AdamW's 12 bytes per trainable parameter are spent on the adapters and the head only.
  assert.equal(full.memoryBytes - e.memoryBytes, 12 * (baseTotal - adapters - head) - 4 * adapters);
  const lines = estimateLines(e, 'lora');
  assert.equal(lines[0], `Trainable parameters: ${(adapters + head).toLocaleString('en-US')} of ${(baseTotal + adapters).toLocaleString('en-US')} (${((100 * (adapters + head)) / (baseTotal + adapters)).toFixed(1)}%)`);
  assert.ok(lines.includes(`LoRA r=4 α=16 on ${2 * L} modules (query, value): ${adapters.toLocaleString('en-US')} adapter parameters; the head trains fully`));
  // The LoRA learning rate the form presets is the one the estimate shows.
  assert.match(estimateRun({ ...facts, strategy: 'lora', settings: { learningRate: 5e-4 } }).args.learningRate.toString(), /^0\.0005$/);
});

test('partial + LoRA: adapters only above the frozen layers; gradual + LoRA: one more layer of adapters per epoch', () => {
  const partial = estimateRun({ ...facts, strategy: 'partial', settings: { adapter: 'lora', freezeLayers: L - 1 } });
  assert.equal(partial.phases[0].trainable, 2 * 8 * (H + H) + head);
  assert.equal(partial.phases[0].label, 'partial fine-tuning + LoRA');
  const gradual = estimateRun({ ...facts, strategy: 'gradual-unfreezing', settings: { adapter: 'lora', epochs: L + 1 } });
  assert.deepEqual(gradual.phases.map((p) => p.trainable), Array.from({ length: L + 1 }, (_, e) => head + Math.min(e, L) * 2 * 8 * (H + H)));
  // Without the adapter setting the same strategy trains the weights.
  const topLayerPoolerHead = facts.params.filter((p) => p.name.includes(`.layer.${L - 1}.`) || p.name.includes('pooler') || p.name.startsWith('classifier')).reduce((s, p) => s + count(p.shape), 0);
  assert.equal(estimateRun({ ...facts, strategy: 'partial', settings: { freezeLayers: L - 1 } }).phases[0].trainable, topLayerPoolerHead);
});

test('a target the model lacks stops the estimate with the trainer\'s message', () => {
  assert.throws(() => estimateRun({ ...facts, strategy: 'lora', settings: { loraTargetModules: ['q'] } }), /"q" matches no Linear module \(did you mean "query"/);
});
