// Label typing that never guesses silently (issue 19, item 3): each hostile case from the issue, with the exact message
// a user sees. Files are generated here; every case goes through the public entry points.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadExamples, type LoadOptions } from '../../../src/data/examples';
import type { DatasetError } from '../../../src/data/errors';
import { prepareDataset } from '../../../src/data/prepare';
import { summarizeDataset } from '../../../src/data/summary';
import { describeChange, fingerprintOf, rowsOfUnchangedFile } from '../../../src/data/fingerprint';
import { readRows } from '../../../src/data/readers';
import { quoteUnsafeIntegers } from '../../../src/data/readers/exactIntegers';
import { integerKey, isMissingLabel, sortLabelNames } from '../../../src/data/labels';
import { prepareData } from '../../../src/training/prepareData';

let dir = '';
const cwd = process.cwd();
before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ft-labels-')));
  process.chdir(dir); // messages show paths relative to the working directory
});
after(() => {
  process.chdir(cwd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Uint8Array): string {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

async function loaded(name: string, content: string | Uint8Array, opts?: LoadOptions) {
  const r = await loadExamples(write(name, content), opts);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return { ...r.value, warnings: r.warnings };
}

async function failure(name: string, content: string | Uint8Array, opts?: LoadOptions): Promise<DatasetError> {
  const r = await loadExamples(write(name, content), opts);
  assert.equal(r.ok, false, `${name} should fail to load`);
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

const csv = (rows: [string, string][]) => ['text,label', ...rows.map(([t, l]) => `${t},${l}`)].join('\n') + '\n';

test('a label containing ";" stays one class and the delimiter is only suggested, loudly', async () => {
  const d = await loaded('genres.csv', csv([['a', 'Rock;Pop'], ['b', 'Jazz'], ['c', 'Pop']]));
  assert.equal(d.mapping.labelKind, 'string');
  assert.equal(d.mapping.labelDelimiter, undefined);
  assert.deepEqual(d.labels?.names, ['Jazz', 'Pop', 'Rock;Pop']);
  assert.deepEqual(d.warnings.map((w) => [w.code, w.lines, w.message]), [[
    'label-delimiter-suggested', [2],
    'label column "label": 1 of 3 sampled labels contain ";" (first at line 2: "Rock;Pop"); each is read as one class name, ' +
    'not as several labels. If a row can have several labels, set labelKind "multi" and labelDelimiter ";" in the column mapping.',
  ]]);
  // The user's choice of a delimiter is what makes the column multi-label.
  const multi = await loaded('genres.csv', csv([['a', 'Rock;Pop'], ['b', 'Jazz'], ['c', 'Pop']]), { mapping: { labelDelimiter: ';' } });
  assert.equal(multi.mapping.labelKind, 'multi');
  assert.deepEqual(multi.labels, { kind: 'multi', names: ['Jazz', 'Pop', 'Rock'], delimiter: ';' });
  assert.deepEqual(multi.examples.map((e) => e.label), [[1, 2], [0], [1]]);
  assert.deepEqual(multi.warnings, []);
  // The Datasets view says it too.
  const s = await summarizeDataset('genres.csv');
  assert.ok(s.ok);
  assert.deepEqual(s.value.problems, [d.warnings[0].message]);
});

test('"NaN", "nan", "None" and empty labels follow one rule: skipped and counted, never classes', async () => {
  const d = await loaded('nan.csv', csv([['a', 'pos'], ['b', 'NaN'], ['c', 'neg'], ['d', 'nan'], ['e', ''], ['f', 'nan'], ['g', 'None']]));
  assert.deepEqual(d.labels?.names, ['neg', 'pos']);
  assert.deepEqual(d.examples.map((e) => e.text), ['a', 'c']);
  assert.deepEqual(d.warnings.map((w) => [w.code, w.lines, w.count, w.message]), [[
    'unlabeled-rows', [3, 5, 6, 7, 8], 5,
    '5 row(s) without a label were skipped (line 3, 5, 6, 7, 8). Missing-value labels ("nan" ×2, "NaN" ×1, empty ×1, "None" ×1) ' +
    'are skipped like empty ones, never made classes.',
  ]]);
  // An integer column with pandas' missing values is still an integer column, not a mix of numbers and text.
  const ints = await loaded('intnan.csv', csv([['a', '1'], ['b', 'nan'], ['c', '0'], ['d', 'NaN']]));
  assert.equal(ints.mapping.labelKind, 'int');
  assert.deepEqual(ints.labels?.names, ['0', '1']);
  assert.equal(ints.warnings[0].count, 2);
  // JSON null is the same missing value.
  const json = await loaded('null.jsonl', ['{"text":"a","label":"x"}', '{"text":"b","label":null}', '{"text":"c","label":"y"}', '{"text":"d","label":"NaN"}'].join('\n'));
  assert.deepEqual(json.labels?.names, ['x', 'y']);
  assert.equal(json.warnings[0].message,
    '2 row(s) without a label were skipped (line 2, 4). Missing-value labels (null ×1, "NaN" ×1) are skipped like empty ones, never made classes.');
  // The summary counts them the same way.
  const s = await summarizeDataset('nan.csv');
  assert.ok(s.ok);
  assert.equal(s.value.unlabeledRows, 5);
  assert.deepEqual(s.value.labelDistribution, [{ label: 'neg', count: 1 }, { label: 'pos', count: 1 }]);
  assert.equal(isMissingLabel(Number.NaN), true);
  assert.equal(isMissingLabel('none'), false); // pandas' list is case-sensitive: "none" is a word, "None" a missing value
});

test('2^60 and 2^60+1 stay two classes in CSV, JSON Lines and Parquet (read from the text, never through a double)', async () => {
  const a = (2n ** 60n).toString();
  const b = (2n ** 60n + 1n).toString();
  assert.equal(Number(a), Number(b)); // the bug: as doubles they are one number
  const fromCsv = await loaded('big.csv', csv([['x', b], ['y', a], ['z', `+0${a}`], ['w', `${b}.0`]]));
  assert.equal(fromCsv.mapping.labelKind, 'int');
  assert.deepEqual(fromCsv.labels?.names, [a, b]);
  assert.deepEqual(fromCsv.examples.map((e) => e.label), [1, 0, 0, 1]);
  const fromJsonl = await loaded('big.jsonl', `{"text":"x","label":${b}}\n{"text":"y","label":${a}}\n{"text":"z","label":-${b}}\n`);
  assert.deepEqual(fromJsonl.labels?.names, [`-${b}`, a, b]);
  assert.deepEqual(fromJsonl.examples.map((e) => e.label), [2, 1, 0]);
  const fromJsonArray = await loaded('big.json', `[{"text":"x","label":${b}},{"text":"y","label":${a}}]`);
  assert.deepEqual(fromJsonArray.labels?.names, [a, b]);
  const pq = parquetWriteBuffer({ columnData: [
    { name: 'text', data: ['x', 'y'], type: 'STRING' },
    { name: 'label', data: [2n ** 60n + 1n, 2n ** 60n], type: 'INT64' },
  ] });
  const fromParquet = await loaded('big.parquet', new Uint8Array(pq));
  assert.deepEqual(fromParquet.labels?.names, [a, b]);
  assert.deepEqual(fromParquet.examples.map((e) => e.label), [1, 0]);
  // Safe integers, strings and floats are untouched; only unquoted out-of-range integers become their exact digits.
  assert.equal(quoteUnsafeIntegers(`{"a":"${b}","b":${b},"c":1.5e300,"d":12345678901234567.5,"e":[${a}]}`),
    `{"a":"${b}","b":"${b}","c":1.5e300,"d":12345678901234567.5,"e":["${a}"]}`);
  assert.equal(integerKey('-0'), '0');
  assert.equal(integerKey('007'), '7');
  assert.deepEqual(sortLabelNames([b, a, '-3', '10']), ['-3', '10', a, b]);
});

test('columnar JSON is refused with its shape named and the conversion that fixes it', async () => {
  const fix = 'which is columns, not rows. Write one row per object instead, e.g. in Python: ' +
    'pandas.DataFrame(data).to_json("train.jsonl", orient="records", lines=True).';
  const oneLine = await failure('cols.json', '{"text": ["good", "bad", "fine"], "label": [1, 0, 1]}\n');
  assert.equal(oneLine.code, 'columnar-json');
  assert.equal(oneLine.message,
    `cols.json:1:1: the file holds one object whose fields are lists of column values: {"text": [...], "label": [...]} (columns "text", "label"), ${fix}`);
  const pretty = await failure('pretty.json', '{\n  "text": [\n    "good",\n    "bad"\n  ],\n  "label": [1, 0]\n}\n');
  assert.equal(pretty.message,
    `pretty.json:1:1: the file holds one object whose fields are lists of column values: {"text": [...], "label": [...]} (columns "text", "label"), ${fix}`);
  const pandas = await failure('pandas.json', '{"text":{"0":"good","1":"bad"},"label":{"0":1,"1":0}}');
  assert.equal(pandas.message,
    'pandas.json:1:1: the file holds one object whose fields map row indexes to values: {"text": {"0": ...}, "label": {"0": ...}} ' +
    `(pandas' default to_json) (columns "text", "label"), ${fix}`);
  const jsonl = await failure('cols.jsonl', '{"text": ["good", "bad"], "label": [1, 0]}\n');
  assert.equal(jsonl.code, 'columnar-json');
  // Too long for one row, the shape is still named (from the start of the file).
  const huge = await failure('huge.json', `{"text": [${Array.from({ length: 40_000 }, () => '"some text here"').join(', ')}], "label": [1]}`);
  assert.equal(huge.code, 'columnar-json');
  // A broken one-line row is not called columnar, even when its first field is a list.
  const broken = await failure('broken.jsonl', '{"labels": ["a"], "text": "x" "oops"}\n{"labels": ["b"], "text": "y"}\n');
  assert.equal(broken.code, 'bad-json');
  const brokenJson = await failure('broken.json', '{"labels": ["a"], "text": "x" "oops"}\n{"labels": ["b"], "text": "y"}\n');
  assert.equal(brokenJson.code, 'json-not-array');
  // JSON Lines rows whose every field happens to be a list are still rows when there are several.
  const rows = await loaded('lists.jsonl', '{"text": ["a"], "labels": ["x"]}\n{"text": ["b"], "labels": ["y"]}\n', { mapping: { text: 'text', label: 'labels' } });
  assert.equal(rows.examples.length, 2);
});

test('object labels are an error with file:line, within the sample or after it', async () => {
  const inSample = await failure('obj.jsonl', ['{"text":"a","label":"pos"}', '{"text":"b","label":"neg"}', '{"text":"c","label":{"name":"pos","id":1}}'].join('\n'));
  assert.equal(inSample.code, 'object-label');
  const detail = 'found an object {"name":"pos","id":1} where a label belongs; a label must be a string, an integer, a number or a list of ' +
    'strings. Pick the field inside it that holds the class (e.g. flatten the rows with pandas.json_normalize and choose that column as the label).';
  assert.equal(inSample.message, `obj.jsonl:3: label column "label": ${detail}`);
  const late = await failure('obj2.jsonl', ['{"text":"a","label":"pos"}', '{"text":"b","label":"neg"}', '{"text":"c","label":{"name":"pos","id":1}}'].join('\n'), { sampleRows: 2 });
  assert.equal(late.code, 'object-label');
  assert.equal(late.message, `obj2.jsonl:3: label column "label": ${detail}`);
  const listOfObjects = await failure('objlist.jsonl', ['{"text":"a","labels":["x"]}', '{"text":"b","labels":[{"t":"y"}]}'].join('\n'));
  assert.equal(listOfObjects.code, 'object-label');
  assert.match(listOfObjects.message, /^objlist\.jsonl:2: label column "labels": found an object \[\{"t":"y"\}\] where a label belongs/);
});

test('a file rewritten while it is read is detected: the fingerprint taken before reading is checked after', async () => {
  const file = path.join(dir, 'moving.csv');
  const oldText = csv([['a', 'pos'], ['b', 'neg'], ['c', 'pos']]);
  const newText = csv([['a', 'pos'], ['b', 'neg'], ['c', 'phantom'], ['d', 'neg']]);
  fs.writeFileSync(file, oldText);
  const before = fingerprintOf(file);
  const rows = rowsOfUnchangedFile(file, before, readRows(file));
  const first = await rows.next();
  assert.deepEqual(first.value, { row: { text: 'a', label: 'pos' }, line: 2 });
  // Another program rewrites the file in place while rows are still being read.
  fs.writeFileSync(file, newText);
  const after = fingerprintOf(file);
  await assert.rejects(async () => { for await (const _ of rows) { /* drain */ } }, (e: DatasetError) => {
    assert.equal(e.code, 'file-changed');
    assert.equal(e.message, `moving.csv: the file changed while it was being read (${describeChange(before, after)}), so the rows read may ` +
      'mix its old and new content. Wait until whatever writes it has finished, then start again.');
    return true;
  });
  assert.match(describeChange(before, after), new RegExp(`^size ${oldText.length} bytes → ${newText.length} bytes, modified \\d{4}-.* → \\d{4}-`));
  // Through loadExamples: its fingerprint is taken synchronously on the call, so a rewrite right after it is a change
  // between fingerprint and reading, whatever the reads' timing. A phantom class never reaches the label space.
  fs.writeFileSync(file, oldText);
  const loading = loadExamples('moving.csv');
  fs.writeFileSync(file, newText);
  const r = await loading;
  assert.equal(r.ok ? 'loaded' : r.error.code, 'file-changed');
  // Replaced by a rename (how editors save): another inode.
  const tmp = path.join(dir, 'moving.tmp');
  fs.writeFileSync(tmp, csv([['a', 'pos'], ['b', 'neg']]));
  fs.renameSync(tmp, file);
  assert.equal(describeChange(after, fingerprintOf(file)), 'it was replaced by another file');
  // An unchanged file reads through.
  const still = fingerprintOf(file);
  let n = 0;
  for await (const _ of rowsOfUnchangedFile(file, still, readRows(file))) n++;
  assert.equal(n, 2);
});

const oneRowPerClass = (classes: number) => csv(Array.from({ length: classes }, (_, i) => [`text number ${i}`, `class${i}`]));

test('one row per class: "evaluate on 0" becomes a loud warning with the cause and the fix', async () => {
  const r = await prepareDataset(write('few.csv', oneRowPerClass(8)));
  assert.ok(r.ok);
  assert.equal(r.value.validation.length, 0);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.message]), [[
    'no-validation',
    'No validation examples: the stratified 10% validation slice is empty: 8 class(es), the largest with 1 row(s). Training goes ahead, ' +
    'but nothing can select the best checkpoint or drive early stopping, and validation metrics will be missing. To evaluate, add a ' +
    'validation file (e.g. validation.csv next to few.csv) or a split column, or give each class 5 or more rows so the slice can hold one of each.',
  ]]);
  // 10k classes × 1 row: the same, with the count.
  const wide = await prepareDataset(write('wide.csv', oneRowPerClass(10_000)));
  assert.ok(wide.ok);
  assert.match(wide.warnings.find((w) => w.code === 'no-validation')!.message, /slice is empty: 10000 class\(es\), the largest with 1 row\(s\)/);
  // A split column without validation rows.
  const col = await prepareDataset(write('col.csv', 'text,label,split\na,x,train\nb,y,train\nc,x,test\n'));
  assert.ok(col.ok);
  assert.equal(col.warnings.find((w) => w.code === 'no-validation')?.message,
    'No validation examples: no row of split column "split" is validation. Training goes ahead, but nothing can select the best checkpoint ' +
    'or drive early stopping, and validation metrics will be missing. To evaluate, mark some rows "validation" in that column, or give a validation file.');
  // Enough rows per class: no warning.
  const fine = await prepareDataset(write('fine.csv', csv(Array.from({ length: 20 }, (_, i) => [`t${i}`, i % 2 ? 'x' : 'y']))));
  assert.ok(fine.ok);
  assert.equal(fine.warnings.some((w) => w.code === 'no-validation'), false);
});

test('SetFit and the general trainer get the warning through the run data (1 row per class)', async () => {
  const tokenize = ((texts: string[]) => texts.map((t) => ({ ids: [1, t.length + 2, 2] }))) as unknown as Parameters<typeof prepareData>[1]['tokenize'];
  const data = await prepareData(write('setfit.csv', oneRowPerClass(4)), { tokenize, maxLength: 16, seed: 42 });
  assert.equal(data.validation.length, 0);
  assert.equal(data.warnings.filter((w) => w.startsWith('No validation examples: the stratified 10% validation slice is empty: 4 class(es)')).length, 1);
});
