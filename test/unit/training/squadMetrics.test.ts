// SQuAD exact match / F1 on hand-worked cases, with the arithmetic written out so each expected number can be checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactMatch, normalizeAnswer, squadScores, tokenF1 } from '../../../src/training/worker/squadMetrics';

const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

test('normalization: lower case, punctuation and articles dropped, spaces squeezed', () => {
  assert.equal(normalizeAnswer('The Eiffel Tower.'), 'eiffel tower');
  assert.equal(normalizeAnswer('  An  apple, a pear & THE   plum!'), 'apple pear plum');
  // Articles only as whole words: "theater" and "Anna" keep their letters.
  assert.equal(normalizeAnswer('theater of Anna'), 'theater of anna');
  // Punctuation goes before articles are matched, so "the-end" becomes "theend" (one word, no article).
  assert.equal(normalizeAnswer('the-end'), 'theend');
  assert.equal(normalizeAnswer('...'), '');
});

test('exact match after normalization: "The Eiffel Tower." vs "eiffel tower" is 1', () => {
  assert.equal(exactMatch('The Eiffel Tower.', 'eiffel tower'), 1);
  assert.equal(exactMatch('The Eiffel Tower.', 'eiffel towers'), 0);
});

test('token-overlap F1', () => {
  // gold "the cat sat on the mat" → [cat, sat, on, mat] (4); pred "a cat on a hat" → [cat, on, hat] (3)
  // common {cat, on} = 2; precision 2/3, recall 2/4; F1 = 2·(2/3)(1/2) / (2/3 + 1/2) = (2/3) / (7/6) = 4/7
  close(tokenF1('the cat sat on the mat', 'a cat on a hat'), 4 / 7);
  // Repeated tokens count as a multiset: gold [x, x, y], pred [x, x, x] → common min(2,3) = 2 x's;
  // precision 2/3, recall 2/3, F1 = 2/3
  close(tokenF1('x x y', 'x x x'), 2 / 3);
  assert.equal(tokenF1('ten minutes', 'two weeks'), 0);
  // Empty sides: 1 only when both are empty
  assert.equal(tokenF1('', ''), 1);
  assert.equal(tokenF1('', 'something'), 0);
  assert.equal(tokenF1('something', ''), 0);
});

test('best over several gold answers; a missing prediction scores 0', () => {
  const refs = [
    { id: 'q1', answers: ['two weeks', 'about two weeks', 'weeks'] },
    { id: 'q2', answers: ['the blue phone case'] },
    { id: 'q3', answers: ['pizza'] },
  ];
  const preds = [
    // q1: "about two weeks" matches gold 2 exactly → EM 1, F1 1
    { id: 'q1', text: 'About two weeks.' },
    // q2: gold [blue, phone, case] (3), pred [phone, case, cover] (3), common 2: P = R = 2/3 → F1 2/3, EM 0
    { id: 'q2', text: 'phone case cover' },
    // q3: no prediction → 0 and 0
  ];
  const s = squadScores(preds, refs);
  assert.equal(s.total, 3);
  close(s.exactMatch, (100 * (1 + 0 + 0)) / 3);
  close(s.f1, (100 * (1 + 2 / 3 + 0)) / 3);
  // No unanswerable question: no HasAns / NoAns split.
  assert.equal(s.hasAnsExactMatch, undefined);
  assert.equal(s.noAnsExactMatch, undefined);
});

test('v2: the empty prediction is 0 for an answerable question and 1 for an unanswerable one, split HasAns / NoAns', () => {
  const refs = [
    { id: 'a1', answers: ['ten minutes'] },
    { id: 'a2', answers: ['ten minutes'] },
    { id: 'n1', answers: [] },
    // A gold answer that normalizes to nothing ("the") counts as no answer, as in the official script.
    { id: 'n2', answers: ['the'] },
  ];
  const preds = [
    { id: 'a1', text: '' }, // answerable, predicted no answer: 0 / 0
    { id: 'a2', text: 'minutes' }, // gold [ten, minutes], pred [minutes]: P 1, R 1/2 → F1 2/3, EM 0
    { id: 'n1', text: '' }, // unanswerable, empty: 1 / 1
    { id: 'n2', text: 'pizza' }, // unanswerable, answered: 0 / 0
  ];
  const s = squadScores(preds, refs);
  close(s.exactMatch, (100 * 1) / 4);
  close(s.f1, (100 * (0 + 2 / 3 + 1 + 0)) / 4);
  close(s.hasAnsExactMatch, 0);
  close(s.hasAnsF1, (100 * (0 + 2 / 3)) / 2);
  close(s.noAnsExactMatch, 50);
  assert.equal(s.hasAnsTotal, 2);
  assert.equal(s.noAnsTotal, 2);
});
