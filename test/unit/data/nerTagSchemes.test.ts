// Tag shapes, scheme detection and the rewrite to IOB2, on sequences small enough to check by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectScheme, iob2Labels, parseTag, toIob2, type ParsedTag } from '../../../src/data/ner';

function parsed(tags: string): ParsedTag[] {
  return tags.split(' ').map((t) => {
    const p = parseTag(t);
    if ('problem' in p) throw new Error(p.problem);
    return p;
  });
}

test('parseTag: O and PREFIX-TYPE are read; a type may hold hyphens', () => {
  assert.deepEqual(parseTag('O'), { prefix: 'O' });
  assert.deepEqual(parseTag('B-PER'), { prefix: 'B', type: 'PER' });
  assert.deepEqual(parseTag('S-geo-loc'), { prefix: 'S', type: 'geo-loc' });
});

test('parseTag: each wrong shape says what was expected', () => {
  const problem = (t: string) => (parseTag(t) as { problem: string }).problem;
  assert.equal(problem('B_PER'), 'tag "B_PER" joins prefix and type with "_"; expected "B-PER"');
  assert.equal(problem('PER-B'), 'tag "PER-B" puts the prefix last; expected "B-PER" (prefix first)');
  assert.equal(problem('U-LOC'), 'tag "U-LOC" is BILOU; rename U- to S- and L- to E- (BIOES), here "S-LOC"');
  assert.equal(problem('b-per'), 'tag "b-per" has a lower-case prefix; expected "B-per"');
  assert.equal(problem('PER'), 'tag "PER" is not a tag shape this reader knows; expected O, or B-/I- (IOB) or B-/I-/E-/S- (BIOES) followed by the entity type, like "B-PER"');
  assert.equal(problem('B-'), 'tag "B-" is not a tag shape this reader knows; expected O, or B-/I- (IOB) or B-/I-/E-/S- (BIOES) followed by the entity type, like "B-PER"');
});

test('detectScheme tells the four schemes apart', () => {
  assert.equal(detectScheme([parsed('B-PER I-PER O B-LOC'), parsed('O B-ORG')]), 'IOB2');
  // IOB1: entities start with I-; B- only between two adjacent entities of one type.
  assert.equal(detectScheme([parsed('I-PER I-PER B-PER O I-LOC'), parsed('I-ORG O')]), 'IOB1');
  assert.equal(detectScheme([parsed('S-PER O B-LOC E-LOC'), parsed('O O')]), 'BIOES');
  assert.equal(detectScheme([parsed('I-PER I-PER O I-LOC')]), 'IO');
  assert.equal(detectScheme([parsed('O O O')]), 'IOB2');
  // A few slips in an IOB2 file do not make it IOB1: B- starts most entities.
  assert.equal(detectScheme([parsed('B-PER O B-LOC O I-ORG'), parsed('B-LOC I-LOC')]), 'IOB2');
});

test('toIob2: IOB1, IO and BIOES become IOB2; only IOB2/BIOES slips count as repairs', () => {
  assert.deepEqual(toIob2(parsed('I-PER I-PER B-PER O I-LOC'), 'IOB1'),
    { tags: ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC'], repaired: [] });
  assert.deepEqual(toIob2(parsed('I-PER I-PER I-LOC O I-LOC'), 'IO'),
    { tags: ['B-PER', 'I-PER', 'B-LOC', 'O', 'B-LOC'], repaired: [] });
  assert.deepEqual(toIob2(parsed('S-PER B-LOC I-LOC E-LOC S-LOC O'), 'BIOES'),
    { tags: ['B-PER', 'B-LOC', 'I-LOC', 'I-LOC', 'B-LOC', 'O'], repaired: [] });
  // BIOES closes an entity at E-: an I- right after it starts a new one (a repair).
  assert.deepEqual(toIob2(parsed('B-LOC E-LOC I-LOC'), 'BIOES'), { tags: ['B-LOC', 'I-LOC', 'B-LOC'], repaired: [2] });
  // IOB2: I- after O or after another type starts an entity, as seqeval's default mode reads it.
  assert.deepEqual(toIob2(parsed('O I-PER I-PER B-LOC I-ORG'), 'IOB2'),
    { tags: ['O', 'B-PER', 'I-PER', 'B-LOC', 'B-ORG'], repaired: [1, 4] });
});

test('iob2Labels: O first, then B-/I- per type in sorted order', () => {
  assert.deepEqual(iob2Labels(['PER', 'LOC', 'MISC', 'LOC']), ['O', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER']);
  assert.deepEqual(iob2Labels([]), ['O']);
});
