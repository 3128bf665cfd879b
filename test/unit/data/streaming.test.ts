// Memory stays flat on big files: a generated 200 MB CSV is read in a child process whose peak RSS must stay under
// 300 MB (the file alone would be more than that as a JS string). Memory, not time, is asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TARGET_BYTES = 200 * 1024 * 1024;
const RSS_LIMIT_KB = 300 * 1024;

let dir = '';
let csv = '';
let jsonl = '';
let rowsWritten = 0;
let lastCsvLine = 0;

/** Real review sentences, some with commas, quotes and non-ASCII, so the quoting paths run too. */
function sentences(): string[] {
  const root = path.join(__dirname, '..', '..', '..', '..', 'node_modules', 'sentiment', 'test', 'fixtures');
  const rows = JSON.parse(fs.readFileSync(path.join(root, 'yelp.json'), 'utf8')) as { text: string }[];
  return [...rows.map((r) => r.text), 'naïve café, "quoted" — ok', 'multi\nline, quoted'];
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes rows until the file reaches TARGET_BYTES; returns the row count and the line the last row starts on. */
async function writeBig(file: string, line: (text: string, i: number) => string, header: string): Promise<{ rows: number; lastLine: number }> {
  const texts = sentences();
  const out = fs.createWriteStream(file);
  let bytes = 0;
  let rows = 0;
  let lastLine = 0;
  let nextLine = header ? 2 : 1;
  let buffer = header;
  while (bytes < TARGET_BYTES) {
    const record = line(texts[rows % texts.length], rows);
    buffer += record;
    lastLine = nextLine;
    nextLine += record.split('\n').length - 1;
    rows++;
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return { rows, lastLine };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-stream-'));
  csv = path.join(dir, 'big.csv');
  // The row number makes every text distinct, so duplicate detection has to remember millions of rows.
  ({ rows: rowsWritten, lastLine: lastCsvLine } = await writeBig(csv, (t, i) => `${csvField(`${t} #${i}`)},${i % 3 === 0 ? 'pos' : 'neg'}\n`, 'text,label\n'));
  jsonl = path.join(dir, 'big.jsonl');
  await writeBig(jsonl, (t, i) => `${JSON.stringify({ text: t, label: i % 3 })}\n`, '');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `body` (which sets `result`) in a fresh Node process and returns its result with the peak RSS in KB. */
function inChild(body: string): { result: Record<string, number>; maxRssKb: number } {
  const dataDir = path.join(__dirname, '..', '..', '..', 'src', 'data');
  const script = `
    const data = require(${JSON.stringify(path.join(dataDir, 'index.js'))});
    (async () => {
      let result = {};
      ${body}
      process.stdout.write(JSON.stringify({ result, maxRssKb: process.resourceUsage().maxRSS }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

test('reading a 200 MB CSV row by row keeps peak RSS under 300 MB', (t) => {
  assert.ok(fs.statSync(csv).size >= TARGET_BYTES);
  const { result, maxRssKb } = inChild(`
    let rows = 0, last = 0;
    for await (const r of data.readRows(${JSON.stringify(csv)})) { rows++; last = r.line; }
    result = { rows, last };`);
  assert.equal(result.rows, rowsWritten);
  // Line numbers stay exact across 200 MB, multi-line quoted fields included.
  assert.equal(result.last, lastCsvLine);
  t.diagnostic(`peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
  assert.ok(maxRssKb < RSS_LIMIT_KB, `peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
});

test('reading a 200 MB JSONL file keeps peak RSS under 300 MB', (t) => {
  const { result, maxRssKb } = inChild(`
    let rows = 0;
    for await (const r of data.readRows(${JSON.stringify(jsonl)})) rows++;
    result = { rows };`);
  assert.ok(result.rows > 0);
  t.diagnostic(`peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
  assert.ok(maxRssKb < RSS_LIMIT_KB, `peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
});

test('summarizing the 200 MB CSV (labels, duplicates over millions of distinct rows) also stays under 300 MB', (t) => {
  const { result, maxRssKb } = inChild(`
    const r = await data.summarizeDataset(${JSON.stringify(csv)});
    if (!r.ok) throw r.error;
    result = { rows: r.value.rows, pos: r.value.labelDistribution.find((l) => l.label === 'pos').count, dup: r.value.duplicateRows };`);
  assert.equal(result.rows, rowsWritten);
  assert.equal(result.dup, 0);
  assert.equal(result.pos, Math.ceil(rowsWritten / 3));
  t.diagnostic(`peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
  assert.ok(maxRssKb < RSS_LIMIT_KB, `peak RSS ${(maxRssKb / 1024).toFixed(0)} MB`);
});
