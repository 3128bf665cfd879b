// CSV and TSV rows through csv-parse, streamed. The first record is the header. Line numbers are counted here from
// each record's raw text, because csv-parse's own count drifts on "\r\n" files.
import { parse, type CsvError } from 'csv-parse';
import { MalformedRowError } from '../errors';
import { isCsvProblem, scanCsvRecord } from './csvScan';
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

/**
 * TSV follows the GLUE/IANA convention of no quoting (text often holds bare quotes); CSV follows RFC 4180, whatever
 * its delimiter.
 */
export async function* readDelimited(file: string, delimiter: string, quoted = delimiter !== '\t'): AsyncGenerator<RawRow> {
  const source = openChecked(file);
  const parser = parse({
    bom: true, delimiter, quote: quoted ? '"' : false, relax_column_count: true,
    record_delimiter: ['\r\n', '\n'], max_record_size: 1 << 24,
  });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  let header: string[] | undefined;
  let line = 1;
  try {
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        const start = line;
        line += linesSpanned(record);
        if (record.length === 1 && record[0] === '') continue; // blank line
        if (!header) {
          header = await headerNames(file, start, record, delimiter);
          continue;
        }
        if (record.length !== header.length) throw await fieldCountError(file, start, record.length, header, delimiter, quoted);
        const row: Record<string, unknown> = {};
        for (let c = 0; c < header.length; c++) row[header[c]] = record[c];
        yield { row, line: start };
      }
    } catch (e) {
      if (isCsvError(e)) throw await quoteError(file, line, delimiter, e);
      throw e;
    }
  } finally {
    parser.destroy();
    source.destroy();
  }
}

/** Column names of a CSV/TSV file, from its header line. */
export async function readDelimitedHeader(file: string, delimiter: string, quoted = delimiter !== '\t'): Promise<string[]> {
  const parser = parse({ bom: true, delimiter, quote: quoted ? '"' : false, to_line: 1, record_delimiter: ['\r\n', '\n'] });
  const source = openChecked(file);
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<string[]>) return await headerNames(file, 1, record, delimiter);
    return [];
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
