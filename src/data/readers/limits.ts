// How much of a file one record may hold. Without a bound, a file with no line breaks (a binary, a 10 MB JSON line,
// a 100k-column header) is buffered whole before anything can be said about it; with one, memory per record is
// bounded and the error names the limit and how to raise it.
import { DatasetError, type Location } from '../errors';

export interface ReadLimits {
  /** Characters one data row (a CSV record, a JSON Lines line, a JSON array element, a text line) may hold. */
  maxRowChars: number;
  /** Characters the CSV/TSV header line may hold. */
  maxHeaderChars: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxRowChars: 1 << 20, maxHeaderChars: 1 << 20 };

/** The defaults with `given` on top; a limit that is not a positive integer is an error naming it. */
export function resolveLimits(given: Partial<ReadLimits> = {}): ReadLimits {
  const limits = { ...DEFAULT_READ_LIMITS, ...given };
  for (const key of Object.keys(DEFAULT_READ_LIMITS) as (keyof ReadLimits)[]) {
    const v = limits[key];
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`dataLimits.${key} must be a positive whole number of characters, got ${JSON.stringify(v)}`);
    }
  }
  return limits;
}

/** "1 MiB (1,048,576 characters)": the round figure where there is one, and always the exact count applied. */
export function describeLimit(chars: number): string {
  const exact = `${chars.toLocaleString('en-US')} characters`;
  if (chars % (1 << 20) === 0) return `${chars / (1 << 20)} MiB (${exact})`;
  if (chars % (1 << 10) === 0) return `${chars / (1 << 10)} KiB (${exact})`;
  return exact;
}

export function rowTooLong(loc: Location, limit: number, what = 'this line'): DatasetError {
  return new DatasetError('row-too-long', loc,
    `${what} is longer than the row limit maxRowChars = ${describeLimit(limit)}; reading stopped there so memory stays bounded. ` +
    'A quote or bracket that is never closed, or a file without line breaks, looks like this; if the row really is this long, ' +
    'raise it in the run configuration ("dataLimits": {"maxRowChars": <characters>}).');
}

export function headerTooLong(loc: Location, limit: number): DatasetError {
  return new DatasetError('header-too-long', loc,
    `the header line is longer than the header limit maxHeaderChars = ${describeLimit(limit)}; reading stopped there so memory stays bounded. ` +
    'A file that is not CSV, or one without line breaks, looks like this; if the header really is this long, raise it in the run ' +
    'configuration ("dataLimits": {"maxHeaderChars": <characters>}).');
}
