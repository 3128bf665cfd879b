// The form's "which layers train" picture comes from the trainer's own plan (planParameters): per group and phase,
// frozen or the learning rate it trains at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerPicture } from '../../../src/webview/layerPicture';

const params = [
  { name: 'bert.embeddings.word_embeddings.weight', shape: [100, 10] },
  { name: 'bert.encoder.layer.0.attention.self.query.weight', shape: [10, 10] },
  { name: 'bert.encoder.layer.1.attention.self.query.weight', shape: [10, 10] },
  { name: 'bert.pooler.dense.weight', shape: [10] },
  { name: 'classifier.weight', shape: [2] },
];

test('groups run from the head down to the embeddings with their parameter counts', () => {
  const p = layerPicture(params, 2, 'full', { learningRate: 1e-3, epochs: 3 });
  assert.deepEqual(p.groups, [{ label: 'head', params: 2 }, { label: 'pooler', params: 10 }, { label: 'layer 1', params: 100 }, { label: 'layer 0', params: 100 }, { label: 'embeddings', params: 1000 }]);
  assert.deepEqual(p.phases, [{ label: 'all epochs', lr: [1e-3, 1e-3, 1e-3, 1e-3, 1e-3] }]);
});

test('layer-wise decay: each group at its own rate, base × decay^(layers − layer)', () => {
  const p = layerPicture(params, 2, 'discriminative-lr', { learningRate: 1e-3, epochs: 3, layerDecay: 0.5 });
  assert.deepEqual(p.phases[0].lr, [1e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4]);
});

test('gradual unfreezing: one column per epoch, one more layer each epoch from the top', () => {
  const p = layerPicture(params, 2, 'gradual-unfreezing', { learningRate: 1, epochs: 4 });
  assert.deepEqual(p.phases.map((ph) => ph.lr.map((v) => (v === null ? '-' : 'T')).join('')), ['TT---', 'TTT--', 'TTTT-', 'TTTTT']);
  assert.deepEqual(p.phases.map((ph) => ph.label), ['epoch 1', 'epoch 2', 'epoch 3', 'epoch 4']);
});

test('feature extraction trains the head only; partial freezes the embeddings and the bottom layers', () => {
  assert.deepEqual(layerPicture(params, 2, 'feature-extraction', { learningRate: 1, epochs: 1 }).phases[0].lr, [1, null, null, null, null]);
  assert.deepEqual(layerPicture(params, 2, 'partial', { learningRate: 1, epochs: 1, freezeLayers: 1 }).phases[0].lr, [1, 1, 1, null, null]);
});
