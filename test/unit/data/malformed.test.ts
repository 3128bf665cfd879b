// Malformed dataset files, each generated here, each with the exact message a user would see. Every case goes through
// the public entry point (loadExamples), which must return a typed failure rather than throw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExamples, type LoadOptions } from '../../../src/data/examples';
import { ColumnError, InvalidUtf8Error, LabelError, MalformedRowError, type DatasetError } from '../../../src/data/errors';

let dir = '';
const startDir = process.cwd();
before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ft-malformed-')));
  // Messages show paths relative to the working directory; running from the temp folder keeps them short here.
  process.chdir(dir);
});
// The temp folder went unremoved before; a folder per run piled up in /tmp.
after(() => {
  process.chdir(startDir);
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

async function failure(name: string, content: string | Buffer, opts?: LoadOptions): Promise<DatasetError> {
  const result = await loadExamples(write(name, content), opts);
  assert.equal(result.ok, false, `${name} should fail to load`);
  if (result.ok) throw new Error('unreachable');
  return result.error;
}

// 1
test('CSV: a quoted field that never closes points at its opening quote', async () => {
  const e = await failure('unclosed.csv', 'text,label\ngood row,pos\nbad,"neg\nmore,pos\n');
  assert.ok(e instanceof MalformedRowError);
  assert.equal(e.code, 'unclosed-quote');
  assert.equal(e.message, 'unclosed.csv:3:5: this quoted field is never closed (missing ")');
});

// 2
test('CSV: a bare quote inside an unquoted field', async () => {
  const e = await failure('barequote.csv', 'text,label\nhe said "hi",pos\n');
  assert.equal(e.code, 'invalid-quote');
  assert.equal(e.message,
    'barequote.csv:2:9: a quote inside an unquoted field; quote the whole field and double the inner quotes (e.g. "say ""hi""")');
});

// 3
test('CSV: text after a closing quote', async () => {
  const e = await failure('afterquote.csv', 'text,label\n"fine",pos\n"oops"x,neg\n');
  assert.equal(e.code, 'invalid-quote');
  assert.equal(e.message,
    'afterquote.csv:3:7: unexpected "x" after a closing quote; inside a quoted field write a quote as "" (e.g. "say ""hi""")');
});

// 4
test('CSV: too many fields points at the first extra field', async () => {
  const e = await failure('toomany.csv', 'text,label\nok,pos\nhello, world,neg\n');
  assert.equal(e.code, 'field-count');
  assert.equal(e.message,
    `toomany.csv:3:14: expected 2 fields (text, label) as in the header but found 3. Quote fields that contain ',' (e.g. "a, b").`);
});

// 5
test('CSV: too few fields points at the end of the record', async () => {
  const e = await failure('toofew.csv', 'text,label,source\nok,pos,web\nshort,neg\n');
  assert.equal(e.code, 'field-count');
  assert.equal(e.message,
    "toofew.csv:3:10: expected 3 fields (text, label, source) as in the header but found 2. Add the missing field(s) or check for a ',' missing between fields.");
});

// 6
test('CSV with CRLF and a multi-line quoted field: the line number is still exact', async () => {
  const e = await failure('crlf.csv', 'text,label\r\n"two\r\nlines",pos\r\n"ok",neg\r\nx,y,z\r\n');
  assert.equal(e.code, 'field-count');
  assert.equal(e.message,
    `crlf.csv:5:5: expected 2 fields (text, label) as in the header but found 3. Quote fields that contain ',' (e.g. "a, b").`);
});

// 7
test('TSV: a row with a tab too many', async () => {
  const e = await failure('tabs.tsv', 'sentence\tlabel\nit is "fine"\t1\nbad\trow\t0\n');
  assert.equal(e.code, 'field-count');
  assert.equal(e.message,
    'tabs.tsv:3:9: expected 2 fields (sentence, label) as in the header but found 3. A field contains a tab character.');
});

test('TSV with CRLF and bare quotes: too few fields points just past the last character', async () => {
  const e = await failure('short.tsv', 'sentence\tlabel\tsource\r\nsay "hi"\t1\tweb\r\nit "works"\t0\r\n');
  assert.equal(e.code, 'field-count');
  assert.equal(e.message,
    "short.tsv:3:13: expected 3 fields (sentence, label, source) as in the header but found 2. Add the missing field(s) or check for a tab missing between fields.");
});

// 8
test('JSONL: a missing value is reported at its line and column', async () => {
  const e = await failure('missing.jsonl', '{"text": "a", "label": 1}\n{"text": "b", "label": }\n');
  assert.equal(e.code, 'bad-json');
  assert.equal(e.message, "missing.jsonl:2:24: invalid JSON: expected a value but found '}'");
});

// 9
test('JSONL: an unterminated string', async () => {
  const e = await failure('unterminated.jsonl', '{"text": "a", "label": 1}\n\n{"text": "b, "label": 0}\n');
  assert.equal(e.code, 'bad-json');
  assert.equal(e.message, "unterminated.jsonl:3:15: invalid JSON: expected ',' or '}' after a property value but found 'l'");
});

// 10
test('JSONL: a row that is not an object', async () => {
  const e = await failure('array.jsonl', '{"text": "a", "label": 1}\n["b", 0]\n');
  assert.equal(e.code, 'row-not-object');
  assert.equal(e.message, 'array.jsonl:2:1: expected a JSON object like {"text": ..., "label": ...} but found an array');
});

// 11
test('JSONL: single-quoted keys (Python repr, not JSON)', async () => {
  const e = await failure('python.jsonl', "{'text': 'a', 'label': 1}\n");
  assert.equal(e.message, "python.jsonl:1:2: invalid JSON: expected a property name in double quotes but found '''");
});

// 12
test('JSON: a missing comma inside an element of the array', async () => {
  const e = await failure('nocomma.json', '[\n  {"text": "a", "label": 1},\n  {"text": "b" "label": 0}\n]\n');
  assert.equal(e.code, 'bad-json');
  assert.equal(e.message, "nocomma.json:3:16: invalid JSON: expected ',' or '}' after a property value but found '\"'");
});

// 13
test('JSON: one pretty-printed object instead of rows', async () => {
  const e = await failure('object.json', '{\n  "data": [{"text": "a", "label": 1}]\n}\n');
  assert.equal(e.code, 'json-not-array');
  assert.equal(e.message,
    'object.json:1:1: expected a JSON array of row objects ([{...}, {...}]) or one object per line, but the file holds one object; write one object per line, or wrap the rows in [ ]');
  const scalar = await failure('scalar.json', '  "just text"');
  assert.equal(scalar.message, "scalar.json:1:3: expected a JSON array of row objects ([{...}, {...}]) but found '\"'");
});

// 14
test('JSON: a trailing comma before ]', async () => {
  const e = await failure('trailing.json', '[{"text": "a", "label": 1},\n {"text": "b", "label": 0},\n]');
  assert.equal(e.code, 'bad-json');
  assert.equal(e.message, "trailing.json:3:1: invalid JSON: a trailing ',' before ']'");
});

// 15
test('JSON: an array that is never closed', async () => {
  const e = await failure('open.json', '[{"text": "a", "label": 1},\n {"text": "b", "label": 0}\n');
  assert.equal(e.code, 'json-not-array');
  assert.equal(e.message, "open.json:3:1: the array is never closed (missing ']' at the end of the file)");
});

// 16
test('invalid UTF-8: byte offset and line:column (in characters) of the bad byte', async () => {
  const bytes = Buffer.concat([Buffer.from('text,label\ncafé ok,pos\nnaïve '), Buffer.from([0xe9]), Buffer.from(' bad,neg\n')]);
  const e = await failure('latin1.csv', bytes);
  assert.ok(e instanceof InvalidUtf8Error);
  // "text,label\n" = 11 bytes, "café ok,pos\n" = 13 bytes (é is 2), "naïve " = 7 bytes (ï is 2): offset 31.
  assert.equal(e.byteOffset, 31);
  assert.equal(e.message,
    'latin1.csv:3:7: invalid UTF-8 byte 0xe9 at byte offset 31; re-save the file as UTF-8 (e.g. VS Code: "Save with Encoding" → UTF-8)');
});

// 17
test('invalid UTF-8: a multi-byte sequence cut off by the end of the file', async () => {
  const bytes = Buffer.concat([Buffer.from('{"text": "a", "label": 1}\n{"text": "'), Buffer.from([0xe2, 0x82])]);
  const e = await failure('cut.jsonl', bytes);
  assert.equal(e.code, 'invalid-utf8');
  assert.equal(e.message,
    'cut.jsonl:2:11: invalid UTF-8 byte 0xe2 at byte offset 36; re-save the file as UTF-8 (e.g. VS Code: "Save with Encoding" → UTF-8)');
});

// 18
test('an override naming a column that does not exist suggests the closest names', async () => {
  const e = await failure('typo.csv', 'text,label,labels_v2\na,pos,x\nb,neg,y\n', { mapping: { label: 'lable' } });
  assert.ok(e instanceof ColumnError);
  assert.equal(e.code, 'missing-column');
  assert.deepEqual(e.suggestions, ['label']);
  assert.equal(e.message, 'typo.csv: the label column "lable" is not in the file. Did you mean "label"? Columns: text, label, labels_v2');
});

// 19
test('a JSONL row without the text field names the line and the fields it has', async () => {
  const e = await failure('nokey.jsonl', '{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n{"txt": "c", "label": 1}\n');
  assert.equal(e.code, 'missing-column');
  assert.equal(e.message, 'nokey.jsonl:3: this row has no "text" field. Did you mean "txt"? Fields here: txt, label');
  assert.deepEqual((e as ColumnError).suggestions, ['txt']);
});

// 20
test('no text column at all', async () => {
  const e = await failure('numbers.csv', 'id,score\n1,0.5\n2,0.25\n');
  assert.equal(e.code, 'no-text-column');
  assert.equal(e.message,
    'numbers.csv: no text column found among: id, score. Name the text column "text" (or "sentence", "premise"/"hypothesis" for pairs), or choose it in the run settings.');
});

// 21
test('a single class', async () => {
  const e = await failure('oneclass.csv', 'text,label\na,pos\nb,pos\nc,pos\n');
  assert.ok(e instanceof LabelError);
  assert.equal(e.code, 'single-class');
  assert.equal(e.message,
    'oneclass.csv: every row has the label "pos" (column "label", 3 rows); a classifier needs at least two classes. Check that the label column is right, or add examples of the other classes.');
});

// 22
test('mixed label types in the sampled rows', async () => {
  const e = await failure('mixed.csv', 'text,label\na,1\nb,0\nc,positive\n');
  assert.equal(e.code, 'mixed-label-types');
  assert.equal(e.message,
    'mixed.csv:4: the label column "label" mixes numbers (first at line 2: "1") and text (first at line 4: "positive"). Make every label the same type, or set the label type to "string" to treat numbers as class names.');
  // The suggested override works.
  const ok = await loadExamples('mixed.csv', { mapping: { labelKind: 'string' } });
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.labels?.names, ['0', '1', 'positive']);
});

// 23
test('mixed label types after the sampled rows are reported at their line', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => `row ${i},${(i % 5) * 0.5}`);
  const e = await failure('regression.csv', ['text,score', ...rows, 'late,high', ''].join('\n'), { sampleRows: 10 });
  assert.equal(e.code, 'mixed-label-types');
  assert.equal(e.message,
    'regression.csv:32: label column "score": expected a number for regression but found "high"; the first rows hold numbers. Make every label the same type, or set the label type to "string" to treat numbers as class names.');
});

// 24
test('evaluation labels that never occur in training', async () => {
  const train = await loadExamples(write('train.csv', 'text,label\na,neg\nb,pos\n'));
  assert.ok(train.ok);
  const e = await failure('dev.csv', 'text,label\nc,pos\nd,neutral\ne,neutral\nf,other\n', { labels: train.value.labels });
  assert.equal(e.code, 'unseen-eval-labels');
  assert.equal(e.message,
    'dev.csv:3: label(s) "neutral" (2 row(s), first at line 3), "other" (1 row(s), first at line 5) never occur in the training data (training labels: neg, pos). The model cannot predict them: remove those rows or add examples of them to the training file.');
});

// 25
test('every text empty', async () => {
  const e = await failure('blank.csv', 'text,label\n,pos\n  ,neg\n');
  assert.equal(e.code, 'empty-dataset');
  assert.equal(e.message, 'blank.csv: every row\'s text is empty (column "text")');
});

// 26
test('a file that is not Parquet despite its name', async () => {
  const e = await failure('fake.parquet', 'text,label\na,b\n');
  assert.equal(e.code, 'bad-parquet');
  assert.match(e.message, /^fake\.parquet: not a readable Parquet file \(.+\)$/);
});

// 27
test('an empty file and an unsupported extension', async () => {
  const empty = await failure('empty.jsonl', '');
  assert.equal(empty.message, 'empty.jsonl: the file has no data rows');
  const xlsx = await failure('sheet.xlsx', 'PK');
  assert.equal(xlsx.code, 'unsupported-format');
  assert.equal(xlsx.message, 'sheet.xlsx: unsupported file type; use .csv, .tsv, .jsonl, .json, .parquet, or .txt/.md for unlabeled text');
});

// 28
test('a list where single labels are expected', async () => {
  const rows = Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `t${i}`, label: i % 2 ? 'a' : 'b' }));
  const e = await failure('listlabel.jsonl', [...rows, '{"text": "x", "label": ["a", "b"]}'].join('\n'), { sampleRows: 5 });
  assert.equal(e.code, 'bad-label');
  assert.equal(e.message,
    'listlabel.jsonl:6: label column "label": expected one label but found a list ["a","b"]; the first rows hold single labels. Give every row a single label, or set the label type to "multi" for multi-label data.');
});

// 29
test('CSV: a header that repeats a column name', async () => {
  const e = await failure('dupe.csv', 'text,label,text\na,b,c\n');
  assert.equal(e.code, 'duplicate-column');
  assert.equal(e.message, 'dupe.csv:1:12: the header repeats the column name "text"; rename one of them so every column has its own name');
});

test('a missing file is a typed failure, not an exception', async () => {
  const result = await loadExamples(path.join(dir, 'nowhere.csv'));
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, 'file-unreadable');
    assert.match(result.error.message, /^nowhere\.csv: cannot read the file \(ENOENT: /);
  }
});

test('recoverable problems are warnings with their lines: empty text, unlabeled rows, duplicates', async () => {
  const result = await loadExamples(write('warn.csv', 'text,label\na,pos\n,neg\nb,\na,pos\nc,neg\n'));
  assert.ok(result.ok);
  assert.equal(result.value.examples.length, 3);
  assert.deepEqual(result.warnings.map((w) => [w.code, w.lines, w.message]), [
    ['empty-text', [3], '1 row(s) with empty text were skipped (line 3).'],
    ['unlabeled-rows', [4], '1 row(s) without a label were skipped (line 4).'],
    ['duplicate-rows', [5], "1 row(s) repeat an earlier row's text (line 5); duplicates weigh those examples more."],
  ]);
});
