// Assembling train / validation / test for a run from each supported layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareDataset } from '../../../src/data/prepare';

let dir = '';
before(() => { dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ft-prepare-'))); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, content: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

test('side-by-side files: eval read with the training mapping and label ids; overlap warned', async () => {
  const train = write('sst/train.tsv', 'sentence\tlabel\ngood film\t1\nbad film\t0\nfine\t1\n');
  const dev = write('sst/dev.tsv', 'sentence\tlabel\nbad film\t0\nawful\t0\n');
  const r = await prepareDataset(train);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.source, 'files');
  assert.deepEqual(r.value.files, { train, validation: dev });
  assert.deepEqual(r.value.labels, { kind: 'int', names: ['0', '1'] });
  assert.deepEqual(r.value.validation.map((e) => [e.text, e.label, e.line]), [['bad film', 0, 2], ['awful', 0, 3]]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.file, w.lines]), [['train-test-overlap', dev, [2]]]);
});

test('an eval file lacking the training label column is a missing-column error', async () => {
  const train = write('x/train.csv', 'text,label\na,p\nb,n\n');
  write('x/test.csv', 'text,labels\nc,p\n');
  const r = await prepareDataset(train);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.code, 'missing-column');
    assert.equal(r.error.file, path.join(dir, 'x/test.csv'));
    assert.match(r.error.message, /: the label column "label" is not in the file\. Did you mean "labels"\? Columns: text, labels$/);
  }
});

test('a split column, with labels only present in validation rejected', async () => {
  const ok = write('col/data.csv', 'text,label,split\na,p,train\nb,n,train\nc,p,validation\nd,n,test\n');
  const r = await prepareDataset(ok);
  assert.ok(r.ok);
  assert.equal(r.value.source, 'column');
  assert.deepEqual([r.value.train.length, r.value.validation.length, r.value.test.length], [2, 1, 1]);
  const bad = write('col/bad.csv', 'text,label,split\na,p,train\nb,n,train\nc,q,validation\n');
  const rb = await prepareDataset(bad);
  assert.equal(rb.ok, false);
  if (!rb.ok) {
    assert.equal(rb.error.code, 'unseen-eval-labels');
    assert.match(rb.error.message, /bad\.csv:4: validation label\(s\) "q" \(1 row\(s\), first at line 4\) never occur in the training rows\./);
  }
});

test('a single file without split information is split by seed and ratios', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `text ${i},${i % 4 === 0 ? 'a' : 'b'}`);
  const file = write('one/reviews.csv', ['text,label', ...rows].join('\n'));
  const r = await prepareDataset(file, { ratios: { validation: 0.25 }, seed: 3 });
  assert.ok(r.ok);
  assert.equal(r.value.source, 'random');
  // 10 of class a, 30 of class b: round(2.5) = 3 and round(7.5) = 8 to validation.
  assert.equal(r.value.validation.filter((e) => e.label === 0).length, 3);
  assert.equal(r.value.validation.filter((e) => e.label === 1).length, 8);
  assert.equal(r.value.train.length, 29);
  assert.deepEqual(r.warnings, []);
});

test('train and test files without a validation file: validation is a stratified slice of train, never the test file', async () => {
  const rows = Array.from({ length: 20 }, (_, i) => `text ${i},${i % 2 ? 'p' : 'n'}`);
  const train = write('tt/train.csv', ['text,label', ...rows].join('\n'));
  const testFile = write('tt/test.csv', 'text,label\nheld out a,p\nheld out b,n\n');
  const r = await prepareDataset(train, { seed: 7 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.origins, { train: { kind: 'file', file: train }, validation: { kind: 'slice', of: train, fraction: 0.1, seed: 7 }, test: { kind: 'file', file: testFile } });
  // 10 per class: one of each to validation; the test rows stay the test rows.
  assert.deepEqual([r.value.train.length, r.value.validation.length, r.value.test.length], [18, 2, 2]);
  assert.deepEqual(r.value.validation.map((e) => e.label).sort(), [0, 1]);
  assert.deepEqual(r.value.test.map((e) => e.text), ['held out a', 'held out b']);
  const again = await prepareDataset(train, { seed: 7 });
  assert.ok(again.ok);
  assert.deepEqual(again.value.validation.map((e) => e.line), r.value.validation.map((e) => e.line), 'the slice is seeded');
});

test('a split column with train and test rows only: validation is sliced off the train rows; with validation rows they are kept', async () => {
  const rows = Array.from({ length: 20 }, (_, i) => `t${i},${i % 2 ? 'p' : 'n'},train`);
  const file = write('colsplit/data.csv', ['text,label,split', ...rows, 'x,p,test', 'y,n,test'].join('\n'));
  const r = await prepareDataset(file, { seed: 1 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.origins, {
    train: { kind: 'column', file, column: 'split' }, validation: { kind: 'slice', of: file, fraction: 0.1, seed: 1 }, test: { kind: 'column', file, column: 'split' },
  });
  assert.deepEqual([r.value.train.length, r.value.validation.length, r.value.test.length], [18, 2, 2]);
  assert.ok(r.value.validation.every((e) => e.split === 'train'), 'validation comes from the train rows only');
  const withDev = write('colsplit/dev.csv', ['text,label,split', ...rows, 'x,p,dev', 'y,n,test'].join('\n'));
  const d = await prepareDataset(withDev);
  assert.ok(d.ok);
  assert.deepEqual(d.value.origins.validation, { kind: 'column', file: withDev, column: 'split' });
  assert.deepEqual([d.value.train.length, d.value.validation.length, d.value.test.length], [20, 1, 1]);
});

test('too few rows for a validation slice: validation stays empty (its origin "none") rather than borrowing the test rows', async () => {
  const train = write('few/train.csv', 'text,label\na,p\nb,n\n');
  write('few/test.csv', 'text,label\nc,p\nd,n\n');
  const r = await prepareDataset(train);
  assert.ok(r.ok);
  assert.deepEqual(r.value.origins.validation, { kind: 'none' });
  assert.deepEqual([r.value.train.length, r.value.validation.length, r.value.test.length], [2, 0, 2]);
});
