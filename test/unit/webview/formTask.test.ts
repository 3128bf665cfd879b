// The form's Task field: preset from the dataset's shape, overridable, passed on as RunConfig.task; which fields each
// task shows (the token tasks' own settings with the trainer's defaults, no column choices, no class settings for QA),
// and SetFit / masked-LM refused for token tasks with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnMapping } from '../../../src/data/schema';
import { DOC_STRIDE_DEFAULT, emptyFormState, evaluateForm, fieldsFor, showsColumns, strategyProblemFor, taskOf, type FormState } from '../../../src/webview/formModel';
import { DEFAULT_ARGS } from '../../../src/training/hyperparameters';

const filled = (patch: Partial<FormState> = {}): FormState => ({ ...emptyFormState({ model: '/m/tiny-bert', data: '/w/train.conll' }), ...patch });
const keys = (task: Parameters<typeof fieldsFor>[2], strategy: Parameters<typeof fieldsFor>[0] = 'full') => fieldsFor(strategy, 2, task).map((f) => f.key);
const defaultOf = (task: Parameters<typeof fieldsFor>[2], key: string) => fieldsFor('full', 2, task).find((f) => f.key === key)?.defaultText;

test('the task is preset from the data file\'s shape; a choice overrides it; nothing known is classification', () => {
  assert.equal(taskOf(filled(), 'token-classification'), 'token-classification');
  assert.equal(taskOf(filled({ runTask: 'question-answering' }), 'token-classification'), 'question-answering');
  assert.equal(taskOf(filled()), 'classification');
  // A state kept by a version without the field reads as "as detected".
  const old = filled();
  delete old.runTask;
  assert.equal(taskOf(old, 'question-answering'), 'question-answering');
});

test('a NER file: the request carries task token-classification and no column mapping; columns are not asked', () => {
  const r = evaluateForm(filled(), { detectedTask: 'token-classification', numLayers: 2 });
  assert.deepEqual(r.problems, {});
  assert.equal(r.task, 'token-classification');
  assert.deepEqual(r.request, { model: '/m/tiny-bert', data: '/w/train.conll', strategy: 'full', task: 'token-classification', mapping: {}, settings: {} });
  assert.equal(showsColumns('token-classification'), false);
  assert.equal(showsColumns('question-answering'), false);
  assert.equal(showsColumns('classification'), true);
});

test('a classification file keeps its columns and says its task once detected', () => {
  const detected: ColumnMapping = { text: 'review', label: 'sentiment', labelKind: 'string' };
  const r = evaluateForm(filled({ data: '/w/reviews.csv' }), { detected, detectedTask: 'classification' });
  assert.deepEqual(r.request?.mapping, { text: 'review', label: 'sentiment' });
  assert.equal(r.request?.task, 'classification');
  // Chosen by hand over a NER detection, the file is read as classification with its columns.
  const forced = evaluateForm(filled({ runTask: 'classification' }), { detected, detectedTask: 'token-classification' });
  assert.equal(forced.request?.task, 'classification');
  assert.deepEqual(forced.request?.mapping, { text: 'review', label: 'sentiment' });
});

test('NER shows its window settings with the trainer\'s defaults; QA its own; classification neither', () => {
  const ner = keys('token-classification');
  assert.ok(ner.includes('stride') && ner.includes('labelAllSubwords'));
  assert.ok(!ner.includes('docStride'));
  assert.equal(defaultOf('token-classification', 'stride'), String(DEFAULT_ARGS.stride));
  assert.equal(defaultOf('token-classification', 'labelAllSubwords'), String(DEFAULT_ARGS.labelAllSubwords));
  const qa = keys('question-answering');
  assert.equal(defaultOf('question-answering', 'docStride'), DOC_STRIDE_DEFAULT);
  for (const k of ['maxQuestionLength', 'maxAnswerLength', 'nBestSize', 'nullScoreDiffThreshold']) {
    assert.ok(qa.includes(k), k);
    assert.equal(defaultOf('question-answering', k), String(DEFAULT_ARGS[k as keyof typeof DEFAULT_ARGS]), k);
  }
  // Answers are spans, not classes: no class weights or label smoothing for QA.
  assert.ok(!qa.includes('classWeights') && !qa.includes('labelSmoothing') && !qa.includes('stride'));
  // Class weights are the sequence classifier's only (the trainer refuses them for token tasks); NER keeps label smoothing.
  assert.ok(!ner.includes('classWeights') && ner.includes('labelSmoothing'));
  assert.ok(keys('classification').includes('classWeights'));
  const cls = keys('classification');
  for (const k of ['stride', 'labelAllSubwords', 'docStride', 'nBestSize']) assert.ok(!cls.includes(k), k);
});

test('token-task settings parse as the trainer reads them; bad ones get the CLI message', () => {
  const ok = evaluateForm(filled({ values: { stride: '16', labelAllSubwords: 'true' } }), { detectedTask: 'token-classification' });
  assert.deepEqual(ok.request?.settings, { stride: 16, labelAllSubwords: true });
  const bad = evaluateForm(filled({ values: { docStride: '0', nullScoreDiffThreshold: 'x' } }), { detectedTask: 'question-answering' });
  assert.equal(bad.request, undefined);
  assert.equal(bad.problems.docStride, '"docStride" must be a positive integer, got 0');
  assert.equal(bad.problems.nullScoreDiffThreshold, '"nullScoreDiffThreshold" must be a number, got "x"');
  // A NER setting typed in before switching to QA is not sent with a QA run.
  const switched = evaluateForm(filled({ values: { stride: '16' } }), { detectedTask: 'question-answering' });
  assert.deepEqual(switched.request?.settings, {});
});

test('SetFit and masked-LM are refused for token tasks, saying why; any strategy for classification', () => {
  const r = evaluateForm(filled({ strategy: 'setfit' }), { detectedTask: 'token-classification' });
  assert.equal(r.request, undefined);
  assert.match(r.problems.strategy, /SetFit .* sequence classification only\. Choose another strategy for token classification \(NER\)\./);
  assert.match(strategyProblemFor('setfit', 'question-answering')!, /question answering\.$/);
  assert.match(strategyProblemFor('mlm', 'token-classification')!, /Masked-LM/);
  assert.equal(strategyProblemFor('setfit', 'classification'), undefined);
  assert.equal(strategyProblemFor('partial', 'question-answering'), undefined);
});
