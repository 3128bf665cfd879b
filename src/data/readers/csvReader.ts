// CSV and TSV rows through csv-parse, streamed. The first record is the header. Line numbers are counted here from
// each record's raw text, because csv-parse's own count drifts on "\r\n" files.
import { parse, type CsvError } from 'csv-parse';
import { MalformedRowError } from '../errors';
import { isCsvProblem, scanCsvRecord } from './csvScan';
import { DEFAULT_READ_LIMITS, headerTooLong, rowTooLong, type ReadLimits } from './limits';
import { openChecked, positionIn, textFromLine } from './source';
import type { RawRow } from './types';

/**
 * Lines a record spans: one plus the line breaks inside its (quoted) fields. Counted from the values rather than
 * csv-parse's raw text, which costs a third of the parse time.
 */
function linesSpanned(record: readonly string[]): number {
  let n = 1;
  for (const field of record) for (let k = field.indexOf('\n'); k !== -1; k = field.indexOf('\n', k + 1)) n++;
  return n;
}

/** Characters in a record's fields (what csv-parse's max_record_size bounds, give or take the delimiters). */
function recordChars(record: readonly string[]): number {
  let n = 0;
  for (const field of record) n += field.length;
  return n;
}

/**
 * TSV follows the GLUE/IANA convention of no quoting (text often holds bare quotes); CSV follows RFC 4180, whatever
 * its delimiter. csv-parse's max_record_size bounds the memory one record takes (the larger of the row and header
 * limits; the smaller one is checked per record). With `columns`, rows hold only those fields, so a wide file's rows
 * cost what the used columns cost.
 */
export async function* readDelimited(
  file: string, delimiter: string, quoted = delimiter !== '\t', limits: ReadLimits = DEFAULT_READ_LIMITS, columns?: readonly string[],
): AsyncGenerator<RawRow> {
  const source = openChecked(file);
  const parser = parse({
    bom: true, delimiter, quote: quoted ? '"' : false, relax_column_count: true,
    record_delimiter: ['\r\n', '\n'], max_record_size: Math.max(limits.maxRowChars, limits.maxHeaderChars),
  });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  let header: string[] | undefined;
  let picked: number[] = [];
  let line = 1;
  try {
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        const start = line;
        line += linesSpanned(record);
        if (record.length === 1 && record[0] === '') continue; // blank line
        if (!header) {
          if (recordChars(record) > limits.maxHeaderChars) throw headerTooLong({ file, line: start }, limits.maxHeaderChars);
          header = await headerNames(file, start, record, delimiter);
          picked = columns ? header.flatMap((name, c) => (columns.includes(name) ? [c] : [])) : header.map((_, c) => c);
          continue;
        }
        if (record.length !== header.length) throw await fieldCountError(file, start, record.length, header, delimiter, quoted);
        if (recordChars(record) > limits.maxRowChars) throw rowTooLong({ file, line: start }, limits.maxRowChars, 'the record starting here');
        const row: Record<string, unknown> = {};
        for (const c of picked) row[header[c]] = record[c];
        yield { row, line: start };
      }
    } catch (e) {
      if (isCsvError(e) && e.code === 'CSV_MAX_RECORD_SIZE') {
        const limit = Math.max(limits.maxRowChars, limits.maxHeaderChars);
        throw header ? rowTooLong({ file, line }, limit, 'the record starting here') : headerTooLong({ file, line }, limit);
      }
      if (isCsvError(e)) throw await quoteError(file, line, delimiter, e);
      throw e;
    }
  } finally {
    parser.destroy();
    source.destroy();
  }
}

/** Column names of a CSV/TSV file, from its header line. */
export async function readDelimitedHeader(file: string, delimiter: string, quoted = delimiter !== '\t', limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<string[]> {
  const parser = parse({
    bom: true, delimiter, quote: quoted ? '"' : false, to_line: 1, record_delimiter: ['\r\n', '\n'], max_record_size: limits.maxHeaderChars,
  });
  const source = openChecked(file);
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<string[]>) return await headerNames(file, 1, record, delimiter);
    return [];
  } catch (e) {
    if (isCsvError(e) && e.code === 'CSV_MAX_RECORD_SIZE') throw headerTooLong({ file, line: 1 }, limits.maxHeaderChars);
    throw e;
  } finally {
    parser.destroy();
    source.destroy();
  }
}

/**
 * Trimmed header names. Unnamed columns get pandas' names ("Unnamed: 0" is what `df.to_csv()` writes for the index),
 * so files written by pandas read the same here as in Python; repeated names are an error, as rows would lose data.
 */
async function headerNames(file: string, line: number, record: string[], delimiter: string): Promise<string[]> {
  const names = record.map((h, i) => h.trim() || `Unnamed: ${i}`);
  const seen = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    if (seen.has(names[i])) {
      const raw = await textFromLine(file, line);
      const scan = scanCsvRecord(raw, delimiter);
      const offset = isCsvProblem(scan) ? 0 : scan.fieldStarts[i];
      throw new MalformedRowError('duplicate-column', { file, ...positionIn(raw, offset, line) },
        `the header repeats the column name "${names[i]}"; rename one of them so every column has its own name`);
    }
    seen.add(names[i]);
  }
  return names;
}

function isCsvError(e: unknown): e is CsvError {
  return e instanceof Error && typeof (e as CsvError).code === 'string' && (e as CsvError).code.startsWith('CSV_') ||
    (e instanceof Error && (e as CsvError).code === 'INVALID_OPENING_QUOTE');
}

async function fieldCountError(file: string, line: number, found: number, header: string[], delimiter: string, quoted: boolean): Promise<MalformedRowError> {
  // The record's text is read again only now: keeping every record's raw text would slow every read.
  const raw = await textFromLine(file, line);
  const scan = scanCsvRecord(raw, delimiter, quoted);
  let offset = isCsvProblem(scan) ? raw.indexOf('\n') : scan.end; // too few fields: point at the end of the record
  if (!isCsvProblem(scan) && found > header.length) offset = scan.fieldStarts[header.length];
  const at = positionIn(raw, offset, line);
  const sep = delimiter === '\t' ? 'tab' : `'${delimiter}'`;
  const hint = found > header.length
    ? (delimiter === '\t' ? ' A field contains a tab character.' : ` Quote fields that contain ${sep} (e.g. "a${delimiter} b").`)
    : ` Add the missing field(s) or check for a ${sep} missing between fields.`;
  return new MalformedRowError('field-count', { file, ...at },
    `expected ${header.length} fields (${header.join(', ')}) as in the header but found ${found}.${hint}`);
}

/**
 * Re-reads from the last record known good to point at the quote that broke parsing. Records csv-parse had parsed
 * but not yet handed over are skipped by scanning forward.
 */
async function quoteError(file: string, line: number, delimiter: string, e: CsvError): Promise<MalformedRowError> {
  const text = await textFromLine(file, line);
  for (let base = 0; base < text.length;) {
    const scan = scanCsvRecord(text.slice(base), delimiter);
    if (isCsvProblem(scan)) {
      return new MalformedRowError(scan.code, { file, ...positionIn(text, base + scan.offset, line) }, scan.message);
    }
    base += scan.end + (text[base + scan.end] === '\r' ? 2 : 1);
  }
  return new MalformedRowError('invalid-quote', { file, line }, `cannot parse this record: ${e.message}`);
}
