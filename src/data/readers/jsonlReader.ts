// JSON Lines: one object per line, streamed line by line. Blank lines are allowed (editors add them at the end).
import { MalformedRowError } from '../errors';
import { findJsonSyntaxError } from '../jsonSyntax';
import { quoteUnsafeIntegers } from './exactIntegers';
import { DEFAULT_READ_LIMITS } from './limits';
import { fileLines } from './source';
import type { RawRow } from './types';

export async function* readJsonl(file: string, maxRowChars = DEFAULT_READ_LIMITS.maxRowChars): AsyncGenerator<RawRow> {
  for await (const { text, line } of fileLines(file, maxRowChars)) {
    if (!text.trim()) continue;
    yield { row: parseObject(file, text, line, 1), line };
  }
}

/**
 * Parses one JSON object whose text starts at `line`:`column` of `file`; a syntax error is reported at its exact
 * character, a non-object value as what it is.
 */
export function parseObject(file: string, text: string, line: number, column: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(quoteUnsafeIntegers(text));
  } catch {
    const problem = findJsonSyntaxError(text);
    const offset = problem?.offset ?? 0;
    const before = text.slice(0, offset);
    const nl = before.lastIndexOf('\n');
    const at = nl === -1
      ? { line, column: column + offset }
      : { line: line + before.split('\n').length - 1, column: offset - nl };
    throw new MalformedRowError('bad-json', { file, ...at }, `invalid JSON: ${problem?.message ?? 'cannot parse'}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new MalformedRowError('row-not-object', { file, line, column },
      `expected a JSON object like {"text": ..., "label": ...} but found ${kind}`);
  }
  return value as Record<string, unknown>;
}
