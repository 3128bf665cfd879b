// The control channel of a detached training worker: it serves the messages of protocol.ts (FromWorker out, ToWorker
// in) as JSON lines on a local socket, and records the socket's address in control.json next to the run's lease, so
// a window opened later (after a reload) finds the live run and reconnects: progress, pause, continue, cancel.
// The worker keeps what a late window needs to catch up: everything until the first window connects, and after that
// the run's current state (started, last progress, paused or not, the end).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../util/atomicWrite';
import { connectJson, serveJson, type JsonPeer } from '../util/jsonSocket';
import { processAlive } from '../util/workerProcess';
import { isFromWorker, type FromWorker, type ToWorker } from './protocol';
import { readLease } from './runLease';

export const CONTROL_FILE = 'control.json';

/** What control.json holds: how to reach the worker that trains this run, and where its output goes. */
export interface ControlRecord {
  pid: number;
  address: string;
  /** The worker's stdout/stderr (native crashes, out-of-memory) for crash reports. */
  log?: string;
}

const BACKLOG_MAX = 2000;

export interface ControlServer {
  /** Sends a worker message to every window connected now, and keeps what a later one needs. */
  emit(m: FromWorker): void;
  /** The run folder exists: control.json is written into it. */
  record(runDir: string, log?: string): void;
  /**
   * Removes control.json, then flushes and ends every connection and stops listening (the socket is removed). If no
   * window ever connected, it first waits up to `lingerMs` for one, so the end is not lost.
   */
  close(lingerMs?: number): Promise<void>;
}

export async function serveRunControl(address: string, onControl: (m: ToWorker) => void): Promise<ControlServer> {
  const backlog: FromWorker[] = [];
  let everConnected = false;
  let started: FromWorker | undefined;
  let progress: FromWorker | undefined;
  let paused: FromWorker | undefined;
  let end: FromWorker | undefined;
  let recorded: string | undefined;
  let firstConnection: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (firstConnection = resolve));
  const server = await serveJson<ToWorker, FromWorker>(address, {
    onConnect: (peer) => {
      const catchUp = everConnected ? [started, paused, progress, end].filter((m): m is FromWorker => m !== undefined) : backlog.splice(0);
      everConnected = true;
      firstConnection();
      for (const m of catchUp) peer.send(m);
    },
    onValue: (m) => {
      if (typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string') onControl(m);
    },
  });
  return {
    emit: (m) => {
      if (m.type === 'started') started = m;
      else if (m.type === 'progress') progress = m;
      else if (m.type === 'paused') paused = m;
      else if (m.type === 'done' || m.type === 'error') end = m;
      if (!everConnected && backlog.length < BACKLOG_MAX) backlog.push(m);
      server.broadcast(m);
    },
    record: (runDir, log) => {
      recorded = path.join(runDir, CONTROL_FILE);
      writeJsonAtomic(recorded, { pid: process.pid, address, log } satisfies ControlRecord);
    },
    close: async (lingerMs = 10_000) => {
      if (recorded) fs.rmSync(recorded, { force: true });
      // A run that ends before its window connected (bad data fails in a second) waits a little for it: otherwise
      // the window would see a worker gone without a word.
      if (!everConnected) await Promise.race([connected, new Promise((r) => setTimeout(r, lingerMs))]);
      await server.close();
    },
  };
}

/**
 * How to reach the worker of `runDir`, if one holds the run's lease and serves a control channel. A control.json
 * left by a killed worker is ignored: its pid no longer holds the lease.
 */
export function readControl(runDir: string): ControlRecord | undefined {
  let record: ControlRecord;
  try {
    record = JSON.parse(fs.readFileSync(path.join(runDir, CONTROL_FILE), 'utf8')) as ControlRecord;
  } catch {
    return undefined;
  }
  const lease = readLease(runDir);
  if (!lease?.held || lease.lease.pid !== record.pid || typeof record.address !== 'string') return undefined;
  return record;
}

export type ControlClient = JsonPeer<ToWorker>;

/** Connects to a worker's control channel; rejects when nothing listens at `address`. */
export function connectRunControl(address: string, onMessage: (m: FromWorker) => void): Promise<ControlClient> {
  return connectJson<unknown, ToWorker>(address, (m) => isFromWorker(m) && onMessage(m));
}

/**
 * Connects to a worker that was just started and may not listen yet: retries until it does, the process is gone,
 * or `timeoutMs` passes.
 */
export async function connectWhenListening(address: string, pid: number, onMessage: (m: FromWorker) => void, timeoutMs = 30_000): Promise<ControlClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectRunControl(address, onMessage);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const retry = code === 'ENOENT' || code === 'ECONNREFUSED';
      if (!retry || !processAlive(pid) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
