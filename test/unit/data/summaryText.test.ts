// The words the Datasets view shows for a summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryDescription, summaryFacts, summaryTooltip } from '../../../src/data/summaryText';
import type { DatasetSummary } from '../../../src/data/summary';

const base: DatasetSummary = {
  file: '/w/reviews.csv', format: 'csv', sizeBytes: 100, rows: 12040, complete: true, columns: ['review', 'sentiment'],
  mapping: { text: 'review', label: 'sentiment', labelKind: 'string' }, labelKind: 'string',
  labelDistribution: [{ label: 'neg', count: 5000 }, { label: 'pos', count: 7040 }],
  tokens: { counted: 10000, average: 23.456, max: 310 }, duplicateRows: 3, emptyRows: 1, emptyText: 2, unlabeledRows: 0, problems: [], blocking: [],
};

test('description, facts and tooltip of a labeled CSV', () => {
  assert.equal(summaryDescription(base), 'csv · 12,040 rows · review → sentiment · 2 classes');
  assert.deepEqual(summaryFacts(base).map((f) => `${f.label}=${f.value}`), [
    'Rows=12,040', 'Columns=review, sentiment', 'Text=review', 'Label=sentiment (2 classes)',
    'Label distribution=neg: 5,000 · pos: 7,040', 'Tokens=average 23.5, max 310 (first 10,000 rows)',
    'Duplicate rows=3', 'Empty rows=1', 'Empty text=2', 'Unlabeled rows=0',
  ]);
  assert.ok(summaryTooltip(base).startsWith('**Rows:** 12,040  \n**Columns:** review, sentiment'));
});

test('pairs, regression and unlabeled corpora', () => {
  const nli: DatasetSummary = { ...base, mapping: { text: 'premise', textPair: 'hypothesis', label: 'label', labelKind: 'int' }, labelKind: 'int',
    labelDistribution: [{ label: '0', count: 1 }, { label: '1', count: 1 }, { label: '2', count: 1 }], rows: 3 };
  assert.equal(summaryDescription(nli), 'csv · 3 rows · premise + hypothesis → label · 3 classes');
  const reg: DatasetSummary = { ...base, mapping: { text: 'review', label: 'score', labelKind: 'float' }, labelKind: 'float',
    labelDistribution: [], targetRange: { min: 0, max: 5, mean: 2.5 } };
  assert.equal(summaryDescription(reg), 'csv · 12,040 rows · review → score · regression');
  assert.ok(summaryFacts(reg).some((f) => f.label === 'Target range' && f.value === '0 to 5 (mean 2.500)'));
  const mlm: DatasetSummary = { ...base, format: 'text', mapping: { text: 'text' }, labelKind: undefined, labelDistribution: [], tokens: undefined, rows: 7 };
  assert.equal(summaryDescription(mlm), 'text (MLM) · 7 rows · text (unlabeled)');
  assert.ok(!summaryFacts(mlm).some((f) => f.label === 'Unlabeled rows'));
  assert.equal(summaryDescription({ ...mlm, complete: false }), 'text (MLM) · over 7 rows · text (unlabeled)');
});
