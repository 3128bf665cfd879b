// The JSON error locator must agree with JSON.parse on what is valid, and point at the right character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findJsonSyntaxError } from '../../../src/data/jsonSyntax';
import { Rng } from '../../../src/util/rng';

const valid = (s: string) => { try { JSON.parse(s); return true; } catch { return false; } };

test('agrees with JSON.parse on thousands of single-character mutations of real rows', () => {
  const seeds = [
    '{"text": "I loved it \\"a lot\\"", "label": 1, "tags": ["a", "b"], "score": -1.5e3, "ok": true, "x": null}',
    '[{"premise": "caf\\u00e9", "hypothesis": "tab\\there"}, {"n": 0.25}]',
    '{"nested": {"deep": [[], {}, [1, [2, [3]]]]}, "empty": ""}',
  ];
  const alphabet = '{}[]",:\\ -+.0123456789eEtrufalsn\tx\n';
  const rng = new Rng(1234);
  let checked = 0;
  for (const seed of seeds) {
    assert.equal(findJsonSyntaxError(seed), undefined);
    for (let k = 0; k < 3000; k++) {
      const at = rng.int(seed.length);
      const op = rng.int(3);
      const ch = alphabet[rng.int(alphabet.length)];
      const s = op === 0 ? seed.slice(0, at) + seed.slice(at + 1)
        : op === 1 ? seed.slice(0, at) + ch + seed.slice(at)
          : seed.slice(0, at) + ch + seed.slice(at + 1);
      const problem = findJsonSyntaxError(s);
      assert.equal(problem === undefined, valid(s), `disagreement on ${JSON.stringify(s)}`);
      if (problem) assert.ok(problem.offset >= 0 && problem.offset <= s.length);
      checked++;
    }
  }
  assert.equal(checked, 9000);
});

test('points at the offending character with a message saying what was expected', () => {
  assert.deepEqual(findJsonSyntaxError('{"a": 1,}'), { offset: 8, message: "expected a property name in double quotes but found '}'" });
  assert.deepEqual(findJsonSyntaxError('{"a": tru}'), { offset: 9, message: "expected 'true' but found '}'" });
  assert.deepEqual(findJsonSyntaxError('{"a": "x\\q"}'), { offset: 8, message: "invalid escape '\\q'" });
  assert.deepEqual(findJsonSyntaxError('{"a": "line\nbreak"}'), { offset: 11, message: 'control character inside a string (escape newlines and tabs as \\n, \\t)' });
  assert.deepEqual(findJsonSyntaxError('{"a": 1} x'), { offset: 9, message: "expected end of input after the value but found 'x'" });
  assert.deepEqual(findJsonSyntaxError('{"a": "open'), { offset: 11, message: 'unterminated string (missing closing ")' });
  assert.equal(findJsonSyntaxError('['.repeat(600) + ']'.repeat(600))?.message, 'nesting deeper than 512 levels');
});
