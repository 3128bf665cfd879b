// Column mapping detection, overrides, label kinds and the stable label order that goes into run.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelDelimiterHint, resolveMapping } from '../../../src/data/schema';
import { buildLabelSpace, labelKey, labelMaps, parseLabelSpace, parseListString, sortLabelNames } from '../../../src/data/labels';
import { closestNames, editDistance } from '../../../src/util/closestNames';
import type { RawRow } from '../../../src/data/readers/types';

const rows = (objs: Record<string, unknown>[]): RawRow[] => objs.map((row, i) => ({ row, line: i + 2 }));

test('text + string label by name', () => {
  const m = resolveMapping('f.csv', ['id', 'review', 'sentiment'], rows([
    { id: '1', review: 'great', sentiment: 'pos' }, { id: '2', review: 'bad', sentiment: 'neg' },
  ]));
  assert.deepEqual(m, { text: 'review', label: 'sentiment', labelKind: 'string' });
});

test('text pairs: premise/hypothesis and sentence1/sentence2 with int labels', () => {
  const nli = resolveMapping('f.jsonl', ['premise', 'hypothesis', 'label'], rows([
    { premise: 'a', hypothesis: 'b', label: 0 }, { premise: 'c', hypothesis: 'd', label: 2 },
  ]));
  assert.deepEqual(nli, { text: 'premise', textPair: 'hypothesis', label: 'label', labelKind: 'int' });
  const mrpc = resolveMapping('f.tsv', ['sentence1', 'sentence2', 'label', 'idx'], rows([{ sentence1: 'a', sentence2: 'b', label: '1', idx: '0' }]));
  assert.equal(mrpc.textPair, 'sentence2');
});

test('multi-label: JSON lists, or strings with a delimiter the user chose (detection only suggests one)', () => {
  const lists = resolveMapping('f.jsonl', ['text', 'labels'], rows([{ text: 'a', labels: ['x', 'y'] }, { text: 'b', labels: ['y'] }]));
  assert.equal(lists.labelKind, 'multi');
  assert.equal(lists.labelDelimiter, undefined);
  const sample = rows([{ text: 'a', tags: 'sports|politics' }, { text: 'b', tags: 'sports' }, { text: 'c', tags: 'tech' }]);
  // Issue 19: a delimiter inside text labels no longer switches the column to multi-label by itself.
  assert.deepEqual(resolveMapping('f.csv', ['text', 'tags'], sample), { text: 'text', label: 'tags', labelKind: 'string' });
  assert.deepEqual(labelDelimiterHint(sample, 'tags'), { delimiter: '|', hits: 1, labels: 3, line: 2, example: 'sports|politics' });
  const piped = resolveMapping('f.csv', ['text', 'tags'], sample, { labelDelimiter: '|' });
  assert.deepEqual(piped, { text: 'text', label: 'tags', labelKind: 'multi', labelDelimiter: '|' });
  assert.deepEqual(labelKey('sports| politics |sports', 'multi', '|'), { key: ['sports', 'politics'] });
});

test('list labels written as text: JSON and Python repr', () => {
  assert.deepEqual(parseListString('["a", "b"]'), ['a', 'b']);
  assert.deepEqual(parseListString("['it\\'s', 'b']"), ["it's", 'b']);
  assert.deepEqual(parseListString('[1, 2]'), ['1', '2']);
  assert.equal(parseListString('[not a list'), undefined);
  assert.equal(parseListString('[see note]'), undefined);
  assert.deepEqual(labelKey("['x', 'y', 'x']", 'multi'), { key: ['x', 'y'] });
});

test('float labels mean regression; integers mean classes', () => {
  const reg = resolveMapping('f.csv', ['sentence', 'score'], rows([{ sentence: 'a', score: '0.5' }, { sentence: 'b', score: '4' }]));
  assert.equal(reg.labelKind, 'float');
  assert.deepEqual(labelKey(' 3.25 ', 'float'), { key: 3.25 });
  assert.deepEqual(labelKey('07', 'int'), { key: '7' });
  assert.deepEqual(labelKey(7, 'int'), { key: '7' });
  // pandas writes an int column with a missing value as floats: "1.0" is class 1, not a regression target.
  const pandas = resolveMapping('f.csv', ['text', 'label'], rows([{ text: 'a', label: '1.0' }, { text: 'b', label: '0.0' }, { text: 'c', label: '' }]));
  assert.equal(pandas.labelKind, 'int');
  assert.deepEqual(labelKey('1.0', 'int'), { key: '1' });
  assert.equal(resolveMapping('f.csv', ['text', 'label'], rows([{ text: 'a', label: '1.0' }, { text: 'b', label: '2.5' }])).labelKind, 'float');
});

test('without telling names: longest wordy column is the text, a low-cardinality column the label', () => {
  const data = rows(Array.from({ length: 20 }, (_, i) => ({ a: String(i), b: `a longer sentence number ${i}`, c: i % 2 ? 'yes' : 'no' })));
  assert.deepEqual(resolveMapping('f.csv', ['a', 'b', 'c'], data), { text: 'b', label: 'c', labelKind: 'string' });
});

test('overrides win, including label: null for unlabeled text; the split column is found by name', () => {
  const data = rows([{ text: 'a', body: 'b', label: 'x', split: 'train' }, { text: 'c', body: 'd', label: 'y', split: 'test' }]);
  assert.deepEqual(resolveMapping('f.csv', ['text', 'body', 'label', 'split'], data, { text: 'body', label: null }),
    { text: 'body', split: 'split' });
  assert.deepEqual(resolveMapping('f.csv', ['text', 'body', 'label', 'split'], data, { labelKind: 'multi', labelDelimiter: ';' }),
    { text: 'text', label: 'label', labelKind: 'multi', labelDelimiter: ';', split: 'split' });
});

test('label order is numeric for integers and code-unit order for strings, whatever order they arrive in', () => {
  assert.deepEqual(sortLabelNames(['10', '2', '-1', '2']), ['-1', '2', '10']);
  assert.deepEqual(sortLabelNames(['pos', 'Neg', 'neutral', 'neg']), ['Neg', 'neg', 'neutral', 'pos']);
  const a = buildLabelSpace('string', ['pos', 'neg', 'neutral']);
  const b = buildLabelSpace('string', ['neutral', 'pos', 'neg', 'pos']);
  assert.deepEqual(a, b);
  assert.deepEqual(labelMaps(a), { id2label: { 0: 'neg', 1: 'neutral', 2: 'pos' }, label2id: { neg: 0, neutral: 1, pos: 2 } });
});

test('label spaces round-trip through JSON (run.json) and junk is rejected', () => {
  const space = buildLabelSpace('multi', ['b', 'a'], '|');
  assert.deepEqual(parseLabelSpace(JSON.parse(JSON.stringify(space))), { kind: 'multi', names: ['a', 'b'], delimiter: '|' });
  assert.equal(parseLabelSpace({ kind: 'words', names: [] }), undefined);
  assert.equal(parseLabelSpace({ kind: 'int', names: [1, 2] }), undefined);
  assert.equal(parseLabelSpace(null), undefined);
});

test('edit distance and suggestions', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('Label', 'label'), 0);
  assert.deepEqual(closestNames('sentance', ['sentence', 'sentiment', 'id']), ['sentence']);
  assert.deepEqual(closestNames('text', ['text_b', 'label', 'text_a']), ['text_a', 'text_b']);
  assert.deepEqual(closestNames('zzz', ['text', 'label']), []);
});
