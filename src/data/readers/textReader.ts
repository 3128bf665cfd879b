// Plain text and Markdown as an unlabeled corpus for masked-language-model pre-training: one row per non-blank line.
import { DEFAULT_READ_LIMITS } from './limits';
import { fileLines } from './source';
import type { RawRow } from './types';

export const TEXT_COLUMN = 'text';

export async function* readTextLines(file: string, maxRowChars = DEFAULT_READ_LIMITS.maxRowChars): AsyncGenerator<RawRow> {
  for await (const { text, line } of fileLines(file, maxRowChars)) {
    const trimmed = text.trim();
    if (trimmed) yield { row: { [TEXT_COLUMN]: trimmed }, line };
  }
}
