// The compact hash set used for duplicate counts agrees with a real Set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringHashSet, hash64 } from '../../../src/data/hashSet';

test('counts the same duplicates as a Set of strings, across many growths', () => {
  const compact = new StringHashSet(4);
  const exact = new Set<string>();
  let dupCompact = 0;
  let dupExact = 0;
  for (let i = 0; i < 200000; i++) {
    const s = `row ${(i * 7919) % 150001}`;
    if (!compact.add(s)) dupCompact++;
    if (exact.has(s)) dupExact++;
    else exact.add(s);
  }
  assert.equal(dupCompact, dupExact);
  assert.equal(compact.size, exact.size);
  assert.equal(exact.size, 150001);
});

test('hashes differ for near-identical strings and are stable', () => {
  assert.notDeepEqual(hash64('a'), hash64('b'));
  assert.notDeepEqual(hash64('ab'), hash64('ba'));
  assert.deepEqual(hash64('same text'), hash64('same text'));
  const empty = new StringHashSet();
  assert.equal(empty.add(''), true);
  assert.equal(empty.add(''), false);
});
