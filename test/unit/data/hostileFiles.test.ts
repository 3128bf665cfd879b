// Hostile files (issue 19, item 4): only regular files are read (FIFOs and devices refused by what they are, before
// any read), one row and the header are bounded (the limit is named in the error), and a 100k-column CSV loads with
// flat memory (peak RSS measured in a child process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExamples, type LoadOptions } from '../../../src/data/examples';
import type { DatasetError } from '../../../src/data/errors';
import { readColumnNames } from '../../../src/data/readers';
import { describeLimit, resolveLimits } from '../../../src/data/readers/limits';
import { summarizeDataset } from '../../../src/data/summary';

let dir = '';
const cwd = process.cwd();
before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ft-hostile-')));
  process.chdir(dir);
});
after(() => {
  process.chdir(cwd);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(name: string, opts?: LoadOptions): Promise<DatasetError> {
  const r = await loadExamples(name, opts);
  assert.equal(r.ok, false, `${name} should fail to load`);
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

const SAVE = 'Save the data to a regular .csv/.tsv/.jsonl/.json/.parquet/.txt file and choose that.';
const ROW_FIX = 'reading stopped there so memory stays bounded. A quote or bracket that is never closed, or a file without line breaks, ' +
  'looks like this; if the row really is this long, raise it in the run configuration ("dataLimits": {"maxRowChars": <characters>}).';

test('a FIFO is refused at once with the reason, and never opened for reading', { skip: process.platform === 'win32' }, async () => {
  execFileSync('mkfifo', [path.join(dir, 'pipe.csv')]);
  const e = await failure('pipe.csv');
  assert.equal(e.code, 'not-a-regular-file');
  assert.equal(e.message,
    `pipe.csv: this path is a named pipe (FIFO), not a regular file: reading it would wait for a writer, possibly forever. ${SAVE}`);
  // Opening a FIFO for writing without blocking fails with ENXIO exactly when no process holds it open for reading.
  assert.throws(() => fs.openSync('pipe.csv', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK), { code: 'ENXIO' });
  // The other entry points refuse it the same way.
  await assert.rejects(readColumnNames('pipe.csv'), { code: 'not-a-regular-file' });
  const s = await summarizeDataset('pipe.csv');
  assert.equal(s.ok ? undefined : s.error.code, 'not-a-regular-file');
  for (const name of ['pipe.jsonl', 'pipe.json', 'pipe.txt', 'pipe.parquet', 'pipe.tsv']) {
    execFileSync('mkfifo', [path.join(dir, name)]);
    assert.equal((await failure(name)).code, 'not-a-regular-file', name);
  }
});

test('a symbolic link to /dev/zero or /dev/urandom (character devices), and a folder, are refused', { skip: process.platform === 'win32' }, async () => {
  fs.symlinkSync('/dev/zero', path.join(dir, 'zero.csv'));
  const e = await failure('zero.csv');
  assert.equal(e.code, 'not-a-regular-file');
  assert.equal(e.message, 'zero.csv: this path (a symbolic link to /dev/zero) is a character device (like /dev/zero or a terminal), ' +
    `not a regular file: it can produce bytes without end. ${SAVE}`);
  fs.symlinkSync('/dev/urandom', path.join(dir, 'random.jsonl'));
  assert.equal((await failure('random.jsonl')).code, 'not-a-regular-file');
  fs.mkdirSync(path.join(dir, 'folder.csv'));
  assert.equal((await failure('folder.csv')).message, `folder.csv: this path is a folder, not a file. ${SAVE}`);
});

test('a 10 MB JSON Lines line stops at the 1 MiB row limit, named in the error; a raised limit reads it', async () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  fs.writeFileSync(path.join(dir, 'long.jsonl'), [{ text: 'short', label: 0 }, { text: big, label: 1 }, { text: 'b', label: 0 }].map((r) => JSON.stringify(r)).join('\n'));
  const e = await failure('long.jsonl');
  assert.equal(e.code, 'row-too-long');
  assert.equal(e.message, `long.jsonl:2: this line is longer than the row limit maxRowChars = 1 MiB (1,048,576 characters); ${ROW_FIX}`);
  const raised = await loadExamples('long.jsonl', { limits: { maxRowChars: 16 << 20 } });
  assert.ok(raised.ok, raised.ok ? '' : raised.error.message);
  assert.equal(raised.value.examples[1].text.length, big.length);
});

test('row limits for CSV records, JSON array elements and text files without line breaks', async () => {
  const field = 'y'.repeat(2 << 20);
  fs.writeFileSync(path.join(dir, 'wide-row.csv'), `text,label\nok,pos\n"${field}",neg\nfine,neg\n`);
  const csv = await failure('wide-row.csv');
  assert.equal(csv.message,
    `wide-row.csv:3: the record starting here is longer than the row limit maxRowChars = 1 MiB (1,048,576 characters); ${ROW_FIX}`);
  // A smaller configured limit is checked per record, below csv-parse's buffer bound.
  fs.writeFileSync(path.join(dir, 'small.csv'), `text,label\nok,pos\n${'z'.repeat(300)},neg\n`);
  assert.equal((await failure('small.csv', { limits: { maxRowChars: 256 } })).message,
    `small.csv:3: the record starting here is longer than the row limit maxRowChars = 256 characters; ${ROW_FIX}`);
  fs.writeFileSync(path.join(dir, 'array.json'), `[{"text": "a", "label": 1},\n {"text": "${field}", "label": 0}]`);
  assert.equal((await failure('array.json')).message,
    `array.json:2:2: the array element starting here is longer than the row limit maxRowChars = 1 MiB (1,048,576 characters); ${ROW_FIX}`);
  fs.writeFileSync(path.join(dir, 'oneline.txt'), 'w'.repeat(3 << 20));
  assert.equal((await failure('oneline.txt')).message,
    `oneline.txt:1: this line is longer than the row limit maxRowChars = 1 MiB (1,048,576 characters); ${ROW_FIX}`);
});

test('the header is bounded too: a header line over maxHeaderChars is an error naming the limit', async () => {
  const fix = 'reading stopped there so memory stays bounded. A file that is not CSV, or one without line breaks, looks like this; if the header ' +
    'really is this long, raise it in the run configuration ("dataLimits": {"maxHeaderChars": <characters>}).';
  // 200k columns: a 1.3 MB header line.
  const names = ['text', 'label', ...Array.from({ length: 200_000 }, (_, i) => `c${i}`)];
  fs.writeFileSync(path.join(dir, 'header.csv'), `${names.join(',')}\n`);
  const e = await failure('header.csv');
  assert.equal(e.code, 'header-too-long');
  assert.equal(e.message, `header.csv:1: the header line is longer than the header limit maxHeaderChars = 1 MiB (1,048,576 characters); ${fix}`);
  fs.writeFileSync(path.join(dir, 'short-header.tsv'), `text\tlabel\t${'h'.repeat(100)}\na\tb\tc\n`);
  assert.equal((await failure('short-header.tsv', { limits: { maxHeaderChars: 64 } })).message,
    `short-header.tsv:1: the header line is longer than the header limit maxHeaderChars = 64 characters; ${fix}`);
  assert.equal(describeLimit(3 << 19), '1536 KiB (1,572,864 characters)');
  assert.equal(describeLimit(1000), '1,000 characters');
  assert.throws(() => resolveLimits({ maxRowChars: 0 }), { message: 'dataLimits.maxRowChars must be a positive whole number of characters, got 0' });
});

/** Runs `body` in a fresh Node process; returns what it sets as `result` and the process's peak RSS in MB. */
function inChild(body: string, nodeFlags: string[] = []): { result: Record<string, unknown>; maxRssMb: number } {
  const dataDir = path.join(__dirname, '..', '..', '..', 'src', 'data');
  const script = `
    const data = require(${JSON.stringify(path.join(dataDir, 'index.js'))});
    (async () => {
      let result = {};
      ${body}
      process.stdout.write(JSON.stringify({ result, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, [...nodeFlags, '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

function writeWide(file: string, columns: number, rows: number): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, ['text', 'label', ...Array.from({ length: columns - 2 }, (_, i) => `c${i + 2}`)].join(',') + '\n');
  const tail = ',0'.repeat(columns - 2);
  for (let r = 0; r < rows; r++) fs.writeSync(fd, `sentence number ${r},${r % 2 ? 'pos' : 'neg'}${tail}\n`);
  fs.closeSync(fd);
}

/** A JS heap this small cannot hold what grows with the file; the old reader needed 2.6 GB for 200 rows of 100k columns. */
const HEAP_CAP_MB = 96;

test(`a 100k-column CSV loads with flat memory: 100 and 400 rows both fit a ${HEAP_CAP_MB} MB heap`, (t) => {
  const small = path.join(dir, 'wide-100.csv');
  const large = path.join(dir, 'wide-400.csv');
  writeWide(small, 100_000, 100);
  writeWide(large, 100_000, 400);
  const load = (file: string) => inChild(`
    const r = await data.loadExamples(${JSON.stringify(file)});
    if (!r.ok) throw r.error;
    result = { n: r.value.examples.length, labels: r.value.labels.names };`, [`--max-old-space-size=${HEAP_CAP_MB}`]);
  const a = load(small);
  const b = load(large);
  assert.deepEqual(a.result, { n: 100, labels: ['neg', 'pos'] });
  assert.deepEqual(b.result, { n: 400, labels: ['neg', 'pos'] });
  t.diagnostic(`peak RSS ${a.maxRssMb.toFixed(0)} MB for ${(fs.statSync(small).size / 2 ** 20).toFixed(0)} MB, ` +
    `${b.maxRssMb.toFixed(0)} MB for ${(fs.statSync(large).size / 2 ** 20).toFixed(0)} MB`);
  // Before issue 19 this took 2.6 GB for 200 rows: every sampled row kept all 100k fields and stats were built per column.
  // RSS is the heap cap plus Node's own memory and the parser's buffers, whatever the number of rows.
  assert.ok(b.maxRssMb < 250, `peak RSS ${b.maxRssMb.toFixed(0)} MB`);
  fs.rmSync(small);
  fs.rmSync(large);
});
