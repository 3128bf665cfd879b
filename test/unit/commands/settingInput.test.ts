// The hyperparameter boxes: pre-filled with the defaults, an empty box is the default (never Number('') = 0), and
// what cannot be a setting is refused with the setting's own rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettingText, settingFields } from '../../../src/commands/settingInput';
import { DEFAULT_ARGS } from '../../../src/training/hyperparameters';
import { DEFAULT_LAYER_DECAY, planParameters } from '../../../src/training/parameterGroups';

const field = (strategy: Parameters<typeof settingFields>[0], key: string, layers = 12) => {
  const f = settingFields(strategy, layers).find((x) => x.key === key);
  assert.ok(f, `${strategy} shows no ${key} box`);
  return f;
};

test('each strategy shows the common boxes plus its own, pre-filled with the defaults', () => {
  assert.deepEqual(settingFields('full', 12).map((f) => f.key), ['learningRate', 'epochs', 'batchSize', 'maxLength', 'warmupRatio', 'weightDecay']);
  assert.equal(field('full', 'learningRate').defaultValue, DEFAULT_ARGS.learningRate);
  assert.equal(field('discriminative-lr', 'layerDecay').defaultValue, 0.95);
  assert.equal(field('partial', 'freezeLayers', 12).defaultValue, 6);
  assert.equal(field('partial', 'freezeLayers', 5).defaultValue, 2);
  assert.equal(settingFields('full', 12).some((f) => f.key === 'layerDecay'), false);
});

test('the layer-decay default is the one the trainer applies when none is set', () => {
  const names = ['bert.encoder.layer.0.w', 'bert.encoder.layer.1.w', 'classifier.weight'];
  const plan = planParameters(names, 2, 'discriminative-lr');
  assert.equal(plan.lrMultipliers['bert.encoder.layer.0.w'], DEFAULT_LAYER_DECAY ** 2);
  assert.equal(plan.lrMultipliers['bert.encoder.layer.1.w'], DEFAULT_LAYER_DECAY);
});

test('an empty box is the default, for every box', () => {
  for (const strategy of ['partial', 'discriminative-lr'] as const) {
    for (const f of settingFields(strategy, 4)) {
      assert.deepEqual(parseSettingText(f, ''), { ok: true, value: undefined }, f.key);
      assert.deepEqual(parseSettingText(f, '   '), { ok: true, value: undefined }, f.key);
      // The pre-filled text is accepted as it stands.
      assert.deepEqual(parseSettingText(f, String(f.defaultValue)), { ok: true, value: f.defaultValue }, f.key);
    }
  }
});

test('typed values are checked by the setting rules: 0 decay, text, out-of-range freeze counts are refused', () => {
  const decay = field('discriminative-lr', 'layerDecay');
  assert.deepEqual(parseSettingText(decay, '0.8'), { ok: true, value: 0.8 });
  const zero = parseSettingText(decay, '0');
  assert.equal(zero.ok, false);
  assert.match(!zero.ok ? zero.problem : '', /^"layerDecay" must be a number in \(0, 1\], got 0$/);
  const text = parseSettingText(field('full', 'learningRate'), 'fast');
  assert.match(!text.ok ? text.problem : '', /"fast" is not a number \(leave the box empty for the default, 0\.00002\)/);
  assert.deepEqual(parseSettingText(field('full', 'learningRate'), '3e-5'), { ok: true, value: 3e-5 });
  const batch = parseSettingText(field('full', 'batchSize'), '2.5');
  assert.match(!batch.ok ? batch.problem : '', /"batchSize" must be a positive integer, got 2\.5/);
  const freeze = field('partial', 'freezeLayers', 4);
  assert.deepEqual(parseSettingText(freeze, '4'), { ok: true, value: 4 });
  const tooMany = parseSettingText(freeze, '5');
  assert.match(!tooMany.ok ? tooMany.problem : '', /at most 4 \(the model has 4 layers\), got 5/);
});
