// Large files are written in pieces: one fs.writeFileSync of bert-large's 4 GB checkpoint threw ERR_OUT_OF_RANGE and
// left run.json saying "running". Every write(2) is at most MAX_WRITE_BYTES, tensors are written from their own
// arrays (no concatenated copy), and a failed write leaves no temporary file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile, safetensorsParts, writeSafetensors } from '../../../src/models/safetensors';
import { MAX_WRITE_BYTES, writeFileAtomic } from '../../../src/util/atomicWrite';

// The compiled modules call fs.writeSync through the shared CommonJS module object, so wrapping it here sees them.
const realFs = createRequire(__filename)('node:fs') as typeof fs;

function recordingWrites<T>(fn: () => T): { result: T; sizes: number[] } {
  const sizes: number[] = [];
  const original = realFs.writeSync;
  realFs.writeSync = ((fd: number, buf: unknown, ...rest: unknown[]) => {
    const length = typeof rest[1] === 'number' ? rest[1] : typeof buf === 'string' ? Buffer.byteLength(buf) : (buf as Uint8Array).byteLength;
    sizes.push(length);
    return (original as (...a: unknown[]) => number)(fd, buf, ...rest);
  }) as typeof fs.writeSync;
  try {
    return { result: fn(), sizes };
  } finally {
    realFs.writeSync = original;
  }
}

test('a 200 MB safetensors file is written in pieces of at most 64 MiB and reads back exactly', () => {
  const n = 50 * 1024 * 1024; // 200 MiB of float32
  const big = new Float32Array(n);
  for (let i = 0; i < n; i += 4099) big[i] = i * 0.5;
  const small = Float32Array.from([1, 2, 3]);
  const tensors = new Map([['big', { dtype: 'F32' as const, shape: [n], data: big }], ['small', { dtype: 'F32' as const, shape: [3], data: small }]]);
  // The tensor bytes are views of the arrays themselves, not copies.
  const parts = safetensorsParts(tensors);
  assert.ok(parts.some((p) => p.buffer === big.buffer), 'float32 data is written from its own buffer');

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chunked-')), 'model.safetensors');
  const { sizes } = recordingWrites(() => writeSafetensors(file, tensors));
  assert.ok(sizes.length >= 4, `${sizes.length} writes`);
  assert.ok(Math.max(...sizes) <= MAX_WRITE_BYTES, `largest write ${Math.max(...sizes)} bytes`);
  const st = SafetensorsFile.open(file);
  const back = st.readFloat32('big');
  assert.equal(back.length, n);
  for (let i = 0; i < n; i += 4099) assert.equal(back[i], big[i]);
  assert.deepEqual(Array.from(st.readFloat32('small')), [1, 2, 3]);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['model.safetensors']);
});

test('a write that fails half way leaves the old file and no temporary file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunked-fail-'));
  const file = path.join(dir, 'state.bin');
  fs.writeFileSync(file, 'old');
  const original = realFs.writeSync;
  let calls = 0;
  realFs.writeSync = ((...a: unknown[]) => {
    if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (original as (...x: unknown[]) => number)(...a);
  }) as typeof fs.writeSync;
  try {
    assert.throws(() => writeFileAtomic(file, [new Uint8Array(10), new Uint8Array(10)]), /ENOSPC/);
  } finally {
    realFs.writeSync = original;
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir), ['state.bin']);
});
