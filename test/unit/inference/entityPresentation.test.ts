// Words as NER models see them, entity colours, labels, hovers and summaries, and the answer wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { answerHoverMarkdown, answerMessage } from '../../../src/inference/answerPresentation';
import { ENTITY_COLOURS, EntityColours, entityHoverMarkdown, entityLabel, entitySummary, entityTypes } from '../../../src/inference/entityPresentation';
import { entityWords } from '../../../src/inference/entityWords';
import { exportTask, listExportedModels } from '../../../src/inference/exportedModels';
import type { AnswerResult, TextEntity } from '../../../src/inference/protocol';
import { tempDir } from '../models/support';

test('entity words: whitespace words with edge punctuation split off, spans pointing into the text', () => {
  const text = 'Merkel (CDU) met  Macron, in "Paris".\nThe U.S. e-mail';
  const words = entityWords(text);
  assert.deepEqual(words.map((w) => w.text), ['Merkel', '(', 'CDU', ')', 'met', 'Macron', ',', 'in', '"', 'Paris', '"', '.', 'The', 'U.S.', 'e-mail']);
  for (const w of words) assert.equal(text.slice(w.start, w.end), w.text);
  assert.deepEqual(entityWords('  \n\t '), []);
  assert.deepEqual(entityWords('...').map((w) => w.text), ['.', '.', '.']);
});

test('entity types come from the IOB2 tag set in label order; colours are distinct per type, stable, cycled', () => {
  assert.deepEqual(entityTypes(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC']), ['PER', 'LOC', 'MISC']);
  const colours = new EntityColours();
  colours.register(['PER', 'LOC', 'MISC']);
  assert.deepEqual(['PER', 'LOC', 'MISC'].map((t) => colours.colour(t)), ['charts.blue', 'charts.orange', 'charts.green']);
  // A second model's new types come next; known ones keep their colour.
  colours.register(['ORG', 'PER']);
  assert.equal(colours.colour('ORG'), 'charts.purple');
  assert.equal(colours.colour('PER'), 'charts.blue');
  const many = new EntityColours();
  const types = Array.from({ length: ENTITY_COLOURS.length + 1 }, (_, i) => `T${i}`);
  many.register(types);
  assert.equal(new Set(types.slice(0, ENTITY_COLOURS.length).map((t) => many.colour(t))).size, ENTITY_COLOURS.length);
  assert.equal(many.colour(types[ENTITY_COLOURS.length]), ENTITY_COLOURS[0]);
});

const per: TextEntity = { type: 'PER', start: 0, end: 13, text: 'Angela\nMerkel', score: 0.91234, words: 2 };

test('entity label and hover: type, text on one line, score with 3 decimals, words, model', () => {
  assert.equal(entityLabel(per), 'PER');
  assert.equal(entityHoverMarkdown(per, 'run ner-1'), [
    '**Fine-Tune Studio** — entity `PER`', '', '`Angela Merkel` · score 0.912 (mean tag probability over 2 words)', '', 'Model: `run ner-1`',
  ].join('\n'));
  assert.match(entityHoverMarkdown({ ...per, text: 'a`b', words: 1 }, 'm'), /`a'b` · score 0\.912 \(mean tag probability over 1 word\)/);
});

test('entity summary counts entities per type over every selection, or says there were none', () => {
  const loc: TextEntity = { type: 'LOC', start: 20, end: 25, text: 'Paris', score: 0.7, words: 1 };
  const r = (entities: TextEntity[]) => ({ text: 'x', entities, words: 5, windows: 1 });
  assert.equal(entitySummary([r([per, loc]), r([{ ...per, start: 30, end: 34 }])], 'run a'), '3 entities in 2 selections (1 LOC, 2 PER) by run a.');
  assert.equal(entitySummary([r([loc])], 'm'), '1 entity in the selection (1 LOC) by m.');
  assert.equal(entitySummary([r([])], 'm'), 'No entities found in the selection by m.');
});

test('answer message and hover: the span and its score, or no answer with the null score that beat the best span', () => {
  const found: AnswerResult = {
    question: 'Who visited Paris?', context: 'Angela Merkel visited Paris.', nullScore: -1.5, nullProbability: 0.0001, windows: 1,
    answer: { text: 'Angela Merkel', start: 0, end: 13, score: 7.25, probability: 0.8499 },
    nBest: [{ text: 'Angela Merkel', start: 0, end: 13, score: 7.25, probability: 0.8499 }, { text: 'Merkel', start: 7, end: 13, score: 5.5, probability: 0.15 }],
  };
  assert.equal(answerMessage(found, 'run qa-1'), 'Answer: "Angela Merkel" (probability 0.850, run qa-1).');
  assert.equal(answerHoverMarkdown(found, 'run qa-1'), [
    '**Fine-Tune Studio** — answer to `Who visited Paris?`', '', '`Angela Merkel` · probability 0.850 (span score 7.250; no answer: 0.000, score -1.500)', '', 'Next best:', '- `Merkel` 0.150', '', 'Model: `run qa-1`',
  ].join('\n'));
  const none: AnswerResult = { ...found, answer: undefined, nullScore: 9, nBest: [{ text: 'Paris', start: 22, end: 27, score: 3, probability: 0.002 }] };
  assert.equal(answerMessage(none, 'm'), 'No answer in the selection to "Who visited Paris?" (m: no-answer score 9.000 beats the best span "Paris" at 3.000).');
  assert.equal(answerHoverMarkdown(none, 'm'), '');
});

test('exports are told apart by config.json architectures and filtered by task', () => {
  assert.equal(exportTask(['BertForTokenClassification']), 'token-classification');
  assert.equal(exportTask(['RobertaForQuestionAnswering']), 'question-answering');
  assert.equal(exportTask(['DistilBertForSequenceClassification']), 'sequence-classification');
  assert.equal(exportTask(undefined), 'other');
  const root = tempDir('token-exports');
  for (const [id, arch, at] of [['ner', 'BertForTokenClassification', '2026-02-01'], ['qa', 'BertForQuestionAnswering', '2026-03-01'], ['ner2', 'BertForTokenClassification', '2026-04-01']]) {
    const model = path.join(root, id, 'model');
    fs.mkdirSync(path.join(model, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ architectures: [arch], id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER' } }));
    fs.writeFileSync(path.join(model, 'tokenizer.json'), '{}');
    fs.writeFileSync(path.join(model, 'onnx', 'model.onnx'), 'x');
    fs.writeFileSync(path.join(root, id, 'run.json'), JSON.stringify({ status: 'completed', updatedAt: `${at}T00:00:00Z` }));
  }
  assert.deepEqual(listExportedModels(root, { task: 'token-classification' }).map((m) => m.runId), ['ner2', 'ner']);
  assert.deepEqual(listExportedModels(root, { task: 'question-answering' }).map((m) => m.runId), ['qa']);
  assert.deepEqual(listExportedModels(root).map((m) => m.task), ['token-classification', 'question-answering', 'token-classification']);
});
