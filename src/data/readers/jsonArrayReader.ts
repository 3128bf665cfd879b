// A top-level JSON array of objects, streamed: the scanner cuts the text into array elements by tracking nesting and
// strings, and each element is parsed on its own, so only one element is in memory at a time.
import { MalformedRowError } from '../errors';
import { parseObject } from './jsonlReader';
import { DEFAULT_READ_LIMITS, rowTooLong } from './limits';
import { openChecked, textChunks } from './source';
import type { RawRow } from './types';

type Phase = 'start' | 'before-element' | 'element' | 'after-element' | 'end';

/** An element over `maxRowChars` is a 'row-too-long' error; it is most often a '{' or '"' that is never closed. */
export async function* readJsonArray(file: string, maxRowChars = DEFAULT_READ_LIMITS.maxRowChars): AsyncGenerator<RawRow> {
  let phase: Phase = 'start';
  let line = 1;
  let column = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let partsLength = 0;
  let elementLine = 0;
  let elementColumn = 0;
  const fail = (detail: string) => new MalformedRowError('json-not-array', { file, line, column }, detail);

  for await (const chunk of textChunks(openChecked(file))) {
    let elementStart = phase === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (phase === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          if (depth === 0 && c === ']') {
            yield finish(chunk.slice(elementStart, i));
            phase = 'end';
          } else depth--;
        } else if (c === ',' && depth === 0) {
          yield finish(chunk.slice(elementStart, i));
          phase = 'before-element';
        }
      } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
        if (phase === 'start') {
          if (c !== '[') {
            throw fail(`expected a JSON array of row objects ([{...}, {...}]) but found '${c}'`);
          }
          phase = 'before-element';
        } else if (phase === 'before-element' && c === ']') {
          if (elementLine !== 0) throw new MalformedRowError('bad-json', { file, line, column }, "invalid JSON: a trailing ',' before ']'");
          phase = 'end'; // "[]"
        } else if (phase === 'before-element') {
          phase = 'element';
          elementStart = i;
          elementLine = line;
          elementColumn = column;
          i--; // let the element branch see this character
          continue;
        } else if (phase === 'end') {
          throw fail(`unexpected '${c}' after the closing ] of the array`);
        }
      }
      if (c === '\n') { line++; column = 1; } else column++;
    }
    if (phase === 'element') {
      parts.push(chunk.slice(elementStart));
      partsLength += chunk.length - elementStart;
      if (partsLength > maxRowChars) {
        throw rowTooLong({ file, line: elementLine, column: elementColumn }, maxRowChars, 'the array element starting here');
      }
    }
  }
  if (phase === 'start') throw fail('the file is empty; expected a JSON array of row objects');
  if ((phase as Phase) !== 'end') throw fail("the array is never closed (missing ']' at the end of the file)");

  function finish(tail: string): RawRow {
    const text = parts.join('') + tail;
    if (text.length > maxRowChars) throw rowTooLong({ file, line: elementLine, column: elementColumn }, maxRowChars, 'the array element starting here');
    parts = [];
    partsLength = 0;
    return { row: parseObject(file, text.trimEnd(), elementLine, elementColumn), line: elementLine };
  }
}
