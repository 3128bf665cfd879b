// The "New fine-tune" form's logic: form state → the run request the flow would build, each field's problem in the
// CLI's words, the defaults the fields show, and what in a dataset blocks a run before it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnMapping } from '../../../src/data/schema';
import { NO_LABEL, datasetBlockers, emptyFormState, evaluateForm, fieldsFor, mappingOf, type FormState } from '../../../src/webview/formModel';
import { resolveArgs } from '../../../src/training/hyperparameters';

const detected: ColumnMapping = { text: 'review', label: 'sentiment', labelKind: 'string' };
const filled = (patch: Partial<FormState> = {}): FormState => ({ ...emptyFormState({ model: '/m/tiny-bert', data: '/w/reviews.csv' }), ...patch });

test('an empty form names the model and the dataset as missing and makes no request', () => {
  const r = evaluateForm(emptyFormState());
  assert.equal(r.request, undefined);
  assert.equal(r.problems.model, 'Choose a base model.');
  assert.equal(r.problems.data, 'Choose a dataset.');
});

test('untouched fields take the defaults: the request carries no settings and the detected columns', () => {
  const r = evaluateForm(filled(), { detected, numLayers: 2 });
  assert.deepEqual(r.problems, {});
  assert.deepEqual(r.request, { model: '/m/tiny-bert', data: '/w/reviews.csv', strategy: 'full', mapping: { text: 'review', label: 'sentiment' }, settings: {} });
  // What the trainer then runs with is the tutorial's defaults.
  assert.equal(resolveArgs(r.request!.settings).learningRate, 2e-5);
});

test('typed values become numbers; bad ones get the CLI message for their own field', () => {
  const r = evaluateForm(filled({ values: { learningRate: '3e-5', epochs: '2', batchSize: 'abc', warmupRatio: '1.5', scheduler: 'cosine' } }), { detected });
  assert.equal(r.request, undefined);
  assert.deepEqual(r.settings, { learningRate: 3e-5, epochs: 2, batchSize: 'abc', warmupRatio: 1.5, scheduler: 'cosine' });
  assert.equal(r.problems.batchSize, '"batchSize" must be a positive integer, got "abc"');
  assert.equal(r.problems.warmupRatio, '"warmupRatio" must be a number in [0, 1), got 1.5');
  assert.equal(r.problems.learningRate, undefined);
  // The same wording resolveArgs gives a config file.
  assert.throws(() => resolveArgs({ batchSize: 'abc' }), (e: Error) => e.message.includes(r.problems.batchSize));
});

test('layer-wise LR decay shows its default (0.95) and an empty box is that default, not "got 0"', () => {
  const field = fieldsFor('discriminative-lr').find((f) => f.key === 'layerDecay')!;
  assert.equal(field.defaultText, '0.95');
  const empty = evaluateForm(filled({ strategy: 'discriminative-lr', values: { layerDecay: '' } }), { detected });
  assert.equal(empty.problems.layerDecay, undefined);
  assert.deepEqual(empty.request!.settings, {});
  const zero = evaluateForm(filled({ strategy: 'discriminative-lr', values: { layerDecay: '0' } }), { detected });
  assert.equal(zero.problems.layerDecay, '"layerDecay" must be a number in (0, 1], got 0');
  assert.equal(fieldsFor('full').some((f) => f.key === 'layerDecay'), false);
});

test('model-dependent ranges: freezeLayers beyond the model\'s layers, default half of them', () => {
  assert.equal(fieldsFor('partial', 12).find((f) => f.key === 'freezeLayers')!.defaultText, '6');
  const r = evaluateForm(filled({ strategy: 'partial', values: { freezeLayers: '5' } }), { detected, numLayers: 2 });
  assert.equal(r.problems.freezeLayers, '"freezeLayers" must be an integer from 0 to 2 (the model has 2 layers), got 5');
});

test('SetFit fields: its own keys and messages; no "epochs" field (the body epochs are what runs)', () => {
  const keys = fieldsFor('setfit').map((f) => f.key);
  assert.ok(keys.includes('setfitBodyEpochs') && !keys.includes('epochs'));
  const r = evaluateForm(filled({ strategy: 'setfit', values: { setfitBodyEpochs: '-1', setfitHead: 'differentiable' } }), { detected });
  assert.equal(r.problems.setfitBodyEpochs, '"setfitBodyEpochs" must be an integer >= 0, got -1');
  assert.equal(r.problems.setfitHead, undefined);
});

test('columns and task: unlabeled text only with masked LM, multi-label with its delimiter', () => {
  const unlabeled = evaluateForm(filled({ columns: { text: '', textPair: '', label: NO_LABEL } }), { detected });
  assert.match(unlabeled.problems.strategy, /only with continued pre-training/);
  const mlm = evaluateForm(filled({ strategy: 'mlm', columns: { text: '', textPair: '', label: NO_LABEL } }), { detected });
  assert.deepEqual(mlm.request!.mapping, { text: 'review', label: null });
  assert.match(evaluateForm(filled({ strategy: 'mlm' }), { detected }).problems.strategy, /masked-LM pre-training reads text only/i);
  assert.deepEqual(mappingOf(filled({ task: 'multi', labelDelimiter: ';' }), detected), { text: 'review', label: 'sentiment', labelKind: 'multi', labelDelimiter: ';' });
  assert.deepEqual(mappingOf(filled({ task: 'regression', columns: { text: 'title', textPair: '', label: 'score' } }), detected), { text: 'title', label: 'score', labelKind: 'float' });
  assert.match(evaluateForm(filled({ columns: { text: 'sentiment', textPair: '', label: '' } }), { detected }).problems.columns, /both "sentiment"/);
});

test('a single-class or empty dataset blocks the run before it starts', () => {
  const one = { labelDistribution: [{ label: 'pos', count: 40 }], labelKind: 'string', rows: 40, emptyText: 0 };
  assert.deepEqual(datasetBlockers(one, 'full', true), ['Classification needs at least 2 classes; the label column has 1 ("pos", 40 rows).']);
  assert.deepEqual(datasetBlockers(one, 'mlm', false), []);
  assert.deepEqual(datasetBlockers({ ...one, labelDistribution: [{ label: 'a', count: 20 }, { label: 'b', count: 20 }] }, 'full', true), []);
  assert.deepEqual(datasetBlockers({ labelDistribution: [], rows: 0, emptyText: 0 }, 'full', true), ['The file has no data rows.']);
});

test('an invalid configuration name does not block Start, only Save', () => {
  const r = evaluateForm(filled({ configName: 'my run!' }), { detected });
  assert.equal(r.problems.configName, 'Letters, digits, "-", "_" and "." only');
  assert.ok(r.request);
});
