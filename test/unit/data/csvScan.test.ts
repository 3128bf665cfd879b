// The quote scanner that locates CSV errors must call the same records malformed as csv-parse, or error positions
// would point at the wrong place (or nowhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { isCsvProblem, scanCsvRecord } from '../../../src/data/readers/csvScan';
import { Rng } from '../../../src/util/rng';

function libraryRejects(text: string): boolean {
  try {
    parse(text, { relax_column_count: true, record_delimiter: ['\r\n', '\n'] });
    return false;
  } catch {
    return true;
  }
}

function scannerRejects(text: string): boolean {
  for (let base = 0; base < text.length;) {
    const r = scanCsvRecord(text.slice(base), ',');
    if (isCsvProblem(r)) return true;
    base += r.end + (text[base + r.end] === '\r' ? 2 : 1);
  }
  return false;
}

test('agrees with csv-parse on 20000 random snippets of quotes, commas and line breaks', () => {
  const rng = new Rng(99);
  const alphabet = ['a', ',', '"', '\n', ' ', '\r\n'];
  for (let k = 0; k < 20000; k++) {
    let s = '';
    const n = 1 + rng.int(12);
    for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
    assert.equal(scannerRejects(s), libraryRejects(s), `disagreement on ${JSON.stringify(s)}`);
  }
});

test('field starts and record end', () => {
  assert.deepEqual(scanCsvRecord('a,"b,""c""",d\nnext', ','), { fieldStarts: [0, 2, 12], end: 13 });
  assert.deepEqual(scanCsvRecord('a\t"b\tc\r\n', '\t', false), { fieldStarts: [0, 2, 5], end: 6 });
  assert.deepEqual(scanCsvRecord('"x"y', ','), {
    code: 'invalid-quote', offset: 3,
    message: 'unexpected "y" after a closing quote; inside a quoted field write a quote as "" (e.g. "say ""hi""")',
  });
});
