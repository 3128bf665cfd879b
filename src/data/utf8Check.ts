// A pass-through stream that proves its bytes are UTF-8 and, when they are not, says where as line:column. Decoders
// downstream (csv-parse, StringDecoder) would silently turn bad bytes into U+FFFD, and the model would train on them.
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidUtf8Error } from './errors';

/** Length of the sequence a lead byte starts; 0 for a continuation or never-valid byte. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Index of the first byte that makes `buf` invalid UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function firstInvalidByte(buf: Uint8Array): number {
  for (let i = 0; i < buf.length;) {
    const b = buf[i];
    const n = sequenceLength(b);
    if (n === 0) return i;
    if (n === 1) { i++; continue; }
    if (i + n > buf.length) return i;
    const b1 = buf[i + 1];
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < n; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    i += n;
  }
  return -1;
}

/** Characters (code points) in `buf[from, to)`, counting only sequence starts. */
function countChars(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((buf[i] & 0xc0) !== 0x80) n++;
  return n;
}

export class Utf8Check extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0; // bytes already passed on
  private line = 1;
  private charsInLine = 0;

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeEnd(buf);
    const body = buf.subarray(0, end);
    if (!isUtf8(body)) return done(this.failAt(body, firstInvalidByte(body)));
    this.advance(body);
    this.carry = Buffer.from(buf.subarray(end));
    // A chunk that was all the start of one character: nothing to pass on yet.
    if (body.length === 0) return done();
    done(null, body);
  }

  override _flush(done: TransformCallback): void {
    // A sequence cut off by the end of the file.
    if (this.carry.length) return done(this.failAt(this.carry, 0));
    done();
  }

  private advance(body: Buffer): void {
    let last = -1;
    for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) {
      this.line++;
      last = i;
    }
    this.charsInLine = last === -1 ? this.charsInLine + countChars(body, 0, body.length) : countChars(body, last + 1, body.length);
    this.offset += body.length;
  }

  private failAt(body: Buffer, at: number): InvalidUtf8Error {
    this.advance(body.subarray(0, at));
    return new InvalidUtf8Error({ file: this.file, line: this.line, column: this.charsInLine + 1 }, this.offset, body[at]);
  }
}

/** End of the longest prefix of `buf` that does not stop inside a multi-byte sequence. */
function completeEnd(buf: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back];
    if ((b & 0xc0) === 0x80) continue;
    const n = sequenceLength(b);
    return n > back ? buf.length - back : buf.length;
  }
  return buf.length;
}
