import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SettingsError } from '../../../src/training/hyperparameters';
import { resolveSetFitSettings } from '../../../src/training/setfit/settings';

test('SetFit defaults: one body epoch, logistic head with C = 1, head lr falls back to the body lr', () => {
  const { args, setfit } = resolveSetFitSettings({ learningRate: 1e-3 });
  assert.deepEqual(setfit, { head: 'logistic', bodyEpochs: 1, headEpochs: 16, endToEnd: false, normalize: false, headC: 1 });
  assert.equal(args.learningRate, 1e-3);
  assert.equal(args.headLearningRate, undefined);
  assert.equal(args.setfitIterations, 20);
});

test('the body trains for setfitBodyEpochs, else the epochs the user set; 0 freezes it', () => {
  assert.equal(resolveSetFitSettings({ epochs: 3 }).setfit.bodyEpochs, 3);
  assert.equal(resolveSetFitSettings({ epochs: 3, setfitBodyEpochs: 2 }).setfit.bodyEpochs, 2);
  assert.equal(resolveSetFitSettings({ setfitBodyEpochs: 0 }).setfit.bodyEpochs, 0);
});

test('bad SetFit values name the setting and what it takes; other settings still go through the trainer checks', () => {
  assert.throws(() => resolveSetFitSettings({ setfitHead: 'svm', setfitHeadC: 0 }), (e: Error) =>
    e instanceof SettingsError && /"setfitHead" must be one of logistic, differentiable, got "svm"/.test(e.message) && /"setfitHeadC" must be a positive number, got 0/.test(e.message));
  assert.throws(() => resolveSetFitSettings({ learningRat: 1 }), /unknown setting "learningRat"/);
  assert.throws(() => resolveSetFitSettings({ setfitIterations: 0 }), /"setfitIterations" must be a positive integer/);
});
