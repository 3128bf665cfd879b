// Byte sources shared by the text-based readers: a UTF-8-checked file stream, a streaming line splitter, and a way
// to fetch the text around a failing line for precise error positions. Nothing here holds a whole file.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Utf8Check } from '../utf8Check';
import { rowTooLong } from './limits';
import { openRegularFile } from './regularFile';

const CHUNK = 1 << 16;

/** A stream of a regular file's bytes; FIFOs and devices are refused before they are opened for reading. */
function openBytes(file: string): fs.ReadStream {
  return fs.createReadStream(file, { fd: openRegularFile(file), highWaterMark: CHUNK });
}

/**
 * The file's bytes, failing with an InvalidUtf8Error (with line:column) at the first byte that is not UTF-8, and with
 * a 'not-a-regular-file' DatasetError (thrown here, before any read) for FIFOs, devices and folders.
 */
export function openChecked(file: string): Readable {
  const input = openBytes(file);
  const check = new Utf8Check(file);
  input.on('error', (e) => check.destroy(e));
  check.on('close', () => input.destroy());
  return input.pipe(check);
}

/** Decoded text chunks of a checked stream. The BOM, if any, is dropped. */
export async function* textChunks(source: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  try {
    for await (const chunk of source) {
      let text = decoder.write(chunk as Buffer);
      if (first && text.length) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  } finally {
    source.destroy();
  }
}

/**
 * Lines without their terminator ("\n" or "\r\n"), numbered from 1. A line longer than `maxChars` is a 'row-too-long'
 * error as soon as that many characters are buffered, so a file without line breaks never sits in memory whole.
 */
export async function* fileLines(file: string, maxChars = Infinity): AsyncGenerator<{ text: string; line: number }> {
  let pending = '';
  let line = 1;
  for await (const chunk of textChunks(openChecked(file))) {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - start > maxChars) throw rowTooLong({ file, line }, maxChars);
      yield { text: pending.slice(start, end), line: line++ };
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (pending.length > maxChars + 1) throw rowTooLong({ file, line }, maxChars);
  }
  if (pending.endsWith('\r')) pending = pending.slice(0, -1);
  if (pending.length > maxChars) throw rowTooLong({ file, line }, maxChars);
  if (pending.length) yield { text: pending, line };
}

/**
 * Text from the start of line `line` on, at most `maxChars` characters. Used after a parse failure, so reading the
 * file again up to that point is acceptable.
 */
export async function textFromLine(file: string, line: number, maxChars = 1 << 20): Promise<string> {
  let current = 1;
  let out = '';
  for await (const chunk of textChunks(openBytes(file))) {
    let from = 0;
    while (current < line) {
      const nl = chunk.indexOf('\n', from);
      if (nl === -1) { from = chunk.length; break; }
      current++;
      from = nl + 1;
    }
    if (current < line) continue;
    out += chunk.slice(from);
    if (out.length >= maxChars) break;
  }
  return out.slice(0, maxChars);
}

/** 1-based line and column of `offset` within `text`, given that `text` starts at column 1 of `firstLine`. */
export function positionIn(text: string, offset: number, firstLine: number): { line: number; column: number } {
  let line = firstLine;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
