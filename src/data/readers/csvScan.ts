// A quote-aware scan of CSV text, used only to point at problems: csv-parse reports its errors by its own line count
// (which counts "\r\n" inconsistently) and without a character column, so once it fails we re-scan the failing
// record's text to find the exact character.

export type CsvProblemCode = 'unclosed-quote' | 'invalid-quote';

export interface CsvProblem {
  code: CsvProblemCode;
  /** Offset in characters from the start of the scanned text. */
  offset: number;
  message: string;
}

/**
 * Scans one record starting at `text[0]` and returns its field start offsets, or the first quoting problem.
 * A record ends at an unquoted "\n" (or the end of the text).
 */
export function scanCsvRecord(text: string, delimiter: string, quoted = true): { fieldStarts: number[]; end: number } | CsvProblem {
  const fieldStarts = [0];
  let i = 0;
  for (;;) {
    if (!quoted) {
      while (i < text.length && text[i] !== delimiter && text[i] !== '\n') i++;
    } else if (text[i] === '"') {
      const open = i;
      i++;
      for (;;) {
        if (i >= text.length) {
          return { code: 'unclosed-quote', offset: open, message: 'this quoted field is never closed (missing ")' };
        }
        if (text[i] === '"') {
          if (text[i + 1] === '"') { i += 2; continue; }
          i++;
          break;
        }
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== delimiter && after !== '\n' && !(after === '\r' && text[i + 1] === '\n')) {
        return {
          code: 'invalid-quote', offset: i,
          message: `unexpected ${JSON.stringify(after)} after a closing quote; inside a quoted field write a quote as "" (e.g. "say ""hi""")`,
        };
      }
    } else {
      while (i < text.length && text[i] !== delimiter && text[i] !== '\n') {
        if (text[i] === '"') {
          return {
            code: 'invalid-quote', offset: i,
            message: 'a quote inside an unquoted field; quote the whole field and double the inner quotes (e.g. "say ""hi""")',
          };
        }
        i++;
      }
    }
    if (i >= text.length || text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      // An unquoted last field stops at "\n"; its "\r" belongs to the line break, not the field.
      return { fieldStarts, end: text[i] === '\n' && text[i - 1] === '\r' ? i - 1 : i };
    }
    i++; // delimiter
    fieldStarts.push(i);
  }
}

export function isCsvProblem(x: ReturnType<typeof scanCsvRecord>): x is CsvProblem {
  return 'code' in x;
}
