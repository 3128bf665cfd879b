// One entry point over every reader: rows of any supported file as an async iterator of {row, line}.
import { datasetFormatOf, type DatasetFormat } from '../datasetFile';
import { DatasetError } from '../errors';
import { readDelimited, readDelimitedHeader } from './csvReader';
import { sniffCsvDelimiter } from './delimiter';
import { readJsonArray } from './jsonArrayReader';
import { readJsonl } from './jsonlReader';
import { readParquet, readParquetColumns } from './parquetReader';
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
    case 'json': return readJsonArray(file);
    case 'parquet': return readParquet(file, opts);
    case 'text': return readTextLines(file);
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
