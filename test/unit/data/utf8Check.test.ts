// The UTF-8 check against Node's own decoder, byte by byte, with characters cut at every possible chunk boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Utf8Check, firstInvalidByte } from '../../../src/data/utf8Check';
import { InvalidUtf8Error } from '../../../src/data/errors';

async function passThrough(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new Utf8Check('t.txt'))) out.push(c as Buffer);
  return Buffer.concat(out);
}

test('valid text passes through unchanged however it is chunked, even one byte at a time', async () => {
  const bytes = Buffer.from('a é € 𝄞 z\nline two ✓\n');
  for (const size of [1, 2, 3, 5, 7]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    assert.deepEqual(await passThrough(chunks), bytes);
  }
});

test('firstInvalidByte agrees with the WHATWG fatal decoder on every 1- and 2-byte sequence', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const valid = (b: Uint8Array) => { try { fatal.decode(b); return true; } catch { return false; } };
  for (let a = 0; a < 256; a++) {
    assert.equal(firstInvalidByte(Uint8Array.of(a)) === -1, valid(Uint8Array.of(a)), `byte ${a}`);
    for (let b = 0x70; b < 0xd0; b++) {
      const seq = Uint8Array.of(a, b);
      assert.equal(firstInvalidByte(seq) === -1, valid(seq), `bytes ${a} ${b}`);
    }
  }
  // Overlong, surrogate and beyond-U+10FFFF forms.
  for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80]]) {
    assert.equal(firstInvalidByte(Uint8Array.from(bad)), 0);
    assert.equal(valid(Uint8Array.from(bad)), false);
  }
});

test('the error gives line, column in characters and byte offset, across chunks', async () => {
  const bytes = Buffer.concat([Buffer.from('ok\nnaïve'), Buffer.from([0x80]), Buffer.from('\n')]);
  const chunks = [bytes.subarray(0, 5), bytes.subarray(5)];
  await assert.rejects(passThrough(chunks), (e: unknown) => {
    assert.ok(e instanceof InvalidUtf8Error);
    assert.equal(e.line, 2);
    assert.equal(e.column, 6);
    assert.equal(e.byteOffset, 9);
    return true;
  });
});
