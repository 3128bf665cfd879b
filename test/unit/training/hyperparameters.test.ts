import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ARGS, resolveArgs } from '../../../src/training/hyperparameters';

test('defaults are the tutorial defaults', () => {
  const a = resolveArgs();
  assert.equal(a.learningRate, 2e-5);
  assert.equal(a.epochs, 3);
  assert.equal(a.warmupRatio, 0.1);
  assert.equal(a.weightDecay, 0.01);
  assert.equal(a.batchSize, 16);
  assert.equal(a.maxLength, 128);
  assert.notEqual(a, DEFAULT_ARGS);
});

test('every bad setting is named with what was expected', () => {
  assert.throws(
    () => resolveArgs({ learningRate: -1, batchSize: 2.5, scheduler: 'cosin' }),
    (e: Error) =>
      e.message.includes('"learningRate" must be a positive number, got -1') &&
      e.message.includes('"batchSize" must be a positive integer, got 2.5') &&
      e.message.includes('"scheduler" must be one of constant, constant_with_warmup, linear, cosine'),
  );
});

test('unknown keys suggest the closest name', () => {
  assert.throws(() => resolveArgs({ learning_rate: 1e-4 }), /unknown setting "learning_rate" \(did you mean "learningRate"/);
});

test('early stopping gets a mode from its metric', () => {
  assert.equal(resolveArgs({ earlyStopping: { metric: 'loss', patience: 2 } }).earlyStopping?.mode, 'min');
  assert.equal(resolveArgs({ earlyStopping: { metric: 'accuracy', patience: 2 } }).earlyStopping?.mode, 'max');
});

test('the threads setting the extension passes is a known, validated key', () => {
  assert.equal(resolveArgs({ threads: 2 }).threads, 2);
  assert.throws(() => resolveArgs({ threads: -1 }), /"threads" must be an integer >= 0, got -1/);
});
