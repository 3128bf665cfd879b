// What a run says about its splits: the log line, the warning when nothing can select, and prepareData's account.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TokenizeFn } from '../../../src/data/batching';
import { describeOrigin } from '../../../src/data/splits';
import { prepareData } from '../../../src/training/prepareData';
import { describeSplitRoles, slicedValidationNote } from '../../../src/training/splitRoles';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-split-roles-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const tokenize: TokenizeFn = (texts) => texts.map((t) => String(t).split(' ').map((w) => w.length));

test('each origin in words', () => {
  assert.equal(describeOrigin({ kind: 'file', file: '/d/dev.csv' }), 'dev.csv');
  assert.equal(describeOrigin({ kind: 'column', file: '/d/all.csv', column: 'split' }), 'split column "split" of all.csv');
  assert.equal(describeOrigin({ kind: 'slice', of: '/d/train.csv', fraction: 0.1, seed: 42 }), 'a stratified 10% slice of train.csv (seed 42)');
  assert.equal(describeOrigin({ kind: 'slice', of: '/d/train.csv', fraction: 0.125, seed: 1 }), 'a stratified 12.5% slice of train.csv (seed 1)');
  assert.equal(describeOrigin({ kind: 'none' }), 'none');
});

test('the log line names every split, its rows, origin and role', () => {
  assert.equal(
    describeSplitRoles({ train: { rows: 90, source: 'train.csv' }, validation: { rows: 10, source: 'dev.csv' }, test: { rows: 25, source: 'test.csv' } }),
    'train 90 (train.csv); validation 10 (dev.csv): picks the best checkpoint and drives early stopping; test 25 (test.csv): evaluated once after training, never used for selection',
  );
  assert.equal(
    describeSplitRoles({ train: { rows: 2, source: 'train.csv' }, validation: { rows: 0, source: 'none' }, test: { rows: 0, source: 'none' } }),
    'train 2 (train.csv); validation: none; test: none',
  );
});

test('a sliced validation set is explained with the names that would have given it its own file or rows', () => {
  const train = { rows: 54, source: 'train.csv' };
  assert.equal(
    slicedValidationNote({ train, validation: { rows: 6, source: 'a stratified 10% slice of train.csv (seed 3)' }, test: { rows: 40, source: 'test.csv' } }),
    'validation is a stratified 10% slice of train.csv (seed 3): no validation file was found beside the training file (names accepted: ' +
      'validation, valid, val, dev, eval, development) and no split-column rows say so (values accepted: train: train, training, trn; ' +
      'validation: validation, valid, val, dev, eval, development; test: test, testing, tst); the test split (test.csv) is not used for it',
  );
  assert.equal(slicedValidationNote({ train, validation: { rows: 6, source: 'dev.csv' }, test: { rows: 0, source: 'none' } }), undefined);
});

test('prepareData: splits with their origins, the test rows apart, and the warning among the data warnings', async () => {
  fs.mkdirSync(path.join(dir, 'a'));
  const rows = Array.from({ length: 20 }, (_, i) => `words number ${i},${i % 2 ? 'p' : 'n'}`);
  const train = path.join(dir, 'a', 'train.csv');
  fs.writeFileSync(train, ['text,label', ...rows].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'a', 'test.csv'), 'text,label\nheld out,p\nalso held out,n\nthird one,p\n');
  const d = await prepareData(train, { tokenize, maxLength: 16, seed: 5 });
  assert.deepEqual(d.splits, { train: { rows: 18, source: 'train.csv' }, validation: { rows: 2, source: 'a stratified 10% slice of train.csv (seed 5)' }, test: { rows: 3, source: 'test.csv' } });
  assert.deepEqual([d.train.length, d.validation.length, d.test.length], [18, 2, 3]);
  assert.deepEqual(d.warnings, []);

  fs.mkdirSync(path.join(dir, 'b'));
  const tiny = path.join(dir, 'b', 'train.csv');
  fs.writeFileSync(tiny, 'text,label\na,p\nb,n\n');
  const t = await prepareData(tiny, { tokenize, maxLength: 16, seed: 5 });
  assert.deepEqual(t.splits.validation, { rows: 0, source: 'none' });
  // The data layer's one warning for an empty validation set, with its cause and fix (src/data/evaluationSet.ts).
  assert.deepEqual(t.warnings, ['No validation examples: the stratified 10% validation slice is empty: 2 class(es), the largest with 1 row(s). ' +
    'Training goes ahead, but nothing can select the best checkpoint or drive early stopping, and validation metrics will be missing. ' +
    'To evaluate, add a validation file (e.g. validation.csv next to train.csv) or a split column, or give each class 5 or more rows so the slice can hold one of each.']);
});

test('a resume drops the stopped run\'s test record whatever its step: the test split is evaluated once, when the run ends', async () => {
  const { appendMetrics, dropMetricsAfter, readMetrics } = await import('../../../src/training/runStore');
  const run = fs.mkdtempSync(path.join(dir, 'run-'));
  appendMetrics(run, { type: 'eval', step: 4, epoch: 1, metrics: { accuracy: 0.5 } });
  appendMetrics(run, { type: 'test', step: 4, examples: 3, metrics: { accuracy: 0.25 } });
  assert.equal(dropMetricsAfter(run, 4), 1);
  assert.deepEqual(readMetrics(run).map((m) => m.type), ['eval']);
});
