// Word-level NER confusion with B-/I- collapsed to the entity type, counted by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nerConfusion, tagType } from '../../../src/training/worker/nerConfusion';

test('tagType collapses B-/I-/E-/S- and keeps O', () => {
  assert.deepEqual(['O', 'B-PER', 'I-PER', 'E-LOC', 'S-MISC', 'B-WORK-OF-ART'].map(tagType), ['O', 'PER', 'PER', 'LOC', 'MISC', 'WORK-OF-ART']);
});

test('counts words by (true type, predicted type); a B-/I- mix-up of the same type is on the diagonal', () => {
  const truth = [['B-PER', 'I-PER', 'O', 'B-LOC'], ['O', 'B-ORG']];
  const pred = [['B-PER', 'B-PER', 'B-LOC', 'O'], ['O', 'B-PER']];
  const { labels, confusion } = nerConfusion(truth, pred);
  // Words: PER→PER twice (B→B, I→B), O→LOC, LOC→O, O→O, ORG→PER.
  assert.deepEqual(labels, ['O', 'LOC', 'ORG', 'PER']);
  assert.deepEqual(confusion, [
    [1, 1, 0, 0], // O:   O→O, O→LOC
    [1, 0, 0, 0], // LOC: LOC→O
    [0, 0, 0, 1], // ORG: ORG→PER
    [0, 0, 0, 2], // PER: both words right
  ]);
  assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 6, 'one count per word');
});

test('given types fix rows and columns (a type nobody used stays, all zero); unknown types and bad shapes are named', () => {
  const { labels, confusion } = nerConfusion([['B-PER']], [['O']], ['O', 'LOC', 'PER']);
  assert.deepEqual(labels, ['O', 'LOC', 'PER']);
  assert.deepEqual(confusion, [[0, 0, 0], [0, 0, 0], [1, 0, 0]]);
  assert.throws(() => nerConfusion([['B-ORG']], [['O']], ['PER']), /sentence 0 word 0 has type "ORG", which is not among O, PER/);
  assert.throws(() => nerConfusion([['O', 'O']], [['O']]), /sentence 0 has 2 reference tags but 1 predicted/);
  assert.throws(() => nerConfusion([['O']], []), /1 reference sentences but 0 predicted/);
});
