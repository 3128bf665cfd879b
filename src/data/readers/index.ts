// One entry point over every reader: rows of any supported file as an async iterator of {row, line}.
import { datasetFormatOf, type DatasetFormat } from '../datasetFile';
import { DatasetError, MalformedRowError } from '../errors';
import { readDelimited, readDelimitedHeader } from './csvReader';
import { sniffCsvDelimiter } from './delimiter';
import { readJsonArray } from './jsonArrayReader';
import { columnarJsonError, columnarShapeOf, columnarShapeOfHead } from './columnarJson';
import { readJsonl } from './jsonlReader';
import { resolveLimits, type ReadLimits } from './limits';
import { readParquet, readParquetColumns } from './parquetReader';
import { textFromLine } from './source';
import { readTextLines, TEXT_COLUMN } from './textReader';
import type { RawRow, ReaderOptions } from './types';

export type { RawRow, ReaderOptions } from './types';
export { DEFAULT_READ_LIMITS, resolveLimits, type ReadLimits } from './limits';

export function formatOrThrow(file: string, format?: DatasetFormat): DatasetFormat {
  const f = format ?? datasetFormatOf(file);
  if (!f) {
    throw new DatasetError('unsupported-format', { file },
      'unsupported file type; use .csv, .tsv, .jsonl, .json, .parquet, or .txt/.md for unlabeled text');
  }
  return f;
}

/** Streams the rows of `file`; throws a DatasetError subclass (with file:line:column) at the first malformed row. */
export function readRows(file: string, opts: ReaderOptions & { format?: DatasetFormat } = {}): AsyncGenerator<RawRow> {
  const format = formatOrThrow(file, opts.format);
  const limits = resolveLimits(opts.limits);
  switch (format) {
    case 'csv': return readCsv(file, limits, opts.columns);
    case 'tsv': return readDelimited(file, '\t', false, limits, opts.columns);
    case 'jsonl': return refuseColumnar(file, readJsonl(file, limits.maxRowChars));
    case 'json': return readJson(file, limits);
    case 'parquet': return readParquet(file, opts);
    case 'text': return readTextLines(file, limits.maxRowChars);
  }
}

/**
 * Rows as they come, except a file whose only row is an object of columns, which is refused naming that shape. The
 * first row is held back until a second one shows the file has rows.
 */
async function* refuseColumnar(file: string, rows: AsyncGenerator<RawRow>): AsyncGenerator<RawRow> {
  const first = await rows.next();
  if (first.done) return;
  const shape = columnarShapeOf(first.value.row);
  if (shape) {
    const second = await rows.next();
    if (second.done) throw columnarJsonError(file, shape, Object.keys(first.value.row));
    yield first.value;
    yield second.value;
  } else {
    yield first.value;
  }
  yield* rows;
}

/**
 * ".json" holds either an array of rows or, as Hugging Face `Dataset.to_json` and pandas `lines=True` write it, one
 * object per line. A file starting with "{" is read as JSON Lines; if its first line is not a whole object it was one
 * (pretty-printed) object, which is not a table.
 */
async function* readJson(file: string, limits: ReadLimits): AsyncGenerator<RawRow> {
  const head = (await textFromLine(file, 1, 1 << 12)).trimStart();
  if (!head.startsWith('{')) {
    yield* readJsonArray(file, limits.maxRowChars);
    return;
  }
  let rows = 0;
  try {
    for await (const r of refuseColumnar(file, readJsonl(file, limits.maxRowChars))) {
      rows++;
      yield r;
    }
  } catch (e) {
    // A first object spread over lines, or too long for one row: its first value says whether it holds columns. A
    // broken one-line row is left to the messages below, whatever its first field holds.
    const spread = !head.split('\n', 1)[0].trimEnd().endsWith('}') || (e instanceof DatasetError && e.code === 'row-too-long');
    const shape = rows === 0 && spread && e instanceof DatasetError && e.line === 1 && e.code !== 'columnar-json' ? columnarShapeOfHead(head) : undefined;
    if (shape) throw columnarJsonError(file, shape, topLevelKeys(head));
    if (rows === 0 && e instanceof MalformedRowError && e.line === 1 && e.code !== 'columnar-json') {
      throw new MalformedRowError('json-not-array', { file, line: 1, column: 1 },
        'expected a JSON array of row objects ([{...}, {...}]) or one object per line, but the file holds one object; ' +
        'write one object per line, or wrap the rows in [ ]');
    }
    throw e;
  }
}

/** Keys of the top-level object visible in `head` whose values open a list or object (the columns). */
function topLevelKeys(head: string): string[] {
  return [...head.matchAll(/"((?:[^"\\]|\\.)*)"\s*:\s*[[{]/g)].map((m) => m[1]).slice(0, 6);
}

async function* readCsv(file: string, limits: ReadLimits, columns?: readonly string[]): AsyncGenerator<RawRow> {
  yield* readDelimited(file, await sniffCsvDelimiter(file), true, limits, columns);
}

/** How many rows the JSON readers look at to collect column names (JSON rows may omit keys). */
const JSON_HEADER_ROWS = 100;

/** Column names without reading the whole file: the header, the Parquet schema, or the keys of the first rows. */
export async function readColumnNames(file: string, format?: DatasetFormat, limits?: Partial<ReadLimits>): Promise<string[]> {
  const f = formatOrThrow(file, format);
  if (f === 'csv') return readDelimitedHeader(file, await sniffCsvDelimiter(file), true, resolveLimits(limits));
  if (f === 'tsv') return readDelimitedHeader(file, '\t', false, resolveLimits(limits));
  if (f === 'parquet') return readParquetColumns(file);
  if (f === 'text') return [TEXT_COLUMN];
  const names = new Set<string>();
  let n = 0;
  const rows = readRows(file, { format: f, limits });
  for await (const { row } of rows) {
    for (const k of Object.keys(row)) names.add(k);
    if (++n >= JSON_HEADER_ROWS) break;
  }
  return [...names];
}
