// What the Datasets view shows for a file: counts checked against numbers derived independently from the rows the
// test writes, in each format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { summarizeDataset } from '../../../src/data/summary';
import { datasetRefusal } from '../../../src/data/summaryText';
import { findDatasetFiles } from '../../../src/data/discovery';
import { loadExamples } from '../../../src/data/examples';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-summary-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ROWS: [string, string][] = [
  ['I loved this film', 'pos'], ['Terrible acting', 'neg'], ['', 'neg'], ['I loved this film', 'pos'],
  ['Not bad at all', 'pos'], ['', ''], ['Meh', 'neutral'], ['Great soundtrack', ''],
];

/** Words + 2 specials: a tokenizer whose lengths the test can compute by hand. */
const wordTokenizer = (texts: string[] | [string, string][]) =>
  texts.map((t) => Array.from({ length: (typeof t === 'string' ? t : t.join(' ')).split(/\s+/).filter(Boolean).length + 2 }, (_, i) => i));

test('CSV summary: rows, columns, mapping, label distribution in label order, duplicates, empties, token lengths', async () => {
  const file = path.join(dir, 'reviews.csv');
  fs.writeFileSync(file, ['review,sentiment,id', ...ROWS.map(([t, l], i) => `${t},${l},${i}`)].join('\n') + '\n');
  const result = await summarizeDataset(file, { tokenize: wordTokenizer });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const s = result.value;
  assert.equal(s.rows, 8);
  assert.deepEqual(s.columns, ['review', 'sentiment', 'id']);
  assert.deepEqual(s.mapping, { text: 'review', label: 'sentiment', labelKind: 'string' });
  assert.deepEqual(s.labelDistribution, [{ label: 'neg', count: 2 }, { label: 'neutral', count: 1 }, { label: 'pos', count: 3 }]);
  assert.equal(s.unlabeledRows, 2);
  assert.equal(s.emptyText, 2);
  // Rows 3 and 6 have empty text: the second empty text and the repeated "I loved this film" are duplicates.
  assert.equal(s.duplicateRows, 2);
  assert.equal(s.emptyRows, 0); // the id column is never empty
  // Word counts 4, 2, 0, 4, 4, 0, 1, 2 → +2 each: 6, 4, 2, 6, 6, 2, 3, 4.
  assert.deepEqual(s.tokens, { counted: 8, average: 33 / 8, max: 6 });
  assert.equal(s.sizeBytes, fs.statSync(file).size);
  assert.deepEqual(s.problems, []);
});

test('JSONL regression and multi-label summaries', async () => {
  const reg = path.join(dir, 'scores.jsonl');
  fs.writeFileSync(reg, [0.5, 2, 3.5].map((y, i) => JSON.stringify({ sentence: `s${i}`, score: y })).join('\n'));
  const r = await summarizeDataset(reg);
  assert.ok(r.ok);
  assert.equal(r.value.labelKind, 'float');
  assert.deepEqual(r.value.targetRange, { min: 0.5, max: 3.5, mean: 2 });
  assert.deepEqual(r.value.labelDistribution, []);

  const multi = path.join(dir, 'topics.jsonl');
  fs.writeFileSync(multi, [['a', 'b'], ['b'], ['c', 'b']].map((l, i) => JSON.stringify({ text: `t${i}`, labels: l })).join('\n'));
  const m = await summarizeDataset(multi);
  assert.ok(m.ok);
  assert.deepEqual(m.value.labelDistribution, [{ label: 'a', count: 1 }, { label: 'b', count: 3 }, { label: 'c', count: 1 }]);
});

test('a file with mixed label types is still summarised, with the problem listed', async () => {
  const file = path.join(dir, 'mixed.csv');
  fs.writeFileSync(file, 'text,label\na,1\nb,pos\n');
  const r = await summarizeDataset(file);
  assert.ok(r.ok);
  assert.equal(r.value.rows, 2);
  assert.deepEqual(r.value.labelDistribution, [{ label: '1', count: 1 }, { label: 'pos', count: 1 }]);
  assert.equal(r.value.problems.length, 1);
  assert.match(r.value.problems[0], /mixed\.csv:3: the label column "label" mixes numbers \(first at line 2: "1"\) and text/);
});

test('maxRows stops early and marks the summary incomplete; an aborted signal cancels', async () => {
  const file = path.join(dir, 'long.csv');
  fs.writeFileSync(file, ['text,label', ...Array.from({ length: 100 }, (_, i) => `t${i},${i % 2}`)].join('\n'));
  const partial = await summarizeDataset(file, { maxRows: 10 });
  assert.ok(partial.ok);
  assert.equal(partial.value.rows, 10);
  assert.equal(partial.value.complete, false);
  assert.deepEqual(partial.value.labelDistribution, [{ label: '0', count: 5 }, { label: '1', count: 5 }]);
  const whole = await summarizeDataset(file, { maxRows: 100 });
  assert.ok(whole.ok && whole.value.complete && whole.value.rows === 100);
  const controller = new AbortController();
  controller.abort();
  const cancelled = await summarizeDataset(file, { signal: controller.signal });
  assert.equal(cancelled.ok, false);
  if (!cancelled.ok) assert.equal(cancelled.error.code, 'cancelled');
});

test('a CSV written by pandas: unnamed index column and list labels in Python repr', async () => {
  const file = path.join(dir, 'pandas.csv');
  fs.writeFileSync(file, ',text,labels\n0,about football,"[\'sports\']"\n1,election news,"[\'politics\', \'news\']"\n2,match report,"[\'sports\', \'news\']"\n');
  const r = await loadExamples(file);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.columns, ['Unnamed: 0', 'text', 'labels']);
  assert.deepEqual(r.value.mapping, { text: 'text', label: 'labels', labelKind: 'multi' });
  assert.deepEqual(r.value.labels?.names, ['news', 'politics', 'sports']);
  assert.deepEqual(r.value.examples.map((e) => e.label), [[2], [0, 1], [0, 2]]);
});

test('Parquet with a list label column loads as multi-label; messages say "row" for Parquet', async () => {
  const file = path.join(dir, 'topics.parquet');
  fs.writeFileSync(file, new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: 'text', data: ['goal scored', 'vote counted', 'vote on stadium', 'rain'], type: 'STRING' },
      { name: 'labels', data: [['sports'], ['politics'], ['politics', 'sports'], []] },
    ],
  })));
  const r = await loadExamples(file);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.mapping, { text: 'text', label: 'labels', labelKind: 'multi' });
  assert.deepEqual(r.value.examples.map((e) => e.label), [[1], [0], [0, 1], []]);
  const mixed = path.join(dir, 'mixed.parquet');
  fs.writeFileSync(mixed, new Uint8Array(parquetWriteBuffer({
    columnData: [{ name: 'text', data: ['a', 'b', 'c'], type: 'STRING' }, { name: 'label', data: ['1', '0', 'pos'], type: 'STRING' }],
  })));
  const m = await loadExamples(mixed);
  assert.equal(m.ok, false);
  if (!m.ok) assert.match(m.error.message, /mixed\.parquet row 3: the label column "label" mixes numbers \(first at row 1: "1"\) and text \(first at row 3: "pos"\)/);
});

test('a malformed file gives a typed failure with its location', async () => {
  const file = path.join(dir, 'broken.jsonl');
  fs.writeFileSync(file, '{"text": "a", "label": 1}\n{"text": "b" "label": 0}\n');
  const r = await summarizeDataset(file);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /broken\.jsonl:2:14: invalid JSON: expected ',' or '}' after a property value but found '"'$/);
});

test('discovery finds dataset files and skips configs, READMEs and dependency folders', async () => {
  const ws = path.join(dir, 'ws');
  for (const f of ['data/train.csv', 'data/dev.jsonl', 'corpus/notes.txt', 'README.md', 'model/config.json', 'node_modules/x/data.csv', 'data/table.parquet']) {
    fs.mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
    fs.writeFileSync(path.join(ws, f), 'x');
  }
  const found = (await findDatasetFiles(ws)).map((f) => path.relative(ws, f).split(path.sep).join('/'));
  assert.deepEqual(found, ['corpus/notes.txt', 'data/dev.jsonl', 'data/table.parquet', 'data/train.csv']);
});

test('unlabeled text corpus: examples without labels for MLM', async () => {
  const file = path.join(dir, 'corpus.md');
  fs.writeFileSync(file, '# Title\n\nSome paragraph.\n');
  const r = await loadExamples(file);
  assert.ok(r.ok);
  assert.deepEqual(r.value.examples, [{ text: '# Title', line: 1 }, { text: 'Some paragraph.', line: 3 }]);
  assert.equal(r.value.labels, undefined);
});

test('a single-class or label-less file is blocking, with the reason the Datasets view and the flow show', async () => {
  const one = path.join(dir, 'one-class.csv');
  fs.writeFileSync(one, 'text,label\na,pos\nb,pos\nc,pos\n');
  const r = await summarizeDataset(one);
  assert.ok(r.ok);
  const reason = 'every labelled row has the label "pos" (column "label", 3 rows); a classifier needs at least two classes.';
  assert.deepEqual(r.value.blocking, [reason]);
  assert.ok(r.value.problems.includes(reason));
  assert.equal(datasetRefusal({ summary: r.value }), reason);
  // The trainer refuses the same file.
  await assert.rejects(async () => {
    const ex = await loadExamples(one);
    if (!ex.ok) throw ex.error;
  }, /a classifier needs at least two classes/);

  // Two classes: nothing blocks. Regression and unlabeled text never need classes.
  const two = path.join(dir, 'two-class.csv');
  fs.writeFileSync(two, 'text,label\na,pos\nb,neg\n');
  const ok = await summarizeDataset(two);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.blocking, []);
  assert.equal(datasetRefusal({ summary: ok.value }), undefined);
  const reg = path.join(dir, 'one-score.jsonl');
  fs.writeFileSync(reg, [1.5, 1.5].map((y, i) => JSON.stringify({ text: `t${i}`, score: y })).join('\n'));
  const regression = await summarizeDataset(reg);
  assert.ok(regression.ok);
  assert.deepEqual(regression.value.blocking, []);

  // Cut at maxRows, the other class may come later: not blocking.
  const cut = await summarizeDataset(one, { maxRows: 2 });
  assert.ok(cut.ok);
  assert.deepEqual(cut.value.blocking, []);
  // A file that cannot be read is refused with the view's problem.
  assert.equal(datasetRefusal({ problem: 'the file has no data rows' }), 'the file has no data rows');
});
