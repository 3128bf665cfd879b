// Task detection from a file's shape: which files are token classification, question answering or classification,
// and that only a sample is read (a broken row far down the file does not change the answer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetError } from '../../../src/data/errors';
import { loadNerDataset } from '../../../src/data/ner';
import { detectDataTask } from '../../../src/data/taskShape';

const WS = path.resolve(__dirname, '../../../../test/fixtures/generated/workspace/data');
let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-task-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

const taskOf = async (file: string) => (await detectDataTask(file)).task;

test('the generated NER fixtures are token classification, the sentiment ones classification', async () => {
  for (const f of ['ner/train.conll', 'ner/hf/ner.jsonl', 'ner/hf/ner.parquet', 'ner/ner_tags.jsonl', 'ner/spans.jsonl']) {
    assert.equal(await taskOf(path.join(WS, f)), 'token-classification', f);
  }
  for (const f of ['sentiment_train.csv', 'sentiment.jsonl', 'reviews.txt']) assert.equal(await taskOf(path.join(WS, f)), 'classification', f);
  assert.deepEqual(await detectDataTask(path.join(WS, 'ner/spans.jsonl')),
    { task: 'token-classification', reason: 'spans.jsonl: rows hold a text ("text") and character-span entities ("entities")' });
});

test('SQuAD JSON and question/context rows are question answering', async () => {
  const squad = write('squad.json', JSON.stringify({
    version: 'v2.0',
    data: [{ title: 'Phones', paragraphs: [{ context: 'The battery lasts two days.', qas: [{ id: 'q1', question: 'How long?', answers: [{ text: 'two days', answer_start: 18 }] }] }] }],
  }, null, 2));
  assert.deepEqual(await detectDataTask(squad), { task: 'question-answering', reason: 'squad.json: SQuAD layout (data[].paragraphs[].qas)' });
  const rows = write('qa.jsonl', JSON.stringify({ id: '1', question: 'How long?', context: 'Two days.', answers: { text: ['Two days'], answer_start: [0] } }) + '\n');
  assert.deepEqual(await detectDataTask(rows), { task: 'question-answering', reason: 'qa.jsonl: rows hold "question" and "context" and "answers"' });
  // A "data" key alone is not SQuAD.
  assert.equal(await taskOf(write('other.json', '[{"text": "data paragraphs qas", "label": "x"}]')), 'classification');
});

test('reads a sample only: a malformed row after the first ones does not change the answer', async () => {
  const good = JSON.stringify({ tokens: ['Paris'], ner_tags: ['B-LOC'] });
  const file = write('late.jsonl', `${good}\n${good}\n{"tokens": [\n`);
  assert.equal(await taskOf(file), 'token-classification');
  const prose = write('prose.txt', 'This is a sentence with O\nand another B-LOC line that is prose\n');
  assert.equal(await taskOf(prose), 'classification');
});

test('a missing file is a DatasetError naming it, for detection and loading alike', async () => {
  const missing = path.join(dir, 'nope.conll');
  await assert.rejects(detectDataTask(path.join(dir, 'nope.jsonl')), (e: unknown) => e instanceof DatasetError && e.code === 'file-unreadable');
  await assert.rejects(loadNerDataset(missing), (e: unknown) => e instanceof DatasetError && e.code === 'file-unreadable' && e.message.startsWith(`${missing}: cannot read the file`));
});
