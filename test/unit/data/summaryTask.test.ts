// What the Datasets view and the form say about token-classification and extractive-QA files: the task is read off the
// file's shape, counts come from the rows the test writes (entities counted here by hand), and such files are not
// refused as lacking a label column.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findDatasetFiles, isDatasetCandidate } from '../../../src/data/discovery';
import { datasetRefusal, summaryDescription, summaryFacts } from '../../../src/data/summaryText';
import { entityCounts, isTaskSummary, summarizeAnyDataset } from '../../../src/data/taskSummary';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-task-summary-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Three sentences; entities: PER ×2 (one of two words), LOC ×2, ORG ×1.
const SENTENCES: [string, string][][] = [
  [['John', 'B-PER'], ['Smith', 'I-PER'], ['lives', 'O'], ['in', 'O'], ['Paris', 'B-LOC']],
  [['Acme', 'B-ORG'], ['hired', 'O'], ['Mary', 'B-PER']],
  [['Rain', 'O'], ['in', 'O'], ['Oslo', 'B-LOC'], ['.', 'O']],
];
const conll = (sentences: [string, string][][]) => sentences.map((s) => s.map(([w, t]) => `${w} ${t}`).join('\n')).join('\n\n') + '\n';
const facts = (s: Parameters<typeof summaryFacts>[0]) => Object.fromEntries(summaryFacts(s).filter((f) => f.label !== 'Problem').map((f) => [f.label, f.value]));

test('a CoNLL file: NER, its sentences, words and entity types with entity counts; not refused', async () => {
  const file = path.join(dir, 'train.conll');
  fs.writeFileSync(file, conll(SENTENCES));
  const r = await summarizeAnyDataset(file);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const s = r.value;
  assert.ok(isTaskSummary(s));
  assert.equal(s.task, 'token-classification');
  assert.equal(summaryDescription(s), `NER: ${SENTENCES.length} sentences, 3 entity types`);
  const f = facts(s);
  assert.equal(f.Sentences, String(SENTENCES.length));
  assert.equal(f.Words, String(SENTENCES.flat().length));
  assert.equal(f['Entity types'], 'LOC: 2 · ORG: 1 · PER: 2');
  assert.equal(f['Tag scheme'], 'IOB2');
  assert.equal(datasetRefusal({ summary: s }), undefined);
});

test('the same sentences as token/tag lists in JSONL read the same; IOB1 tags are named as such', async () => {
  const file = path.join(dir, 'ner.jsonl');
  fs.writeFileSync(file, SENTENCES.map((s) => JSON.stringify({ tokens: s.map(([w]) => w), ner_tags: s.map(([, t]) => t) })).join('\n') + '\n');
  const r = await summarizeAnyDataset(file);
  assert.ok(r.ok && isTaskSummary(r.value));
  assert.equal(summaryDescription(r.value), 'NER: 3 sentences, 3 entity types');
  assert.equal(facts(r.value)['Entity types'], 'LOC: 2 · ORG: 1 · PER: 2');
  // IOB1: an entity starts with I- unless it follows one of its type (then B-): "John Smith" is one PER, "Paris" and
  // "Rome" two LOC.
  const iob1 = path.join(dir, 'iob1.iob');
  fs.writeFileSync(iob1, conll([[['John', 'I-PER'], ['Smith', 'I-PER'], ['in', 'O'], ['Paris', 'I-LOC'], ['Rome', 'B-LOC']]]));
  const one = await summarizeAnyDataset(iob1);
  assert.ok(one.ok && isTaskSummary(one.value));
  assert.equal(facts(one.value)['Tag scheme'], 'IOB1 (read as IOB2)');
  assert.equal(facts(one.value)['Entity types'], 'LOC: 2 · PER: 1');
});

test('a tagged file whose every token is O is refused with the reason, not as "no label column"', async () => {
  const file = path.join(dir, 'plain.bio');
  fs.writeFileSync(file, conll([[['just', 'O'], ['words', 'O']], [['more', 'O']]]));
  const r = await summarizeAnyDataset(file);
  assert.ok(r.ok && isTaskSummary(r.value));
  assert.equal(summaryDescription(r.value), 'NER: 2 sentences, 0 entity types');
  assert.match(datasetRefusal({ summary: r.value }) ?? '', /every token is tagged O/);
});

test('entityCounts counts one entity per B- tag, by type, sorted', () => {
  assert.deepEqual(entityCounts([['B-PER', 'I-PER', 'O', 'B-LOC'], ['B-PER', 'B-PER', 'O']]), [{ label: 'LOC', count: 1 }, { label: 'PER', count: 3 }]);
  assert.deepEqual(entityCounts([['O', 'O']]), []);
});

const squad = (version: string, qas: { id: string; question: string; answers: { text: string; answer_start: number }[]; is_impossible?: boolean }[][]) => JSON.stringify({
  version,
  data: [{ title: 'Doc', paragraphs: qas.map((q, i) => ({ context: CONTEXTS[i], qas: q })) }],
});
const CONTEXTS = ['Paris is the capital of France.', 'The Nile flows north into the Mediterranean.'];

test('SQuAD v2 and v1.1 JSON: questions, contexts and unanswerable questions; not refused', async () => {
  const v2 = path.join(dir, 'squad2.json');
  fs.writeFileSync(v2, squad('v2.0', [
    [{ id: 'a', question: 'What is the capital of France?', answers: [{ text: 'Paris', answer_start: 0 }] },
      { id: 'b', question: 'What is the capital of Spain?', answers: [], is_impossible: true }],
    [{ id: 'c', question: 'Where does the Nile flow?', answers: [{ text: 'north', answer_start: CONTEXTS[1].indexOf('north') }] }],
  ]));
  const r = await summarizeAnyDataset(v2);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.ok(isTaskSummary(r.value));
  assert.equal(r.value.task, 'question-answering');
  assert.equal(summaryDescription(r.value), 'Extractive QA: 3 questions, SQuAD v2');
  const f = facts(r.value);
  assert.deepEqual([f.Questions, f.Contexts, f.Unanswerable], ['3', '2', '1']);
  assert.equal(datasetRefusal({ summary: r.value }), undefined);

  const v1 = path.join(dir, 'squad1.json');
  fs.writeFileSync(v1, squad('1.1', [[{ id: 'a', question: 'What is the capital of France?', answers: [{ text: 'Paris', answer_start: 0 }] }]]));
  const one = await summarizeAnyDataset(v1);
  assert.ok(one.ok);
  assert.equal(summaryDescription(one.value), 'Extractive QA: 1 question, SQuAD v1.1');
});

test('question/context rows in JSONL are extractive QA; a file with no answered question is refused', async () => {
  const file = path.join(dir, 'qa.jsonl');
  const rows = [
    { id: '1', question: 'Capital?', context: CONTEXTS[0], answers: { text: ['Paris'], answer_start: [0] } },
    { id: '2', question: 'Direction?', context: CONTEXTS[1], answers: { text: ['north'], answer_start: [CONTEXTS[1].indexOf('north')] } },
  ];
  fs.writeFileSync(file, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const r = await summarizeAnyDataset(file);
  assert.ok(r.ok && isTaskSummary(r.value));
  assert.equal(summaryDescription(r.value), 'Extractive QA: 2 questions, question/context rows');

  const none = path.join(dir, 'unanswered.jsonl');
  fs.writeFileSync(none, rows.map((x) => JSON.stringify({ ...x, answers: { text: [], answer_start: [] } })).join('\n') + '\n');
  const n = await summarizeAnyDataset(none);
  assert.ok(n.ok && isTaskSummary(n.value));
  assert.equal(summaryDescription(n.value), 'Extractive QA: 2 questions, question/context rows, some unanswerable');
  assert.match(datasetRefusal({ summary: n.value }) ?? '', /no question has an answer/);
});

test('a classification CSV still gets the table summary; the task can be forced', async () => {
  const file = path.join(dir, 'reviews.csv');
  fs.writeFileSync(file, 'text,label\ngood film,pos\nbad film,neg\n');
  const r = await summarizeAnyDataset(file);
  assert.ok(r.ok && !isTaskSummary(r.value));
  assert.equal(summaryDescription(r.value), 'csv · 2 rows · text → label · 2 classes');
  // Read as NER on request, the loader's own message says what it expected.
  const forced = await summarizeAnyDataset(file, { task: 'token-classification' });
  assert.ok(!forced.ok);
  assert.match(forced.error.message, /not token-classification data/);
});

test('.conll, .iob and .bio files are discovered beside the table formats', async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'disc-'));
  for (const name of ['a.conll', 'b.iob', 'c.bio', 'd.csv', 'e.pdf']) fs.writeFileSync(path.join(sub, name), 'x O\n');
  assert.deepEqual((await findDatasetFiles(sub)).map((f) => path.basename(f)), ['a.conll', 'b.iob', 'c.bio', 'd.csv']);
  assert.ok(isDatasetCandidate('/x/train.IOB2'));
  assert.ok(!isDatasetCandidate('/x/notes.pdf'));
  // The label names beside an HF dataset are read by the NER loader, not offered as a dataset of their own.
  assert.ok(!isDatasetCandidate('/x/hf/dataset_info.json'));
});
