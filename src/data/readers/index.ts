// One entry point over every reader: rows of any supported file as an async iterator of {row, line}.
import { datasetFormatOf, type DatasetFormat } from '../datasetFile';
import { DatasetError, MalformedRowError } from '../errors';
import { readDelimited, readDelimitedHeader } from './csvReader';
import { sniffCsvDelimiter } from './delimiter';
import { readJsonArray } from './jsonArrayReader';
import { readJsonl } from './jsonlReader';
import { readParquet, readParquetColumns } from './parquetReader';
import { textFromLine } from './source';
import { readTextLines, TEXT_COLUMN } from './textReader';
import type { RawRow, ReaderOptions } from './types';

export type { RawRow, ReaderOptions } from './types';

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
  switch (formatOrThrow(file, opts.format)) {
    case 'csv': return readCsv(file);
    case 'tsv': return readDelimited(file, '\t');
    case 'jsonl': return readJsonl(file);
    case 'json': return readJson(file);
    case 'parquet': return readParquet(file, opts);
    case 'text': return readTextLines(file);
  }
}

/**
 * ".json" holds either an array of rows or, as Hugging Face `Dataset.to_json` and pandas `lines=True` write it, one
 * object per line. A file starting with "{" is read as JSON Lines; if its first line is not a whole object it was one
 * (pretty-printed) object, which is not a table.
 */
async function* readJson(file: string): AsyncGenerator<RawRow> {
  const head = (await textFromLine(file, 1, 1 << 12)).trimStart();
  if (!head.startsWith('{')) {
    yield* readJsonArray(file);
    return;
  }
  let rows = 0;
  try {
    for await (const r of readJsonl(file)) {
      rows++;
      yield r;
    }
  } catch (e) {
    if (rows === 0 && e instanceof MalformedRowError && e.line === 1) {
      throw new MalformedRowError('json-not-array', { file, line: 1, column: 1 },
        'expected a JSON array of row objects ([{...}, {...}]) or one object per line, but the file holds one object; ' +
        'write one object per line, or wrap the rows in [ ]');
    }
    throw e;
  }
}

async function* readCsv(file: string): AsyncGenerator<RawRow> {
  yield* readDelimited(file, await sniffCsvDelimiter(file), true);
}

/** How many rows the JSON readers look at to collect column names (JSON rows may omit keys). */
const JSON_HEADER_ROWS = 100;

/** Column names without reading the whole file: the header, the Parquet schema, or the keys of the first rows. */
export async function readColumnNames(file: string, format?: DatasetFormat): Promise<string[]> {
  const f = formatOrThrow(file, format);
  if (f === 'csv') return readDelimitedHeader(file, await sniffCsvDelimiter(file));
  if (f === 'tsv') return readDelimitedHeader(file, '\t');
  if (f === 'parquet') return readParquetColumns(file);
  if (f === 'text') return [TEXT_COLUMN];
  const names = new Set<string>();
  let n = 0;
  const rows = readRows(file, { format: f });
  for await (const { row } of rows) {
    for (const k of Object.keys(row)) names.add(k);
    if (++n >= JSON_HEADER_ROWS) break;
  }
  return [...names];
}
