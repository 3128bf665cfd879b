// LoRA before the run: the Linear modules read off the parameter shapes are the forward graph's (every family and
// head), the adapted modules and trainable set are the trainer's resolution, and a wrong target is refused with the
// closest real names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterParamCount, adapterShapes, linearModulesOf, loraConfigFor, loraPlanFor, usesLora } from '../../../src/commands/loraPreview';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { modelParameters, type HeadKind } from '../../../src/models/arch/parameters';
import { readModelSpec } from '../../../src/models/modelSpec';
import { resolveArgs } from '../../../src/training/hyperparameters';
import { LoraTargetError, linearModules } from '../../../src/training/lora/loraTargets';
import { fixtureModel } from '../models/support';

const FAMILIES = ['tiny-bert', 'tiny-roberta', 'tiny-distilbert', 'tiny-electra', 'tiny-deberta-v2', 'tiny-mpnet', 'tiny-modernbert'];
const HEADS: HeadKind[] = ['sequence-classification', 'token-classification', 'question-answering'];

test('the Linear modules read off the parameter shapes are the forward graph\'s, for every family and head', () => {
  for (const name of FAMILIES) {
    const spec = readModelSpec(fixtureModel(name));
    for (const head of HEADS) {
      const params = modelParameters(spec, head);
      const weights = new Map(params.map((p) => [p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1))]));
      const fromGraph = linearModules(buildForwardModel(spec, weights, { head }).graph);
      const byName = (a: { module: string }, b: { module: string }) => a.module.localeCompare(b.module);
      assert.deepEqual([...linearModulesOf(params)].sort(byName), [...fromGraph].sort(byName), `${name} ${head}`);
    }
  }
});

const bert = readModelSpec(fixtureModel('tiny-bert'));
const bertParams = modelParameters(bert, 'sequence-classification');
const model = { spec: bert, head: 'sequence-classification' as const };
const H = bert.hiddenSize;

test('the default targets adapt query and value of every layer; the head trains fully', () => {
  const c = loraConfigFor(model, bertParams, 'lora', resolveArgs({}));
  assert.deepEqual(c.modules.map((m) => m.module), Array.from({ length: bert.numLayers }, (_, i) => [`bert.encoder.layer.${i}.attention.self.query`, `bert.encoder.layer.${i}.attention.self.value`]).flat());
  assert.ok(c.modulesToSave.includes('classifier'));
  // r · (in + out) per module: 8 · (H + H) for each of 2 modules per layer.
  assert.equal(adapterParamCount(c), bert.numLayers * 2 * 8 * (H + H));
  assert.deepEqual(adapterShapes(c).slice(0, 2).map((p) => p.shape), [[8, H], [H, 8]]);
  const plan = loraPlanFor(c, bertParams, bert.numLayers, 'lora', {});
  // Adapters plus the classifier's weight and bias; no base weight of the encoder.
  assert.equal(plan.trainable.filter((n) => n.includes('.lora_')).length, 2 * c.modules.length);
  assert.deepEqual(plan.trainable.filter((n) => !n.includes('.lora_')), ['classifier.weight', 'classifier.bias']);
});

test('partial + LoRA adapts only the layers above the frozen ones', () => {
  const c = loraConfigFor(model, bertParams, 'partial', resolveArgs({ freezeLayers: 1, loraRank: 4 }));
  assert.deepEqual(c.modules.map((m) => m.module), ['bert.encoder.layer.1.attention.self.query', 'bert.encoder.layer.1.attention.self.value']);
  assert.equal(adapterParamCount(c), 2 * 4 * (H + H));
});

test('a target that names no module is refused with the closest real names', () => {
  assert.throws(() => loraConfigFor(model, bertParams, 'lora', resolveArgs({ loraTargetModules: ['q', 'value'] })), (e: Error) => {
    assert.ok(e instanceof LoraTargetError);
    assert.match(e.message, /"q" matches no Linear module \(did you mean "query"/);
    assert.doesNotMatch(e.message, /"value" matches no/);
    return true;
  });
  // A regular expression over full names.
  const re = loraConfigFor(model, bertParams, 'lora', resolveArgs({ loraTargetModules: '.*\\.(query|key)' }));
  assert.deepEqual(re.modules.map((m) => m.module.split('.').pop()), Array.from({ length: bert.numLayers }, () => ['query', 'key']).flat());
});

test('LoRA applies to the lora strategy, and to partial / gradual / layer-wise decay only with adapter lora', () => {
  assert.equal(usesLora('lora', undefined), true);
  assert.equal(usesLora('partial', 'lora'), true);
  assert.equal(usesLora('gradual-unfreezing', 'lora'), true);
  assert.equal(usesLora('discriminative-lr', 'lora'), true);
  assert.equal(usesLora('partial', 'none'), false);
  assert.equal(usesLora('feature-extraction', 'lora'), false);
  assert.equal(usesLora('setfit', 'lora'), false);
});
