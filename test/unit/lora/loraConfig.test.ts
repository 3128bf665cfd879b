// The resolved LoRA configuration on the fixture models as the trainer loads them: modules_to_save (the head, the
// modules the checkpoint lacked), the rsLoRA scaling, PEFT's seeded initialisation, and the trainable set / learning-rate
// multipliers when LoRA runs under the lora, partial, gradual-unfreezing and discriminative-lr strategies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basePrefix, type HeadKind } from '../../../src/models/arch/parameters';
import { type LoraConfig, LoraTargetConfigError, initialAdapters, isSavedParam, loraScaling, resolveLoraConfig } from '../../../src/training/lora/loraConfig';
import { loraAName, loraBName } from '../../../src/training/lora/loraGraph';
import { adaptedLayers, planLoraParameters } from '../../../src/training/lora/loraPlan';
import { linearModules } from '../../../src/training/lora/loraTargets';
import type { TrainingArgs } from '../../../src/training/hyperparameters';
import { type Tiny, type TinyOptions, forward, loadTiny } from './loraFixture';

type LoraArgs = Pick<TrainingArgs, 'loraRank' | 'loraAlpha' | 'loraDropout' | 'useRslora' | 'loraTargetModules' | 'loraModulesToSave' | 'freezeLayers'>;
const ARGS: LoraArgs = { loraRank: 8, loraAlpha: 16, loraDropout: 0.1, useRslora: false, freezeLayers: 0 };

function resolve(t: Tiny, args: Partial<LoraArgs> = {}, layers?: number[]): LoraConfig {
  return resolveLoraConfig({
    spec: t.spec, head: t.head, paramNames: [...t.loaded.tensors.keys()], initialised: t.loaded.initialised, base: basePrefix(t.spec.family),
    linear: linearModules(forward(t).graph), args: { ...ARGS, ...args }, layers,
  });
}

function configOf(model: string, head: HeadKind, args: Partial<LoraArgs> = {}, o: TinyOptions = {}): { t: Tiny; c: LoraConfig } {
  const t = loadTiny(model, head, o);
  return { t, c: resolve(t, args) };
}

const layerOf = (name: string) => Number(/\.(?:layer|layers)\.(\d+)\./.exec(name)?.[1] ?? NaN);

test('modules_to_save: the head of each family (and PEFT task modules), a new pooler, never a checkpoint pooler', () => {
  const bert = configOf('tiny-bert', 'sequence-classification');
  assert.ok(bert.c.modulesToSave.includes('classifier'), bert.c.modulesToSave.join(', '));
  assert.ok(!bert.c.modulesToSave.includes('pooler'), 'the checkpoint has the pooler: it stays frozen, as in PEFT');
  const distil = configOf('tiny-distilbert', 'sequence-classification');
  for (const m of ['pre_classifier', 'classifier']) assert.ok(distil.c.modulesToSave.includes(m), `distilbert: ${distil.c.modulesToSave.join(', ')}`);
  const modern = configOf('tiny-modernbert', 'sequence-classification');
  for (const m of ['head', 'classifier']) assert.ok(modern.c.modulesToSave.includes(m), `modernbert: ${modern.c.modulesToSave.join(', ')}`);
  const roberta = configOf('tiny-roberta', 'sequence-classification');
  assert.ok(roberta.c.modulesToSave.includes('classifier'));
  const qa = configOf('tiny-bert', 'question-answering');
  assert.ok(qa.c.modulesToSave.includes('qa_outputs'), qa.c.modulesToSave.join(', '));
  const tok = configOf('tiny-bert', 'token-classification', {}, { labels: ['O', 'B-PER', 'I-PER'] });
  assert.ok(tok.c.modulesToSave.includes('classifier'));
  // A checkpoint without a pooler: the pooler is newly initialised, so it is trained and saved (frozen random noise
  // nobody could reload otherwise).
  const noPooler = configOf('tiny-bert', 'sequence-classification', {}, { hide: (n) => n.startsWith('bert.pooler.') });
  assert.deepEqual(noPooler.t.loaded.initialised.filter((n) => n.includes('pooler')).sort(), ['bert.pooler.dense.bias', 'bert.pooler.dense.weight']);
  assert.ok(noPooler.c.modulesToSave.includes('pooler'), noPooler.c.modulesToSave.join(', '));
  assert.ok(isSavedParam('bert.pooler.dense.weight', noPooler.c.modulesToSave));
  assert.ok(!isSavedParam('bert.encoder.layer.0.attention.self.query.weight', noPooler.c.modulesToSave));
  // Every parameter of the saved modules trains; no encoder parameter is among them.
  for (const { t, c } of [bert, distil, modern, qa, noPooler]) {
    const saved = [...t.loaded.tensors.keys()].filter((n) => isSavedParam(n, c.modulesToSave));
    assert.ok(saved.length > 0, `${t.model}: nothing saved`);
    for (const n of saved) assert.ok(!/\.(?:layer|layers)\.\d+\./.test(n) && !/embeddings/.test(n), `${t.model}: ${n} is no head parameter`);
  }
});

test('resolveLoraConfig: a target matching everything adapts the encoder only; a user modules_to_save is checked', () => {
  const { t, c } = configOf('tiny-modernbert', 'sequence-classification', { loraTargetModules: '.*' });
  assert.ok(c.modules.length > 0);
  for (const m of c.modules) assert.ok(Number.isInteger(layerOf(m.module)), `${t.model}: ${m.module} adapted outside the layers`);
  assert.throws(() => configOf('tiny-bert', 'sequence-classification', { loraModulesToSave: ['poolr'] }), (e: Error) => e instanceof LoraTargetConfigError && /"poolr" is not a module of this bert model; its modules include .*pooler/.test(e.message));
  const extra = configOf('tiny-bert', 'sequence-classification', { loraModulesToSave: ['pooler'] });
  assert.ok(extra.c.modulesToSave.includes('pooler'));
  // The user's target list is what adapter_config.json records; the default otherwise.
  assert.deepEqual(configOf('tiny-bert', 'sequence-classification').c.targetModules, ['query', 'value']);
  assert.deepEqual(configOf('tiny-bert', 'sequence-classification', { loraTargetModules: ['key'] }).c.targetModules, ['key']);
});

test('loraScaling: alpha / r, and alpha / √r with rsLoRA', () => {
  for (const [alpha, rank] of [[16, 8], [32, 16], [8, 9], [1, 1]]) {
    assert.equal(loraScaling({ alpha, rank, useRslora: false }), alpha / rank);
    assert.equal(loraScaling({ alpha, rank, useRslora: true }), alpha / Math.sqrt(rank));
  }
  // rsLoRA keeps the update's scale as r grows: at r = 64 it is 8× PEFT's default scaling.
  assert.equal(loraScaling({ alpha: 16, rank: 64, useRslora: true }) / loraScaling({ alpha: 16, rank: 64, useRslora: false }), 8);
});

test('initialAdapters: B all zeros, A ~ U(±1/√in) filling its range, the same seed the same values, per module different', () => {
  const { c } = configOf('tiny-bert', 'sequence-classification', { loraTargetModules: ['query', 'value', 'intermediate.dense', 'output.dense'] });
  const cfg = { modules: c.modules, rank: 8 };
  const first = initialAdapters(cfg, 42);
  assert.equal(first.length, c.modules.length);
  for (const [k, ad] of first.entries()) {
    const m = c.modules[k];
    assert.equal(ad.module, m.module);
    assert.equal(ad.a.length, 8 * m.inFeatures);
    assert.equal(ad.b.length, m.outFeatures * 8);
    assert.ok(ad.b.every((v) => v === 0), `${m.module}: B must start at 0`);
    const bound = 1 / Math.sqrt(m.inFeatures);
    const maxAbs = ad.a.reduce((x, v) => Math.max(x, Math.abs(v)), 0);
    const mean = ad.a.reduce((s, v) => s + v, 0) / ad.a.length;
    assert.ok(maxAbs <= bound, `${m.module}: |A| up to ${maxAbs} beyond 1/√${m.inFeatures} = ${bound}`);
    assert.ok(maxAbs >= 0.9 * bound, `${m.module}: |A| only up to ${maxAbs} of ${bound}: not kaiming_uniform(a=√5)'s range`);
    // Uniform on ±bound: mean 0 with standard error bound/√(3n).
    assert.ok(Math.abs(mean) < 4 * bound / Math.sqrt(3 * ad.a.length), `${m.module}: mean ${mean}`);
  }
  const again = initialAdapters(cfg, 42);
  for (const [k, ad] of first.entries()) assert.deepEqual(Array.from(again[k].a), Array.from(ad.a), 'the same seed draws the same A');
  const other = initialAdapters(cfg, 43);
  assert.notDeepEqual(Array.from(other[0].a), Array.from(first[0].a), 'another seed, another A');
  assert.notDeepEqual(Array.from(first[0].a.subarray(0, 32)), Array.from(first[1].a.subarray(0, 32)), 'modules draw their own values');
});

test('planLoraParameters under lora: every adapter and the saved head train, no base weight; multipliers 1', () => {
  const { t, c } = configOf('tiny-bert', 'sequence-classification');
  const names = [...t.loaded.tensors.keys()];
  const plan = planLoraParameters(names, t.spec.numLayers, 'lora', {}, c);
  const adapters = c.modules.flatMap((m) => [loraAName(m.module), loraBName(m.module)]);
  const head = names.filter((n) => isSavedParam(n, c.modulesToSave));
  assert.deepEqual([...plan.trainable].sort(), [...adapters, ...head].sort());
  assert.deepEqual(head.sort(), ['classifier.bias', 'classifier.weight']);
  for (const n of plan.trainable) assert.equal(plan.lrMultipliers[n], 1, n);
  assert.equal(adaptedLayers('lora', t.spec.numLayers, 1), undefined);
});

test('planLoraParameters under partial: adapters only above freezeLayers (adaptedLayers → layers_to_transform)', () => {
  const t = loadTiny('tiny-bert', 'sequence-classification');
  const L = t.spec.numLayers;
  const layers = adaptedLayers('partial', L, 1);
  assert.deepEqual(layers, Array.from({ length: L - 1 }, (_, k) => k + 1));
  const c = resolve(t, { freezeLayers: 1 }, layers);
  assert.deepEqual(c.layersToTransform, layers);
  assert.ok(c.modules.length > 0 && c.modules.every((m) => layerOf(m.module) >= 1), c.modules.map((m) => m.module).join(', '));
  const names = [...t.loaded.tensors.keys()];
  const plan = planLoraParameters(names, L, 'partial', { freezeLayers: 1 }, c);
  const lora = plan.trainable.filter((n) => n.includes('.lora_'));
  assert.equal(lora.length, 2 * c.modules.length);
  assert.ok(lora.every((n) => layerOf(n) >= 1));
  assert.ok(plan.trainable.includes('classifier.weight'));
  // Adapters the config put in a frozen layer (no layers_to_transform) are not trained either.
  const everywhere = resolve(t, { freezeLayers: 1 });
  const plan2 = planLoraParameters(names, L, 'partial', { freezeLayers: 1 }, everywhere);
  assert.ok(everywhere.modules.some((m) => layerOf(m.module) === 0));
  assert.deepEqual(plan2.trainable.filter((n) => n.includes('.lora_')).sort(), [...lora].sort());
});

test('planLoraParameters under gradual-unfreezing: epoch 0 the head only, epoch 1 the top layer\'s adapters too, then the next', () => {
  const { t, c } = configOf('tiny-bert', 'sequence-classification');
  const names = [...t.loaded.tensors.keys()];
  const L = t.spec.numLayers;
  const at = (epoch: number) => planLoraParameters(names, L, 'gradual-unfreezing', { epoch }, c).trainable;
  assert.deepEqual([...at(0)].sort(), ['classifier.bias', 'classifier.weight']);
  const adaptersOf = (layer: number) => c.modules.filter((m) => layerOf(m.module) === layer).flatMap((m) => [loraAName(m.module), loraBName(m.module)]);
  assert.deepEqual([...at(1)].sort(), [...adaptersOf(L - 1), 'classifier.bias', 'classifier.weight'].sort());
  assert.deepEqual([...at(2)].sort(), [...adaptersOf(L - 1), ...adaptersOf(L - 2), 'classifier.bias', 'classifier.weight'].sort());
  // No epoch trains a base weight.
  for (let e = 0; e <= L + 1; e++) for (const n of at(e)) assert.ok(n.includes('.lora_') || n.startsWith('classifier.'), `epoch ${e}: ${n}`);
});

test('planLoraParameters under discriminative-lr: each adapter at its layer\'s decay^(L − i), the head at 1', () => {
  const { t, c } = configOf('tiny-bert', 'sequence-classification');
  const names = [...t.loaded.tensors.keys()];
  const L = t.spec.numLayers;
  const decay = 0.8;
  const plan = planLoraParameters(names, L, 'discriminative-lr', { layerDecay: decay }, c);
  assert.equal(plan.trainable.filter((n) => n.includes('.lora_')).length, 2 * c.modules.length);
  for (const n of plan.trainable) {
    const i = layerOf(n);
    const expected = Number.isInteger(i) ? decay ** (L - i) : 1;
    assert.ok(Math.abs(plan.lrMultipliers[n] - expected) < 1e-12, `${n}: multiplier ${plan.lrMultipliers[n]}, expected ${expected}`);
  }
  // The two factors of one adapter share their multiplier, and lower layers learn slower.
  const m0 = c.modules.find((m) => layerOf(m.module) === 0)!;
  const m1 = c.modules.find((m) => layerOf(m.module) === L - 1)!;
  assert.equal(plan.lrMultipliers[loraAName(m0.module)], plan.lrMultipliers[loraBName(m0.module)]);
  assert.ok(plan.lrMultipliers[loraAName(m0.module)] < plan.lrMultipliers[loraAName(m1.module)]);
});
