import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checkpoint } from '../../../src/models/checkpoint';
import { SafetensorsFile, TensorToWrite, floatToHalf, halfToFloat, safetensorsToBytes, writeSafetensors } from '../../../src/models/safetensors';
import { fixtureModel, tempDir } from './support';

function rawFile(header: Record<string, unknown>, data: Buffer): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

test('F32, F16 and BF16 tensors read back as float32 with the right values', () => {
  const dir = tempDir('st');
  const file = path.join(dir, 'm.safetensors');
  // 1.5 = 0x3E00 in fp16 and 0x3FC0 in bf16; -2 = 0xC000 / 0xC000; 0.1 is inexact in both.
  const f16 = Buffer.alloc(6);
  [0x3e00, 0xc000, 0x2e66].forEach((v, i) => f16.writeUInt16LE(v, i * 2));
  const bf16 = Buffer.alloc(6);
  [0x3fc0, 0xc000, 0x3dcd].forEach((v, i) => bf16.writeUInt16LE(v, i * 2));
  const f32 = Buffer.alloc(8);
  f32.writeFloatLE(3.25, 0);
  f32.writeFloatLE(-7, 4);
  fs.writeFileSync(file, rawFile({
    __metadata__: { format: 'pt' },
    a: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
    b: { dtype: 'BF16', shape: [3], data_offsets: [6, 12] },
    c: { dtype: 'F32', shape: [1, 2], data_offsets: [12, 20] },
  }, Buffer.concat([f16, bf16, f32])));
  const st = SafetensorsFile.open(file);
  assert.deepEqual(st.metadata, { format: 'pt' });
  assert.deepEqual(st.entry('c').shape, [1, 2]);
  const a = st.readFloat32('a');
  assert.equal(a[0], 1.5);
  assert.equal(a[1], -2);
  assert.ok(Math.abs(a[2] - 0.1) < 1e-3);
  const b = st.readFloat32('b');
  assert.equal(b[0], 1.5);
  assert.equal(b[1], -2);
  assert.ok(Math.abs(b[2] - 0.1) < 1e-3);
  assert.deepEqual(Array.from(st.readFloat32('c')), [3.25, -7]);
});

test('half-precision conversion rounds to nearest even and handles subnormals and infinity', () => {
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(1e6), 0x7c00);
  assert.equal(floatToHalf(2 ** -24), 0x0001);
  assert.equal(floatToHalf(-0.5), 0xb800);
  // 1 + 2^-11 lies exactly between 1 and 1 + 2^-10: ties go to the even mantissa (1.0).
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0xfc00), -Infinity);
});

test('write → read round trip keeps names, shapes, dtypes and values; same tensors give the same bytes', () => {
  const dir = tempDir('st');
  const tensors = new Map<string, TensorToWrite>([
    ['z.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
    ['a.half', { dtype: 'F16', shape: [2], data: new Float32Array([0.5, -1.25]) }],
    ['ids', { dtype: 'I64', shape: [3], data: new BigInt64Array([0n, 1n, 2n]) }],
  ]);
  const file = path.join(dir, 'x.safetensors');
  writeSafetensors(file, tensors, { format: 'pt' });
  const bytes = fs.readFileSync(file);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
  assert.deepEqual(Buffer.from(safetensorsToBytes(tensors, { format: 'pt' })), bytes);
  const st = SafetensorsFile.open(file);
  assert.deepEqual(st.names().sort(), ['a.half', 'ids', 'z.weight']);
  assert.deepEqual(Array.from(st.readFloat32('z.weight')), [1, 2, 3, 4]);
  assert.equal(st.entry('a.half').dtype, 'F16');
  assert.deepEqual(Array.from(st.readFloat32('a.half')), [0.5, -1.25]);
  assert.deepEqual(st.readInteger('ids'), new BigInt64Array([0n, 1n, 2n]));
  assert.throws(() => st.readFloat32('ids'), /ids.*I64.*floating-point/);
});

test('a truncated checkpoint names the file and the tensor whose data is cut off', () => {
  const src = path.join(fixtureModel('tiny-bert'), 'model.safetensors');
  const full = SafetensorsFile.open(src);
  const last = [...full.entries.values()].sort((x, y) => y.end - x.end)[0];
  const file = path.join(tempDir('st'), 'model.safetensors');
  const bytes = fs.readFileSync(src);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => SafetensorsFile.open(file), (e: Error) => e.message.includes(file) && e.message.includes(`"${last.name}"`) && /truncated/.test(e.message));
  fs.writeFileSync(file, bytes.subarray(0, 20));
  assert.throws(() => SafetensorsFile.open(file), (e: Error) => e.message.includes(file) && /truncated/.test(e.message));
});

test('inconsistent or hostile headers are rejected with the file and tensor named', () => {
  const dir = tempDir('st');
  const file = path.join(dir, 'bad.safetensors');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, /"w".*needs 12 bytes.*span 8/],
    [{ w: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, /"w".*unsupported dtype "F33"/],
    [{ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, /"w".*shape \[-2\]/],
    [{ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, v: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, /overlap/],
  ];
  for (const [header, re] of cases) {
    fs.writeFileSync(file, rawFile(header, Buffer.alloc(16)));
    assert.throws(() => SafetensorsFile.open(file), (e: Error) => e.message.startsWith(file) && re.test(e.message), String(re));
  }
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(1n << 40n);
  fs.writeFileSync(file, huge);
  assert.throws(() => SafetensorsFile.open(file), /not a safetensors file/);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(4n);
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from('{no}')]));
  assert.throws(() => SafetensorsFile.open(file), /not valid JSON/);
});

test('sharded checkpoints resolve each tensor through model.safetensors.index.json', () => {
  const dir = tempDir('shard');
  writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), new Map([['a', { dtype: 'F32', shape: [1], data: new Float32Array([1]) }]]));
  writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), new Map([['b', { dtype: 'BF16', shape: [1], data: new Float32Array([2]) }]]));
  const index = { metadata: { total_size: 6 }, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } };
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  const ck = Checkpoint.open(dir);
  assert.deepEqual(ck.names().sort(), ['a', 'b']);
  assert.deepEqual(Array.from(ck.readFloat32('b')), [2]);
  assert.equal(ck.entry('a').file, path.join(dir, 'model-00001-of-00002.safetensors'));
  index.weight_map.b = 'model-00003-of-00002.safetensors';
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  assert.throws(() => Checkpoint.open(dir), /tensor "b" is in shard model-00003-of-00002.safetensors, which is missing/);
  index.weight_map.b = 'model-00001-of-00002.safetensors';
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  assert.throws(() => Checkpoint.open(dir), /tensor "b" should be in .*model-00001-of-00002.safetensors but that shard does not contain it/);
});
