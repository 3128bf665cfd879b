// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw little-endian data).
// Reading is lazy and per tensor so multi-GB checkpoints never need one giant Buffer; every check names the file and
// the tensor, because a corrupt download is the most common way users meet this code.
import * as fs from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** A header larger than this is not a real checkpoint (HF's own reader uses the same 100 MB cap). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte offsets relative to the start of the data section (after the header). */
  begin: number;
  end: number;
}

export type IntegerTensorData = BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export function isFloatDType(dtype: SafetensorsDType): boolean {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

/** Parses and validates a header: known dtypes, integer shapes, offsets that match shape×dtype and tile the data. */
export function parseSafetensorsHeader(headerText: string, dataBytes: number, file: string): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  let raw: unknown;
  try {
    raw = JSON.parse(headerText);
  } catch (e) {
    throw new SafetensorsError(`${file}: the safetensors header is not valid JSON (${(e as Error).message}); the file is corrupt or not a safetensors file.`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError(`${file}: the safetensors header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}.`);
  }
  const entries: SafetensorsEntry[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'string') metadata[k] = v;
      }
      continue;
    }
    const where = `${file}: tensor "${name}"`;
    if (value === null || typeof value !== 'object') throw new SafetensorsError(`${where}: header entry must be an object.`);
    const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
      throw new SafetensorsError(`${where}: unsupported dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(BYTES_PER_ELEMENT).join(', ')}).`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} must be a list of non-negative integers.`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
      throw new SafetensorsError(`${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end.`);
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = numel * BYTES_PER_ELEMENT[dtype as SafetensorsDType];
    const [begin, end] = offsets as number[];
    if (end - begin !== expected) {
      throw new SafetensorsError(`${where}: ${dtype}${JSON.stringify(shape)} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}; the header is inconsistent.`);
    }
    if (end > dataBytes) {
      throw new SafetensorsError(`${where}: data ends at byte ${end} of the data section but the file holds only ${dataBytes} data bytes; the file is truncated (re-download it).`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: [...(shape as number[])], begin, end });
  }
  // Overlapping ranges mean two tensors share bytes: a writer bug or tampering, never a valid file.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new SafetensorsError(`${file}: tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap in the data section; the header is inconsistent.`);
    }
  }
  return { entries, metadata };
}

/** One .safetensors file opened for lazy, validated, per-tensor reads. */
export class SafetensorsFile {
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
  private readonly dataStart: number;

  private constructor(readonly file: string, entries: SafetensorsEntry[], metadata: Record<string, string>, dataStart: number) {
    this.entries = new Map(entries.map((e) => [e.name, e]));
    this.metadata = metadata;
    this.dataStart = dataStart;
  }

  static open(file: string): SafetensorsFile {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new SafetensorsError(`${file}: cannot open (${(e as Error).message}).`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < 8) throw new SafetensorsError(`${file}: only ${size} bytes, too short for a safetensors header; the file is truncated.`);
      const lenBuf = Buffer.alloc(8);
      fs.readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = lenBuf.readBigUInt64LE(0);
      if (headerLen > BigInt(MAX_HEADER_BYTES)) {
        throw new SafetensorsError(`${file}: header length ${headerLen} exceeds ${MAX_HEADER_BYTES} bytes; this is not a safetensors file.`);
      }
      const n = Number(headerLen);
      if (8 + n > size) throw new SafetensorsError(`${file}: header claims ${n} bytes but the file has ${size - 8} after the length; the file is truncated.`);
      const header = Buffer.alloc(n);
      fs.readSync(fd, header, 0, n, 8);
      const { entries, metadata } = parseSafetensorsHeader(header.toString('utf8'), size - 8 - n, file);
      return new SafetensorsFile(file, entries, metadata, 8 + n);
    } finally {
      fs.closeSync(fd);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsError(`${this.file}: no tensor named "${name}".`);
    return e;
  }

  /** Raw little-endian bytes of one tensor. */
  readBytes(name: string): Buffer {
    const e = this.entry(name);
    const buf = Buffer.alloc(e.end - e.begin);
    const fd = fs.openSync(this.file, 'r');
    try {
      let done = 0;
      while (done < buf.length) {
        const got = fs.readSync(fd, buf, done, buf.length - done, this.dataStart + e.begin + done);
        if (got === 0) throw new SafetensorsError(`${this.file}: tensor "${name}": unexpected end of file; the file is truncated.`);
        done += got;
      }
    } finally {
      fs.closeSync(fd);
    }
    return buf;
  }

  /** A floating-point tensor (F64/F32/F16/BF16) as float32, the precision the training graphs run in. */
  readFloat32(name: string): Float32Array {
    const e = this.entry(name);
    if (!isFloatDType(e.dtype)) throw new SafetensorsError(`${this.file}: tensor "${name}" has dtype ${e.dtype}; a floating-point weight was expected.`);
    return decodeFloat(this.readBytes(name), e.dtype);
  }

  /** An integer or bool tensor in its own typed array (e.g. stored position_ids buffers). */
  readInteger(name: string): IntegerTensorData {
    const e = this.entry(name);
    const bytes = this.readBytes(name);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    switch (e.dtype) {
      case 'I64': return new BigInt64Array(ab);
      case 'I32': return new Int32Array(ab);
      case 'I16': return new Int16Array(ab);
      case 'I8': return new Int8Array(ab);
      case 'U8': case 'BOOL': return new Uint8Array(ab);
      default: throw new SafetensorsError(`${this.file}: tensor "${name}" has dtype ${e.dtype}; an integer tensor was expected.`);
    }
  }
}

function decodeFloat(bytes: Buffer, dtype: SafetensorsDType): Float32Array {
  const n = bytes.length / BYTES_PER_ELEMENT[dtype];
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dtype === 'F32') {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (dtype === 'BF16') {
    // bf16 is the top half of a float32: shift it back into place.
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Round-to-nearest-even float32 → float16 bits (used by tests and fp16 exports). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export interface TensorToWrite {
  dtype: SafetensorsDType;
  shape: number[];
  /** Raw little-endian bytes, or a Float32Array written as F32 (or converted when dtype is F16/BF16). */
  data: Float32Array | Uint8Array | BigInt64Array | Int32Array;
}

function encodeTensor(name: string, t: TensorToWrite): Uint8Array {
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (t.data instanceof Float32Array) {
    if (t.data.length !== numel) throw new SafetensorsError(`tensor "${name}": ${t.data.length} values for shape ${JSON.stringify(t.shape)}.`);
    if (t.dtype === 'F32') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (t.dtype === 'F16' || t.dtype === 'BF16') {
      const out = new Uint16Array(numel);
      const u32 = new Uint32Array(Float32Array.from(t.data).buffer);
      for (let i = 0; i < numel; i++) {
        if (t.dtype === 'F16') out[i] = floatToHalf(t.data[i]);
        else out[i] = (u32[i] + 0x7fff + ((u32[i] >>> 16) & 1)) >>> 16; // round to nearest even
      }
      return new Uint8Array(out.buffer);
    }
    throw new SafetensorsError(`tensor "${name}": cannot write float32 data as ${t.dtype}.`);
  }
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (bytes.length !== numel * BYTES_PER_ELEMENT[t.dtype]) {
    throw new SafetensorsError(`tensor "${name}": ${bytes.length} bytes for ${t.dtype}${JSON.stringify(t.shape)}.`);
  }
  return bytes;
}

/**
 * A safetensors file as byte ranges in file order: the length, the header (padded to 8 bytes as HF does), then each
 * tensor in name order (so the same tensors give the same bytes). float32 tensors are views of their arrays, not
 * copies: a checkpoint of bert-large's weights and moments never exists twice in memory.
 */
export function safetensorsParts(tensors: ReadonlyMap<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array[] {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as TensorToWrite;
    const bytes = encodeTensor(name, t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let headerText = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(headerText) % 8)) % 8;
  headerText += ' '.repeat(pad);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  return [len, headerBytes, ...chunks];
}

/** The whole file in one buffer (small files and tests; large ones go through safetensorsParts). */
export function safetensorsToBytes(tensors: ReadonlyMap<string, TensorToWrite>, metadata?: Record<string, string>): Buffer {
  return Buffer.concat(safetensorsParts(tensors, metadata));
}

/** Writes atomically (temp file + fsync + rename) so a crash never leaves a half-written checkpoint behind. */
export function writeSafetensors(file: string, tensors: ReadonlyMap<string, TensorToWrite>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, safetensorsParts(tensors, metadata));
}
