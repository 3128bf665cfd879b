// Split files found by name, split columns, seeded stratified splits and the train/test overlap warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findSplitFiles, overlapWarning, partitionBySplit, stratifiedSplit } from '../../../src/data/splits';
import { loadExamples, type Example } from '../../../src/data/examples';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-splits-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function touch(...names: string[]): void {
  for (const n of names) fs.writeFileSync(path.join(dir, n), 'text,label\na,b\n');
}

test('side-by-side split files by name, with aliases (dev → validation)', async () => {
  touch('train.csv', 'dev.csv', 'test.csv', 'sst2_train.jsonl', 'sst2_validation.jsonl', 'notes.csv',
    'train-00000-of-00001.parquet', 'test-00000-of-00001.parquet');
  const j = (n: string) => path.join(dir, n);
  assert.deepEqual(await findSplitFiles(j('dev.csv')), { train: j('train.csv'), validation: j('dev.csv'), test: j('test.csv') });
  assert.deepEqual(await findSplitFiles(j('sst2_train.jsonl')), { train: j('sst2_train.jsonl'), validation: j('sst2_validation.jsonl') });
  assert.deepEqual(await findSplitFiles(j('train-00000-of-00001.parquet')),
    { train: j('train-00000-of-00001.parquet'), test: j('test-00000-of-00001.parquet') });
  assert.deepEqual(await findSplitFiles(j('notes.csv')), {});
});

test('a split column partitions rows; an unknown split value is an error at its line', async () => {
  const file = path.join(dir, 'with_split.csv');
  fs.writeFileSync(file, 'text,label,split\na,x,train\nb,y,TRAIN\nc,x,dev\nd,y,test\n');
  const loaded = await loadExamples(file);
  assert.ok(loaded.ok);
  assert.equal(loaded.value.mapping.split, 'split');
  const parts = partitionBySplit(file, 'split', loaded.value.examples);
  assert.deepEqual([parts.train, parts.validation, parts.test].map((p) => p.map((e) => e.text)), [['a', 'b'], ['c'], ['d']]);
  const bad: Example[] = [{ text: 'e', line: 7, split: 'holdout' }];
  assert.throws(() => partitionBySplit('s.csv', 'split', bad),
    { message: 's.csv:7: split column "split" holds "holdout"; expected train, validation (or dev/valid/val) or test' });
});

test('stratified split keeps each class share, is seeded, and keeps file order', () => {
  // 60 of class 0, 30 of class 1, 10 of class 2.
  const examples: Example[] = Array.from({ length: 100 }, (_, i) => ({ text: `t${i}`, label: i < 60 ? 0 : i < 90 ? 1 : 2, line: i + 2 }));
  const split = stratifiedSplit(examples, { validation: 0.1, test: 0.2 }, 42);
  const count = (part: Example[], c: number) => part.filter((e) => e.label === c).length;
  // round(60 × 0.2) = 12, round(30 × 0.2) = 6, round(10 × 0.2) = 2 in test; 6, 3, 1 in validation.
  assert.deepEqual([0, 1, 2].map((c) => count(split.test, c)), [12, 6, 2]);
  assert.deepEqual([0, 1, 2].map((c) => count(split.validation, c)), [6, 3, 1]);
  assert.deepEqual([0, 1, 2].map((c) => count(split.train, c)), [42, 21, 7]);
  const all = [...split.train, ...split.validation, ...split.test].map((e) => e.text).sort();
  assert.deepEqual(all, examples.map((e) => e.text).sort());
  for (const part of Object.values(split)) assert.deepEqual(part.map((e) => e.line), [...part.map((e) => e.line)].sort((a, b) => a - b));
  assert.deepEqual(stratifiedSplit(examples, { validation: 0.1, test: 0.2 }, 42), split);
  assert.notDeepEqual(stratifiedSplit(examples, { validation: 0.1, test: 0.2 }, 7).test, split.test);
  assert.throws(() => stratifiedSplit(examples, { validation: 0.5, test: 0.5 }, 1), RangeError);
});

test('a class too small to split keeps its example in training', () => {
  const examples: Example[] = [{ text: 'a', label: 0, line: 2 }, { text: 'b', label: 1, line: 3 }, { text: 'c', label: 1, line: 4 }];
  const split = stratifiedSplit(examples, { validation: 0.5 }, 1);
  assert.deepEqual(split.train.map((e) => e.label).sort(), [0, 1]);
  assert.equal(split.validation.length, 1);
});

test('texts present in both train and test give a warning with the test lines', () => {
  const train: Example[] = [{ text: 'same', line: 2 }, { text: 'only train', line: 3 }, { text: 'p', textPair: 'q', line: 4 }];
  const testSet: Example[] = [{ text: 'same', line: 2 }, { text: 'new', line: 3 }, { text: 'p', textPair: 'q', line: 4 }, { text: 'p', textPair: 'other', line: 5 }];
  const w = overlapWarning('train.csv', train, 'test.csv', testSet);
  assert.ok(w);
  assert.equal(w.count, 2);
  assert.deepEqual(w.lines, [2, 4]);
  assert.equal(w.message,
    '2 of 4 test example(s) also appear in the training data (test.csv lines 2, 4); scores on them measure memorisation, not generalisation.');
  assert.equal(overlapWarning('train.csv', train, 'test.csv', [{ text: 'new', line: 2 }]), undefined);
  assert.equal(overlapWarning('all.csv', train, 'all.csv', [{ text: 'same', line: 9 }], 'validation')?.message,
    '1 of 1 validation example(s) also appear in the training data (validation rows at line 9); scores on them measure memorisation, not generalisation.');
});
