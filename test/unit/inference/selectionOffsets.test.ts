// Offsets into a selection's text become document positions: the first line starts at the selection's column, later
// lines at column 0, and \n, \r\n and \r each end one line (as VS Code counts them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SelectionOffsets } from '../../../src/inference/selectionOffsets';

/** Reference: walk the text char by char, as a document would lay it out. */
function walk(start: { line: number; character: number }, text: string, offset: number) {
  let { line, character } = start;
  for (let i = 0; i < offset; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') continue; // the \n of the pair ends the line
    if (text[i] === '\n' || text[i] === '\r') {
      line++;
      character = 0;
    } else character++;
  }
  return { line, character };
}

test('single line: offsets add to the selection start column', () => {
  const m = new SelectionOffsets({ line: 4, character: 7 }, 'Angela Merkel visited Paris');
  assert.deepEqual(m.range(0, 13), { start: { line: 4, character: 7 }, end: { line: 4, character: 20 } });
  assert.deepEqual(m.range(22, 27), { start: { line: 4, character: 29 }, end: { line: 4, character: 34 } });
});

test('multi-line selections: an entity on a later line counts from column 0 of that line', () => {
  const text = 'met Angela\nMerkel in\n  Paris today';
  const m = new SelectionOffsets({ line: 2, character: 5 }, text);
  const paris = text.indexOf('Paris');
  assert.deepEqual(m.range(paris, paris + 5), { start: { line: 4, character: 2 }, end: { line: 4, character: 7 } });
  // An entity across the line break keeps both ends.
  const angela = text.indexOf('Angela');
  assert.deepEqual(m.range(angela, text.indexOf(' in')), { start: { line: 2, character: 9 }, end: { line: 3, character: 6 } });
});

test('CRLF, CR and LF all end lines; every offset matches a char-by-char walk', () => {
  const text = 'a b\r\nc d\re f\ng\r\n\r\nh';
  const start = { line: 10, character: 3 };
  const m = new SelectionOffsets(start, text);
  for (let i = 0; i <= text.length; i++) {
    if (text[i - 1] === '\r' && text[i] === '\n') continue; // between \r and \n is no position in a document
    assert.deepEqual(m.position(i), walk(start, text, i), `offset ${i}`);
  }
  assert.deepEqual(m.position(text.length), { line: 15, character: 1 });
});

test('offsets outside the text are refused, not clamped', () => {
  const m = new SelectionOffsets({ line: 0, character: 0 }, 'abc');
  assert.throws(() => m.position(4), /offset 4 is outside the selection's 3 characters/);
  assert.throws(() => m.position(-1), RangeError);
  assert.throws(() => m.position(1.5), RangeError);
});
