// LoRA in the "New fine-tune" form: the fields appear for the lora strategy and for partial / gradual / layer-wise
// decay with the adapter box ticked, their text becomes the settings the trainer reads (lists of names, or one regular
// expression), a target the model lacks gets the closest real names inline, the untouched learning rate becomes the
// LoRA default, and the layer picture shows adapters on the adapted layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LORA_LEARNING_RATE, loraConfigFor } from '../../../src/commands/loraPreview';
import { modelParameters } from '../../../src/models/arch/parameters';
import { readModelSpec } from '../../../src/models/modelSpec';
import { resolveArgs } from '../../../src/training/hyperparameters';
import { DEFAULT_TARGETS } from '../../../src/training/lora/loraTargets';
import { emptyFormState, evaluateForm, fieldsFor, type FormState } from '../../../src/webview/formModel';
import { layerPicture } from '../../../src/webview/layerPicture';
import { parseTargetModules } from '../../../src/webview/loraFields';
import { fixtureModel } from '../models/support';

const LORA_KEYS = ['loraRank', 'loraAlpha', 'loraDropout', 'useRslora', 'loraTargetModules', 'loraModulesToSave'];
const detected = { text: 'text', label: 'label', labelKind: 'string' as const };
const spec = readModelSpec(fixtureModel('tiny-bert'));
const params = modelParameters(spec, 'sequence-classification');
const model = { spec, head: 'sequence-classification' as const, params };
const form = (patch: Partial<FormState>): FormState => ({ ...emptyFormState({ model: '/m/tiny-bert', data: '/w/train.csv' }), ...patch });
const keys = (strategy: FormState['strategy'], adapter?: string) => fieldsFor(strategy, 2, 'classification', { adapter, family: 'bert' }).map((f) => f.key);

test('the LoRA fields show for the lora strategy, and for partial / gradual / layer-wise decay only with the box ticked', () => {
  assert.deepEqual(keys('lora').filter((k) => LORA_KEYS.includes(k)), LORA_KEYS);
  assert.equal(keys('lora').includes('adapter'), false);
  // Every field full fine-tuning shows (epochs, max steps, evaluation...) applies to LoRA too.
  assert.deepEqual(keys('full').filter((k) => !keys('lora').includes(k)), []);
  for (const s of ['partial', 'gradual-unfreezing', 'discriminative-lr'] as const) {
    assert.ok(keys(s).includes('adapter'), s);
    assert.equal(keys(s).some((k) => LORA_KEYS.includes(k)), false, s);
    assert.deepEqual(keys(s, 'lora').filter((k) => LORA_KEYS.includes(k)), LORA_KEYS, s);
  }
  for (const s of ['full', 'feature-extraction', 'setfit', 'mlm'] as const) assert.equal(keys(s, 'lora').some((k) => k === 'adapter' || LORA_KEYS.includes(k)), false, s);
  // The placeholders are the defaults the trainer applies: the family's targets, r 8, alpha 16, dropout 0.1.
  const f = Object.fromEntries(fieldsFor('lora', 2, 'classification', { family: 'distilbert' }).map((x) => [x.key, x.defaultText]));
  assert.equal(f.loraTargetModules, DEFAULT_TARGETS.distilbert.join(', '));
  assert.deepEqual([f.loraRank, f.loraAlpha, f.loraDropout], ['8', '16', '0.1']);
});

test('typed LoRA values become the settings the trainer reads: numbers, booleans, lists of names, one regex', () => {
  const r = evaluateForm(form({ strategy: 'lora', values: { loraRank: '4', loraAlpha: '8', loraDropout: '0', useRslora: 'true', loraTargetModules: 'query, key ,value', loraModulesToSave: 'pooler,' } }), { detected, numLayers: 2, model });
  assert.deepEqual(r.problems, {});
  assert.deepEqual(r.request!.settings, { loraRank: 4, loraAlpha: 8, loraDropout: 0, useRslora: true, loraTargetModules: ['query', 'key', 'value'], loraModulesToSave: ['pooler'], learningRate: LORA_LEARNING_RATE });
  // The trainer resolves exactly these (resolveArgs accepts them, the modules exist).
  const c = loraConfigFor(model, params, 'lora', resolveArgs(r.request!.settings));
  assert.equal(c.modules.length, 3 * spec.numLayers);
  assert.ok(c.modulesToSave.includes('pooler'));
  assert.equal(parseTargetModules('.*\\.(query|value)'), '.*\\.(query|value)');
  assert.equal(parseTargetModules('layer\\.[0-1]\\.attention\\.self\\.(query|value)'), 'layer\\.[0-1]\\.attention\\.self\\.(query|value)');
  // partial + LoRA: the box's value is the adapter setting.
  const partial = evaluateForm(form({ strategy: 'partial', values: { adapter: 'lora', loraRank: '2' } }), { detected, numLayers: 2, model });
  assert.deepEqual(partial.request!.settings, { adapter: 'lora', loraRank: 2, learningRate: LORA_LEARNING_RATE });
});

test('bad values get their own field\'s message; a target the model lacks names the closest module', () => {
  const r = evaluateForm(form({ strategy: 'lora', values: { loraRank: '0', loraDropout: '1' } }), { detected, numLayers: 2, model });
  assert.equal(r.problems.loraRank, '"loraRank" must be a positive integer, got 0');
  assert.equal(r.problems.loraDropout, '"loraDropout" must be a number in [0, 1), got 1');
  assert.equal(r.request, undefined);
  const q = evaluateForm(form({ strategy: 'lora', values: { loraTargetModules: 'q, value' } }), { detected, numLayers: 2, model });
  assert.match(q.problems.loraTargetModules, /^"loraTargetModules" for this bert model:\n- "q" matches no Linear module \(did you mean "query"/);
  assert.equal(q.request, undefined);
  // Without a model the names cannot be checked; a regular expression that does not compile can.
  assert.equal(evaluateForm(form({ strategy: 'lora', values: { loraTargetModules: 'q' } }), { detected }).problems.loraTargetModules, undefined);
  assert.match(evaluateForm(form({ strategy: 'lora', values: { loraTargetModules: '(query' } }), { detected }).problems.loraTargetModules, /is not a valid regular expression/);
  const saved = evaluateForm(form({ strategy: 'lora', values: { loraModulesToSave: 'poolr' } }), { detected, numLayers: 2, model });
  assert.match(saved.problems.loraModulesToSave, /"loraModulesToSave": "poolr" is not a module of this bert model/);
  // Unticked, partial's LoRA values are not sent and not checked.
  const off = evaluateForm(form({ strategy: 'partial', values: { loraTargetModules: 'q' } }), { detected, numLayers: 2, model });
  assert.deepEqual([off.problems, off.request!.settings], [{}, {}]);
});

test('an untouched learning rate is LoRA\'s 5e-4 (said in the hint); a typed one is kept; off LoRA it is unset', () => {
  const lr = fieldsFor('lora', 2).find((f) => f.key === 'learningRate')!;
  assert.equal(Number(lr.defaultText), LORA_LEARNING_RATE);
  assert.match(lr.hint!, /2e-5.*barely move/);
  assert.equal(fieldsFor('full', 2).find((f) => f.key === 'learningRate')!.defaultText, '0.00002');
  assert.equal(evaluateForm(form({ strategy: 'lora' }), { detected }).request!.settings.learningRate, 5e-4);
  assert.equal(evaluateForm(form({ strategy: 'lora', values: { learningRate: '1e-3' } }), { detected }).request!.settings.learningRate, 1e-3);
  assert.deepEqual(evaluateForm(form({ strategy: 'partial' }), { detected }).request!.settings, {});
});

test('the layer picture under LoRA: adapters on the adapted layers, the head trains its weights, the rest frozen', () => {
  const H = spec.hiddenSize;
  const args = resolveArgs({ loraRank: 4 });
  const lora = loraConfigFor(model, params, 'lora', args);
  const p = layerPicture(params, spec.numLayers, 'lora', { learningRate: 5e-4, epochs: 1 }, lora);
  const row = (label: string) => p.groups.findIndex((g) => g.label === label);
  assert.deepEqual(p.groups[row('layer 1')].adapters, { modules: ['query', 'value'], params: 2 * 4 * (H + H) });
  assert.equal(p.groups[row('embeddings')].adapters, undefined);
  const what = Object.fromEntries(p.groups.map((g, i) => [g.label, p.phases[0].trains![i]]));
  assert.deepEqual(what, { head: 'weights', pooler: null, 'layer 1': 'adapters', 'layer 0': 'adapters', embeddings: null });
  assert.equal(p.phases[0].lr[row('layer 0')], 5e-4);
  // partial + LoRA with one frozen layer: adapters above it only; gradual + LoRA unfreezes adapters top down.
  const partial = layerPicture(params, 2, 'partial', { learningRate: 1, epochs: 1, freezeLayers: 1 }, loraConfigFor(model, params, 'partial', resolveArgs({ freezeLayers: 1 })));
  assert.deepEqual(partial.groups.map((g) => g.label), ['head', 'pooler', 'layer 1', 'layer 0', 'embeddings']);
  assert.deepEqual(partial.phases[0].trains, ['weights', null, 'adapters', null, null]);
  const gradual = layerPicture(params, 2, 'gradual-unfreezing', { learningRate: 1, epochs: 3 }, loraConfigFor(model, params, 'gradual-unfreezing', args));
  assert.deepEqual(gradual.phases.map((ph) => ph.trains), [
    ['weights', null, null, null, null], ['weights', null, 'adapters', null, null], ['weights', null, 'adapters', 'adapters', null],
  ]);
  // Without LoRA nothing about adapters is drawn.
  const full = layerPicture(params, 2, 'full', { learningRate: 1, epochs: 1 });
  assert.equal(full.phases[0].trains, undefined);
  assert.ok(full.groups.every((g) => g.adapters === undefined));
});
