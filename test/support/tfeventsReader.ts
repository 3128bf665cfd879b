// A reader of TensorBoard event files for the tests, written from the formats rather than from the writer: TFRecord
// framing with both CRCs checked, and Event / Summary decoded at the protobuf wire level by field number
// (tensorflow/core/util/event.proto, core/framework/summary.proto), so a field the writer numbers wrongly reads wrong.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs/minimal';
import { maskedCrc32c } from '../../src/training/tensorboard/crc32c';

export interface ReadScalar {
  tag: string;
  step: number;
  value: number;
  wallTime: number;
}

export interface ReadEventFile {
  name: string;
  /** The first record's file_version. */
  fileVersion?: string;
  /** Every event in order: a scalar event holds its scalars, a SessionLog its status. */
  events: { step: number; wallTime: number; scalars: ReadScalar[]; sessionStatus?: number }[];
}

export class TfRecordError extends Error {}

/** The payloads of a TFRecord file; throws TfRecordError naming the offset of a bad length CRC, data CRC or tail. */
export function readRecords(bytes: Buffer, where: string): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 12) throw new TfRecordError(`${where}: truncated record header at byte ${at}`);
    const lenBytes = bytes.subarray(at, at + 8);
    if (bytes.readUInt32LE(at + 8) !== maskedCrc32c(lenBytes)) throw new TfRecordError(`${where}: length CRC mismatch at byte ${at}`);
    const len = Number(bytes.readBigUInt64LE(at));
    if (bytes.length - at < 12 + len + 4) throw new TfRecordError(`${where}: truncated record data at byte ${at}`);
    const data = bytes.subarray(at + 12, at + 12 + len);
    if (bytes.readUInt32LE(at + 12 + len) !== maskedCrc32c(data)) throw new TfRecordError(`${where}: data CRC mismatch in the record at byte ${at}`);
    out.push(data);
    at += 12 + len + 4;
  }
  return out;
}

const int64 = (r: protobuf.Reader): number => {
  const v = r.int64() as unknown as number | { toString(): string };
  return typeof v === 'number' ? v : Number(v.toString());
};

function decodeValue(bytes: Uint8Array): { tag?: string; value?: number } {
  const r = protobuf.Reader.create(bytes);
  const out: { tag?: string; value?: number } = {};
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === ((1 << 3) | 2)) out.tag = r.string();
    else if (t === ((2 << 3) | 5)) out.value = r.float();
    else r.skipType(t & 7);
  }
  return out;
}

function decodeEvent(bytes: Uint8Array) {
  const r = protobuf.Reader.create(bytes);
  let wallTime = 0, step = 0, fileVersion: string | undefined, sessionStatus: number | undefined;
  const values: { tag?: string; value?: number }[] = [];
  while (r.pos < r.len) {
    const t = r.uint32();
    switch (t) {
      case (1 << 3) | 1: wallTime = r.double(); break;
      case (2 << 3) | 0: step = int64(r); break;
      case (3 << 3) | 2: fileVersion = r.string(); break;
      case (5 << 3) | 2: {
        const summary = protobuf.Reader.create(r.bytes());
        while (summary.pos < summary.len) {
          const st = summary.uint32();
          if (st === ((1 << 3) | 2)) values.push(decodeValue(summary.bytes()));
          else summary.skipType(st & 7);
        }
        break;
      }
      case (7 << 3) | 2: {
        const log = protobuf.Reader.create(r.bytes());
        sessionStatus = 0;
        while (log.pos < log.len) {
          const lt = log.uint32();
          if (lt === ((1 << 3) | 0)) sessionStatus = log.int32();
          else log.skipType(lt & 7);
        }
        break;
      }
      default: r.skipType(t & 7);
    }
  }
  return { wallTime, step, fileVersion, sessionStatus, values };
}

export function readEventFile(file: string): ReadEventFile {
  const out: ReadEventFile = { name: path.basename(file), events: [] };
  readRecords(fs.readFileSync(file), file).forEach((rec, i) => {
    const e = decodeEvent(rec);
    if (i === 0) out.fileVersion = e.fileVersion;
    if (e.fileVersion !== undefined) return;
    const scalars = e.values.filter((v) => v.tag !== undefined && v.value !== undefined).map((v) => ({ tag: v.tag!, step: e.step, value: v.value!, wallTime: e.wallTime }));
    out.events.push({ step: e.step, wallTime: e.wallTime, scalars, ...(e.sessionStatus !== undefined ? { sessionStatus: e.sessionStatus } : {}) });
  });
  return out;
}

/** A folder's event files in name order, the order TensorBoard reads them in. */
export function readEventDir(dir: string): ReadEventFile[] {
  return fs.readdirSync(dir).filter((n) => n.includes('tfevents')).sort().map((n) => readEventFile(path.join(dir, n)));
}

/**
 * The scalars TensorBoard's event accumulator keeps from the files (purge_orphaned_data, file_version 2): a SessionLog
 * START at step s drops every point read before it with step >= s.
 */
export function visibleScalars(files: readonly ReadEventFile[]): ReadScalar[] {
  let kept: ReadScalar[] = [];
  for (const f of files) {
    for (const e of f.events) {
      if (e.sessionStatus === 1) kept = kept.filter((s) => s.step < e.step);
      kept.push(...e.scalars);
    }
  }
  return kept;
}
