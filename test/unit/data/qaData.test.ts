// QA readers: SQuAD v1.1 / v2.0 JSON and flat JSONL rows, their line numbers, the answer checks and the splits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadQaDataset, loadQaSplits, splitByContext, type QaExample } from '../../../src/data/qa';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-qa-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const CONTEXT = 'The battery lasts two weeks. I charged it for 10 minutes.';
// 0-based offsets: "two weeks" starts at 18, "10 minutes" at 46.

const squadV1 = JSON.stringify({
  version: '1.1',
  data: [{
    title: 'Battery',
    paragraphs: [{
      context: CONTEXT,
      qas: [
        { id: 'q1', question: 'How long does the battery last?', answers: [{ text: 'two weeks', answer_start: 18 }] },
        { id: 'q2', question: 'How long was it charged?', answers: [{ text: '10 minutes', answer_start: 46 }, { text: 'minutes', answer_start: 49 }] },
      ],
    }],
  }],
}, null, 2);

test('SQuAD v1.1 JSON: questions with their context, answers and the line of each question', async () => {
  const file = write('v1.json', squadV1);
  const ds = await loadQaDataset(file);
  assert.equal(ds.format, 'squad');
  assert.equal(ds.version2, false);
  assert.deepEqual(ds.examples.map((e) => [e.id, e.title, e.answers]), [
    ['q1', 'Battery', { text: ['two weeks'], answerStart: [18] }],
    ['q2', 'Battery', { text: ['10 minutes', 'minutes'], answerStart: [46, 49] }],
  ]);
  const lines = squadV1.split('\n');
  for (const e of ds.examples) {
    assert.match(lines[e.line - 1], new RegExp(`"question": "${e.question.replace('?', '\\?')}"`));
  }
  assert.deepEqual(ds.warnings, []);
});

test('SQuAD v2.0: is_impossible questions get no answers (plausible_answers ignored) and mark the set as v2', async () => {
  const file = write('v2.json', JSON.stringify({
    version: 'v2.0',
    data: [{ title: 'T', paragraphs: [{ context: CONTEXT, qas: [
      { id: 'a', question: 'How long?', answers: [{ text: 'two weeks', answer_start: 18 }], is_impossible: false },
      { id: 'b', question: 'Which food?', answers: [], plausible_answers: [{ text: 'battery', answer_start: 4 }], is_impossible: true },
    ] }] }],
  }));
  const ds = await loadQaDataset(file);
  assert.equal(ds.version2, true);
  assert.deepEqual(ds.examples.map((e) => e.answers.text), [['two weeks'], []]);
});

test('an answer that is not at its answer_start: file:line, the id, what is there, and the nearest occurrence', async () => {
  const file = write('bad.json', squadV1.replace('"answer_start": 18', '"answer_start": 20'));
  const line = squadV1.split('\n').findIndex((l) => l.includes('"question": "How long does the battery last?"')) + 1;
  await assert.rejects(loadQaDataset(file), (e: Error) => {
    assert.ok(e.message.includes(`bad.json:${line}:`), e.message);
    assert.ok(e.message.includes('question "q1"'), e.message);
    assert.ok(e.message.includes('the context holds "o weeks. "'), e.message);
    assert.ok(e.message.includes('set answer_start to 18'), e.message);
    return true;
  });
  const nowhere = write('nowhere.json', squadV1.replace('"text": "two weeks"', '"text": "three weeks"'));
  await assert.rejects(loadQaDataset(nowhere), /"three weeks" does not occur in the context; fix the answer text/);
});

test('the official single-line layout (answers before question): messages give line 1 and the question\'s column', async () => {
  const text = JSON.stringify({ version: '1.1', data: [{ title: 'T', paragraphs: [{ context: CONTEXT, qas: [
    { answers: [{ answer_start: 18, text: 'two weeks' }], question: 'How long does the battery last?', id: 'q1' },
    { answers: [{ answer_start: 45, text: '10 minutes' }], question: 'How long was it charged?', id: 'q2' },
  ] }] }] });
  const file = write('one.json', text);
  const column = text.indexOf('"question":"How long was it charged?"') + 1;
  await assert.rejects(loadQaDataset(file), (e: Error) => {
    assert.ok(e.message.includes(`one.json:1:${column}: question "q2" (data[0].paragraphs[0].qas[1])`), e.message);
    assert.ok(e.message.includes('set answer_start to 46'), e.message);
    return true;
  });
});

test('flat JSONL rows as HF datasets writes them; line numbers, missing fields and mismatched lists', async () => {
  const row = (o: object) => JSON.stringify(o);
  const ok = write('qa.jsonl', [
    row({ id: 'r1', title: 'x', question: 'How long?', context: CONTEXT, answers: { text: ['two weeks'], answer_start: [18] } }),
    '',
    row({ question: 'Which food?', context: CONTEXT, answers: { text: [], answer_start: [] } }),
  ].join('\n') + '\n');
  const ds = await loadQaDataset(ok);
  assert.equal(ds.format, 'jsonl');
  assert.equal(ds.version2, true);
  // The row without an id is named by its line.
  assert.deepEqual(ds.examples.map((e) => [e.id, e.line, e.answers.answerStart]), [['r1', 1, [18]], ['3', 3, []]]);

  const noQuestion = write('noq.jsonl', row({ id: 'r1', question: 'ok?', context: CONTEXT, answers: { text: [], answer_start: [] } }) + '\n' +
    row({ id: 'r2', context: CONTEXT, answers: { text: [], answer_start: [] } }) + '\n');
  await assert.rejects(loadQaDataset(noQuestion), /noq\.jsonl:2: question "r2" \(line 2\) has no question: it is missing; expected a non-empty string/);

  const lengths = write('len.jsonl', row({ id: 'r1', question: 'q?', context: CONTEXT, answers: { text: ['two weeks', 'weeks'], answer_start: [18] } }) + '\n');
  await assert.rejects(loadQaDataset(lengths), /len\.jsonl:1: question "r1" \(line 1\) has 2 answer texts but 1 answer_start values/);
});

test('answer_start counts code points as Python does: an emoji before the answer shifts the string index by one', async () => {
  const context = 'Great 😀 case, the strap broke after three days.';
  // Code points: "three days" at 36; in UTF-16 the emoji takes two units, so the string index is 37.
  assert.equal(context.indexOf('three days'), 37);
  const file = write('emoji.jsonl', JSON.stringify({ id: 'e', question: 'How long?', context, answers: { text: ['three days'], answer_start: [36] } }) + '\n');
  const [e] = (await loadQaDataset(file)).examples;
  assert.equal(e.answers.answerStart[0], 37);
  assert.equal(e.context.slice(37, 37 + 'three days'.length), 'three days');
});

test('duplicate ids are a warning naming the lines; a JSON syntax error is placed at its line and column', async () => {
  const row = (id: string) => JSON.stringify({ id, question: 'How long?', context: CONTEXT, answers: { text: ['two weeks'], answer_start: [18] } });
  const dup = write('dup.jsonl', [row('a'), row('b'), row('a')].join('\n') + '\n');
  const ds = await loadQaDataset(dup);
  assert.equal(ds.examples.length, 3);
  assert.equal(ds.warnings.length, 1);
  assert.match(ds.warnings[0], /1 question id is repeated: "a" at line 3 \(first at line 1\)/);

  const broken = write('broken.json', '{\n  "version": "1.1",\n  "data": [\n    {"title": "x",}\n  ]\n}\n');
  await assert.rejects(loadQaDataset(broken), /broken\.json:4:19: invalid JSON/);
});

test('side-by-side files are train and validation; their origins say so', async () => {
  const sub = path.join(dir, 'pair');
  fs.mkdirSync(sub);
  fs.writeFileSync(path.join(sub, 'squad_train.json'), squadV1);
  fs.writeFileSync(path.join(sub, 'squad_validation.json'), squadV1.replace(/"q(\d)"/g, '"v$1"'));
  const s = await loadQaSplits(path.join(sub, 'squad_train.json'), { seed: 1 });
  assert.deepEqual([s.train.length, s.validation.length, s.test.length], [2, 2, 0]);
  assert.deepEqual(s.origins, { validation: 'file squad_validation.json', test: 'none' });
  assert.equal(s.files.validation, path.join(sub, 'squad_validation.json'));
  // Same questions over the same context on both sides: flagged.
  assert.ok(s.warnings.some((w) => w.includes('2 validation questions') && w.includes('optimistic')), s.warnings.join('\n'));
});

test('a lone validation-named file is split, not used as its own validation set', async () => {
  const sub = path.join(dir, 'solo');
  fs.mkdirSync(sub);
  const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `r${i}`, question: 'How long?', context: `${CONTEXT} (${i})`, answers: { text: ['two weeks'], answer_start: [18] } }));
  fs.writeFileSync(path.join(sub, 'solo_validation.jsonl'), rows.join('\n') + '\n');
  const s = await loadQaSplits(path.join(sub, 'solo_validation.jsonl'), { seed: 3, validationRatio: 0.2 });
  assert.deepEqual([s.train.length, s.validation.length], [8, 2]);
  assert.equal(s.origins.validation, '20% random split by context of solo_validation.jsonl (seed 3)');
  assert.equal(s.files.validation, undefined);
});

test('a random split keeps all questions of one context together, hits the ratio and is seeded', () => {
  const examples: QaExample[] = [];
  for (let c = 0; c < 40; c++) {
    for (let q = 0; q < 1 + (c % 3); q++) {
      examples.push({ id: `${c}-${q}`, question: `q${q}`, context: `context ${c}`, answers: { text: [], answerStart: [] }, line: examples.length + 1 });
    }
  }
  // 40 contexts with 1, 2, 3, 1, 2, 3, ... questions: 13·1 + 13·2 + 13·3 + 1 = 79 questions.
  assert.equal(examples.length, 79);
  const a = splitByContext(examples, 0.2, 7);
  assert.equal(a.unit, 'context');
  assert.equal(a.train.length + a.validation.length, 79);
  // Groups are added until 16 (= round(0.2 · 79)) questions are reached; the last group adds at most 2 more.
  assert.ok(a.validation.length >= 16 && a.validation.length <= 18, String(a.validation.length));
  const trainContexts = new Set(a.train.map((e) => e.context));
  assert.ok(a.validation.every((e) => !trainContexts.has(e.context)));
  assert.deepEqual(splitByContext(examples, 0.2, 7).validation.map((e) => e.id), a.validation.map((e) => e.id));
  assert.notDeepEqual(splitByContext(examples, 0.2, 8).validation.map((e) => e.id), a.validation.map((e) => e.id));
});
