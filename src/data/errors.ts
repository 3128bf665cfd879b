// Everything that can be wrong with a dataset, as typed errors and warnings whose messages say where (file:line:column)
// and what to do. Readers throw these; the public entry points catch them and return a DataResult, so nothing a user's
// file contains can throw through to the extension host.
import * as path from 'node:path';

export type DatasetErrorCode =
  | 'file-unreadable'
  | 'unsupported-format'
  | 'invalid-utf8'
  | 'unclosed-quote'
  | 'invalid-quote'
  | 'field-count'
  | 'duplicate-column'
  | 'bad-json'
  | 'json-not-array'
  | 'row-not-object'
  | 'bad-parquet'
  | 'empty-dataset'
  | 'missing-column'
  | 'no-text-column'
  | 'mixed-label-types'
  | 'bad-label'
  | 'single-class'
  | 'unseen-eval-labels'
  | 'bad-split'
  | 'not-a-regular-file'
  | 'row-too-long'
  | 'header-too-long'
  | 'file-changed'
  | 'columnar-json'
  | 'object-label'
  | 'no-validation'
  | 'cancelled';

export interface Location {
  file: string;
  /** 1-based line (for Parquet: 1-based row number, shown as "row N"). */
  line?: number;
  /** 1-based column in characters. */
  column?: number;
  /** Parquet files have rows, not lines. */
  unit?: 'line' | 'row';
}

/** "data/train.csv:12:5" or "data/train.parquet row 12": the form editors turn into links. */
export function formatLocation(loc: Location): string {
  const file = displayPath(loc.file);
  if (loc.line === undefined) return file;
  if (loc.unit === 'row') return `${file} row ${loc.line}`;
  return loc.column === undefined ? `${file}:${loc.line}` : `${file}:${loc.line}:${loc.column}`;
}

/** Paths are shown relative to the current directory when inside it, so messages stay short. */
function displayPath(file: string): string {
  const cwd = process.cwd();
  // The extension host often runs in "/": a path relative to the root would just lose its leading slash.
  if (path.parse(cwd).root === cwd) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export class DatasetError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  constructor(readonly code: DatasetErrorCode, loc: Location, detail: string) {
    super(`${formatLocation(loc)}: ${detail}`);
    this.name = new.target.name;
    this.file = loc.file;
    this.line = loc.line;
    this.column = loc.column;
  }
}

/** The file cannot be parsed at a given place: quotes, field counts, JSON syntax, Parquet structure. */
export class MalformedRowError extends DatasetError {}

export class InvalidUtf8Error extends DatasetError {
  constructor(loc: Location, readonly byteOffset: number, byte: number) {
    super('invalid-utf8', loc,
      `invalid UTF-8 byte 0x${byte.toString(16).padStart(2, '0')} at byte offset ${byteOffset}; ` +
      're-save the file as UTF-8 (e.g. VS Code: "Save with Encoding" → UTF-8)');
  }
}

/** A named column does not exist, or none could be detected. */
export class ColumnError extends DatasetError {
  constructor(code: 'missing-column' | 'no-text-column', loc: Location, detail: string, readonly suggestions: string[] = []) {
    super(code, loc, detail);
  }
}

/** Labels that make training impossible or evaluation meaningless. */
export class LabelError extends DatasetError {}

export class SplitError extends DatasetError {}

/** Problems that do not stop training but that the user should know about. */
export type DatasetWarningCode =
  | 'empty-text' | 'duplicate-rows' | 'train-test-overlap' | 'empty-rows' | 'unlabeled-rows' | 'label-delimiter-suggested'
  | 'no-validation';

export interface DatasetWarning {
  code: DatasetWarningCode;
  file: string;
  /** Lines (or Parquet rows) of the first few cases, for navigation. */
  lines: number[];
  count: number;
  message: string;
}

export type DataResult<T> =
  | { ok: true; value: T; warnings: DatasetWarning[] }
  | { ok: false; error: DatasetError; warnings: DatasetWarning[] };

/**
 * Runs `work` and converts anything it throws into a typed failure. Non-dataset exceptions (bugs, I/O) are wrapped
 * rather than rethrown: the callers are views and the worker, which must report, not crash.
 */
export async function toResult<T>(file: string, work: (warnings: DatasetWarning[]) => Promise<T>): Promise<DataResult<T>> {
  const warnings: DatasetWarning[] = [];
  try {
    return { ok: true, value: await work(warnings), warnings };
  } catch (e) {
    return { ok: false, error: asDatasetError(file, e), warnings };
  }
}

export function asDatasetError(file: string, e: unknown): DatasetError {
  if (e instanceof DatasetError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && err.syscall) {
    return new DatasetError('file-unreadable', { file }, `cannot read the file (${err.message})`);
  }
  return new DatasetError('file-unreadable', { file }, `cannot read the file: ${err instanceof Error ? err.message : String(e)}`);
}

/** Up to `n` items, then "and K more": long lists of lines stay readable. */
export function listSome<T>(items: readonly T[], total: number, n = 5): string {
  const shown = items.slice(0, n).join(', ');
  return total > n ? `${shown} and ${total - n} more` : shown;
}
