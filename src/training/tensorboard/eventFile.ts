// TensorBoard event files (events.out.tfevents.*): TFRecord-framed tensorflow.Event messages. The first record names
// the format ("brain.Event:2"); then one Event per metrics record, its Summary holding one simple_value per scalar.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as protobuf from 'protobufjs/light';
import { encodeRecord } from './tfRecord';
import { withFsContext } from '../../util/fsErrors';

// The fields written, numbered as in tensorflow/core/util/event.proto and core/framework/summary.proto. Only what is
// written is declared: an Event's other payloads (graph_def, log_message, ...) never appear in our files.
const root = protobuf.Root.fromJSON({
  nested: {
    Event: {
      fields: {
        wallTime: { type: 'double', id: 1 },
        step: { type: 'int64', id: 2 },
        fileVersion: { type: 'string', id: 3 },
        summary: { type: 'Summary', id: 5 },
        sessionLog: { type: 'SessionLog', id: 7 },
      },
    },
    Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
    Value: { fields: { tag: { type: 'string', id: 1 }, simpleValue: { type: 'float', id: 2 } } },
    SessionLog: { fields: { status: { type: 'int32', id: 1 } } },
  },
});
const Event = root.lookupType('Event');

export const FILE_VERSION = 'brain.Event:2';
/** SessionLog.SessionStatus.START. */
export const SESSION_START = 1;

export interface Scalar {
  tag: string;
  value: number;
}

/** One Event: the scalars one metrics record holds, at its step and time (seconds since the epoch). */
export interface ScalarEvent {
  wallTime: number;
  step: number;
  scalars: Scalar[];
}

export function encodeScalarEvent(e: ScalarEvent): Buffer {
  const msg = Event.create({ wallTime: e.wallTime, step: e.step, summary: { value: e.scalars.map((s) => ({ tag: s.tag, simpleValue: s.value })) } });
  return encodeRecord(Event.encode(msg).finish());
}

/**
 * The records every file of ours opens with: the file version, then a SessionLog START at step 0. The START is for a
 * TensorBoard that is already showing the run when a resume rewrites its files: its event accumulator then drops every
 * point it holds with step >= 0 (all of them) and shows what the rewritten file holds, instead of both.
 */
export function fileHeader(wallTime: number): Buffer {
  return Buffer.concat([
    encodeRecord(Event.encode(Event.create({ wallTime, fileVersion: FILE_VERSION })).finish()),
    encodeRecord(Event.encode(Event.create({ wallTime, step: 0, sessionLog: { status: SESSION_START } })).finish()),
  ]);
}

const EVENT_FILE = /^events\.out\.tfevents\.(\d+)\./;

export function isEventFile(name: string): boolean {
  return EVENT_FILE.test(name) && !/\.tmp(-|$)/.test(name);
}

export function listEventFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter(isEventFile).sort();
}

let counter = 0;

/**
 * events.out.tfevents.<unix seconds>.<host>.<pid>.<counter>, the name tf.summary writers use. TensorBoard reads a
 * folder's event files in name order and never goes back to an earlier one, so a new file must sort after every file
 * already there: when one was made in the same second or later (a resume right after a cancel), the seconds are
 * taken one past it.
 */
export function newEventFileName(dir: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  let seconds = nowSeconds;
  for (const f of listEventFiles(dir)) seconds = Math.max(seconds, Number(EVENT_FILE.exec(f)![1]) + 1);
  const host = os.hostname().replace(/[^A-Za-z0-9_.-]+/g, '-') || 'localhost';
  return `events.out.tfevents.${seconds}.${host}.${process.pid}.${++counter}`;
}

/** Appends records to an event file. Each append is one write(2), so a live `tensorboard --logdir` sees it at once. */
export function appendRecords(file: string, records: Buffer): void {
  withFsContext(file, 'appending to the TensorBoard event file', () => fs.appendFileSync(file, records));
}
