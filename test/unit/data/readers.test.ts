// Every reader yields the right rows with the right starting lines, across the awkward cases: BOM, CRLF, quoted
// newlines, bare quotes in TSV, chunk boundaries inside multi-byte characters and JSON elements, Parquet row groups.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readColumnNames, readRows, type RawRow } from '../../../src/data/readers';
import { delimiterOfHeader } from '../../../src/data/readers/delimiter';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-readers-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function all(file: string): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const r of readRows(file)) rows.push(r);
  return rows;
}

test('CSV: BOM, CRLF, quoted commas/quotes/newlines, blank lines; header trimmed', async () => {
  const file = write('a.csv', '\ufefftext , label\r\n"hello, ""world""",pos\r\n\r\n"two\r\nlines",neg\r\nplain,pos');
  assert.deepEqual(await all(file), [
    { row: { text: 'hello, "world"', label: 'pos' }, line: 2 },
    { row: { text: 'two\r\nlines', label: 'neg' }, line: 4 },
    { row: { text: 'plain', label: 'pos' }, line: 6 },
  ]);
  assert.deepEqual(await readColumnNames(file), ['text', 'label']);
});

test('TSV: no quoting, so bare quotes stay part of the text (GLUE convention)', async () => {
  const file = write('a.tsv', 'sentence\tlabel\nit \'s a "charming" film\t1\n"quoted start\t0\n');
  assert.deepEqual(await all(file), [
    { row: { sentence: 'it \'s a "charming" film', label: '1' }, line: 2 },
    { row: { sentence: '"quoted start', label: '0' }, line: 3 },
  ]);
});

test('a multi-byte character split across the 64 KiB read chunks is not an error', async () => {
  // Put "é" (2 bytes) and "€" (3 bytes) across the 65536-byte boundary.
  const filler = 'x'.repeat(65536 - 'text,label\n'.length - 1);
  const file = write('boundary.csv', `text,label\n${filler}é€,pos\nnext,neg\n`);
  const rows = await all(file);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].row.text, `${filler}é€`);
  assert.deepEqual(rows[1], { row: { text: 'next', label: 'neg' }, line: 3 });
});

test('JSONL: blank lines skipped, CRLF accepted, nested values kept', async () => {
  const file = write('a.jsonl', '{"text":"a","labels":["x","y"]}\r\n\r\n{"text":"b","labels":[]}\n');
  assert.deepEqual(await all(file), [
    { row: { text: 'a', labels: ['x', 'y'] }, line: 1 },
    { row: { text: 'b', labels: [] }, line: 3 },
  ]);
});

test('JSON array: elements split across read chunks, strings with brackets and escaped quotes', async () => {
  const long = 'y'.repeat(70000);
  const rows = [
    { text: 'brackets ] } , [ { inside', label: 1 },
    { text: 'escaped \\" quote', label: 0 },
    { text: long, label: 1 },
    { text: 'last', label: 0 },
  ];
  const file = write('a.json', `[\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n]\n`);
  const read = await all(file);
  assert.deepEqual(read.map((r) => r.row), rows);
  assert.deepEqual(read.map((r) => r.line), [2, 3, 4, 5]);
  assert.deepEqual(await all(write('empty.json', ' [ ] ')), []);
});

test('".json" written as JSON Lines (Hugging Face Dataset.to_json) is read line by line', async () => {
  const file = write('hf.json', '{"text":"a","label":0}\n{"text":"b","label":1}\n');
  assert.deepEqual(await all(file), [{ row: { text: 'a', label: 0 }, line: 1 }, { row: { text: 'b', label: 1 }, line: 2 }]);
});

test('Parquet: rows from several row groups, int64 as numbers, row numbers', async () => {
  const n = 25;
  const texts = Array.from({ length: n }, (_, i) => `review ${i}`);
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'text', data: texts, type: 'STRING' },
      { name: 'label', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3)), type: 'INT64' },
      { name: 'score', data: Float64Array.from({ length: n }, (_, i) => i / 4), type: 'DOUBLE' },
    ],
    rowGroupSize: 10,
  });
  assert.equal(parquetMetadata(buffer).row_groups.length, 3);
  const file = write('a.parquet', new Uint8Array(buffer));
  const rows = await all(file);
  assert.equal(rows.length, n);
  assert.deepEqual(rows[0], { row: { text: 'review 0', label: 0, score: 0 }, line: 1 });
  assert.deepEqual(rows[24], { row: { text: 'review 24', label: 0, score: 6 }, line: 25 });
  assert.deepEqual(rows.map((r) => r.row.label), Array.from({ length: n }, (_, i) => i % 3));
  assert.deepEqual(await readColumnNames(file), ['text', 'label', 'score']);
});

test('text and markdown: one row per non-blank line, trimmed', async () => {
  const file = write('corpus.txt', 'First line.\n\n  Second line.  \r\nThird');
  assert.deepEqual(await all(file), [
    { row: { text: 'First line.' }, line: 1 },
    { row: { text: 'Second line.' }, line: 3 },
    { row: { text: 'Third' }, line: 4 },
  ]);
});

test('stopping early releases the file (no leaked stream keeps the process alive)', async () => {
  const file = write('many.csv', `text,label\n${Array.from({ length: 5000 }, (_, i) => `t${i},${i % 2}`).join('\n')}\n`);
  let n = 0;
  for await (const r of readRows(file)) {
    if (++n === 3) {
      assert.equal(r.line, 4);
      break;
    }
  }
  assert.equal(n, 3);
});

test('a ".csv" saved with semicolons or tabs is read with its real delimiter', async () => {
  assert.equal(delimiterOfHeader('text;label'), ';');
  assert.equal(delimiterOfHeader('"a;b",c'), ',');
  assert.equal(delimiterOfHeader('text\tlabel\tsource'), '\t');
  assert.equal(delimiterOfHeader('text'), ',');
  const file = write('excel.csv', 'text;label\n"one; two";pos\nthree, four;neg\n');
  assert.deepEqual(await readColumnNames(file), ['text', 'label']);
  assert.deepEqual((await all(file)).map((r) => r.row), [{ text: 'one; two', label: 'pos' }, { text: 'three, four', label: 'neg' }]);
});
