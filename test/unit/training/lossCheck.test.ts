import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFiniteLoss } from '../../../src/training/lossCheck';

test('a non-finite loss before any update does not blame the learning rate (lr 0 in warmup)', () => {
  assert.throws(() => assertFiniteLoss(NaN, { step: 1, lr: 0, updatesSoFar: 0, hint: ' or check the labels' }), {
    message: "the loss became NaN at step 1 (lr 0.00e+0), before any weight update, so the learning rate is not the cause: check the inputs and labels (a label outside the classes, a non-finite regression target) and the model's weights.",
  });
  assert.throws(() => assertFiniteLoss(Infinity, { step: 13, lr: 3e-3, updatesSoFar: 12, hint: ' or check the labels' }), {
    message: 'the loss became Infinity at step 13 (lr 3.00e-3): lower the learning rate or check the labels.',
  });
  assert.doesNotThrow(() => assertFiniteLoss(0.69, { step: 1, lr: 0, updatesSoFar: 0 }));
});
