import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planParameters, roleOf } from '../../../src/training/parameterGroups';

const bert = [
  'bert.embeddings.word_embeddings.weight',
  'bert.embeddings.LayerNorm.weight',
  ...[0, 1, 2].flatMap((i) => [`bert.encoder.layer.${i}.attention.self.query.weight`, `bert.encoder.layer.${i}.output.LayerNorm.bias`]),
  'bert.pooler.dense.weight',
  'classifier.weight',
  'classifier.bias',
];

test('roles follow HF names across families', () => {
  assert.deepEqual(roleOf('distilbert.transformer.layer.4.ffn.lin1.weight'), { kind: 'layer', index: 4 });
  assert.deepEqual(roleOf('roberta.encoder.layer.11.output.dense.bias'), { kind: 'layer', index: 11 });
  assert.deepEqual(roleOf('electra.embeddings.position_embeddings.weight'), { kind: 'embeddings' });
  assert.deepEqual(roleOf('classifier.out_proj.weight'), { kind: 'head' });
  assert.deepEqual(roleOf('pre_classifier.weight'), { kind: 'head' });
});

test('feature extraction trains only the head', () => {
  assert.deepEqual(planParameters(bert, 3, 'feature-extraction').trainable, ['classifier.weight', 'classifier.bias']);
});

test('partial freezes embeddings and the bottom N layers', () => {
  const t = planParameters(bert, 3, 'partial', { freezeLayers: 2 }).trainable;
  assert.ok(!t.some((n) => n.includes('embeddings') || n.includes('layer.0.') || n.includes('layer.1.')));
  assert.ok(t.includes('bert.encoder.layer.2.attention.self.query.weight') && t.includes('bert.pooler.dense.weight') && t.includes('classifier.bias'));
  assert.throws(() => planParameters(bert, 3, 'partial', { freezeLayers: 4 }), /between 0 and 3/);
});

test('gradual unfreezing adds one layer per epoch from the top, then the embeddings', () => {
  const at = (epoch: number) => planParameters(bert, 3, 'gradual-unfreezing', { epoch }).trainable;
  assert.ok(!at(0).some((n) => n.includes('encoder')));
  assert.ok(at(1).includes('bert.encoder.layer.2.attention.self.query.weight') && !at(1).some((n) => n.includes('layer.1.')));
  assert.ok(at(3).includes('bert.encoder.layer.0.output.LayerNorm.bias') && !at(3).some((n) => n.includes('embeddings')));
  assert.equal(at(4).length, bert.length);
  const explicit = planParameters(bert, 3, 'gradual-unfreezing', { epoch: 1, unfreezeSchedule: [[], [0]] }).trainable;
  assert.ok(explicit.includes('bert.encoder.layer.0.output.LayerNorm.bias') && !explicit.some((n) => n.includes('layer.2.')));
});

test('discriminative learning rates decay by depth, head at base', () => {
  const { lrMultipliers: m } = planParameters(bert, 3, 'discriminative-lr', { layerDecay: 0.5 });
  assert.equal(m['classifier.weight'], 1);
  assert.equal(m['bert.encoder.layer.2.attention.self.query.weight'], 0.5);
  assert.equal(m['bert.encoder.layer.0.attention.self.query.weight'], 0.125);
  assert.equal(m['bert.embeddings.word_embeddings.weight'], 0.0625);
});
