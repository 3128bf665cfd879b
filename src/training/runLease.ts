// One trainer per run folder: a lease file (pid, host, start time, heartbeat) taken with an exclusive create. Two
// `train --resume` of the same run used to both succeed and interleave their metrics and checkpoints.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export const LEASE_FILE = 'lease.json';
/** A heartbeat older than this means the owner is gone (killed, machine down) even if its pid was reused. */
export const LEASE_STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

export interface LeaseInfo {
  pid: number;
  host: string;
  startedAt: string;
  heartbeat: string;
}

export class RunBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunBusyError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lease of a run folder, if any, and whether its owner still holds it. */
export function readLease(runDir: string, now = Date.now()): { lease: LeaseInfo; held: boolean } | undefined {
  let lease: LeaseInfo;
  try {
    lease = JSON.parse(fs.readFileSync(path.join(runDir, LEASE_FILE), 'utf8')) as LeaseInfo;
  } catch {
    return undefined;
  }
  const fresh = now - Date.parse(lease.heartbeat) < LEASE_STALE_MS;
  // On this host the pid says it all; elsewhere (shared storage) only the heartbeat can.
  const held = fresh && (lease.host !== os.hostname() || alive(lease.pid));
  return { lease, held };
}

export interface RunLease {
  /** The lease this one replaced: a trainer that stopped without ending its run (killed, crashed, machine down). */
  readonly previous?: LeaseInfo;
  release(): void;
}

/** A takeover marker older than this was left by a resume killed in the middle of it (that takes microseconds). */
const TAKEOVER_STALE_MS = 10_000;

const sameLease = (a: LeaseInfo | undefined, b: LeaseInfo | undefined) => !!a && !!b && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

function busy(runDir: string, l: LeaseInfo): RunBusyError {
  return new RunBusyError(`${runDir} is being trained by process ${l.pid} on ${l.host} (since ${l.startedAt}, alive at ${l.heartbeat}); wait for it to finish or cancel it before resuming.`);
}

/** Blocks this thread for `ms` (acquiring is synchronous, and a takeover by another process takes microseconds). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the run folder's lease, or throws RunBusyError naming the trainer that holds it. A dead or stale owner's lease
 * is taken over and returned as `previous`.
 *
 * Two resumes started at the same instant must not both win: the lease appears whole or not at all (written to a
 * temporary file and hard-linked into place, so a reader never sees a half-written one and mistakes it for stale), and
 * replacing a stale lease happens under a takeover marker (an exclusive mkdir), so two takers cannot each remove the
 * lease the other has just written.
 */
export function acquireLease(runDir: string, options: { heartbeatMs?: number } = {}): RunLease {
  const file = path.join(runDir, LEASE_FILE);
  const startedAt = new Date().toISOString();
  const mine = (): LeaseInfo => ({ pid: process.pid, host: os.hostname(), startedAt, heartbeat: new Date().toISOString() });
  /** true when our lease is now in place; false when a lease already exists. */
  const create = (attempt = 0): boolean => {
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    fs.writeFileSync(tmp, JSON.stringify(mine(), null, 2) + '\n');
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // The lease holder's start-up removes leftover temporaries, ours included if it was just written: write again.
      if (code === 'ENOENT' && attempt < 3) return create(attempt + 1);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
      // A file system without hard links (FAT, some network shares): an exclusive create, briefly empty to a reader.
      try {
        fs.writeFileSync(file, JSON.stringify(mine(), null, 2) + '\n', { flag: 'wx' });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  };
  let previous: LeaseInfo | undefined;
  const replace = () => {
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    fs.writeFileSync(tmp, JSON.stringify(mine(), null, 2) + '\n');
    fs.renameSync(tmp, file);
  };
  if (!create()) previous = takeOver(runDir, file, replace);
  const heartbeat = startHeartbeat(file, mine(), options.heartbeatMs ?? HEARTBEAT_MS);
  return {
    previous,
    release: () => {
      heartbeat.stop();
      if (sameLease(readLease(runDir)?.lease, mine())) fs.rmSync(file, { force: true });
    },
  };
}

/**
 * The heartbeat beats on a thread of its own: the trainer's thread blocks for as long as an onnxruntime run, an
 * artifact build or a multi-GB checkpoint write takes (a minute is possible at full size), and a heartbeat it had to
 * wait for would make a live run look stale — shown as interrupted, and open to a second resume. The thread never
 * writes over a lease that is no longer ours, and stop() returns only once it can no longer write at all, so a
 * released lease is never brought back.
 */
function startHeartbeat(file: string, lease: LeaseInfo, intervalMs: number): { stop(): void } {
  // [0] stop requested, [1] a write is in progress.
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const thread = new Worker(HEARTBEAT_THREAD, { eval: true, workerData: { file, lease, intervalMs, flags } });
  thread.unref();
  thread.on('error', () => {
    // The thread cannot write (folder gone): the run fails on its own next write and says so.
  });
  return {
    stop: () => {
      Atomics.store(flags, 0, 1);
      while (Atomics.load(flags, 1) === 1) Atomics.wait(flags, 1, 1, 50);
      void thread.terminate();
    },
  };
}

// Plain JavaScript, evaluated in the heartbeat thread (the bundled worker has no separate file to point a thread at).
const HEARTBEAT_THREAD = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const { file, lease, intervalMs, flags } = workerData;
const beat = () => {
  Atomics.store(flags, 1, 1);
  try {
    if (Atomics.load(flags, 0) === 1) return;
    const current = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (current.pid !== lease.pid || current.host !== lease.host || current.startedAt !== lease.startedAt) return;
    const tmp = file + '.tmp-' + lease.pid + '-heartbeat';
    fs.writeFileSync(tmp, JSON.stringify({ ...lease, heartbeat: new Date().toISOString() }, null, 2) + '\\n');
    fs.renameSync(tmp, file);
  } catch {
    // No lease file (released, or the folder went away): nothing to keep alive.
  } finally {
    Atomics.store(flags, 1, 0);
    Atomics.notify(flags, 1);
  }
};
setInterval(beat, intervalMs);
`;

/** Replaces a lease whose owner is gone by ours (under the takeover marker); returns the replaced lease. */
function takeOver(runDir: string, file: string, replace: () => void): LeaseInfo | undefined {
  const marker = `${file}.takeover`;
  for (let waited = 0; ; waited += 20) {
    const current = readLease(runDir);
    if (current?.held) throw busy(runDir, current.lease);
    try {
      fs.mkdirSync(marker);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Another resume is taking over right now: wait for it, then the lease names it (and this one is refused).
      const age = Date.now() - (fs.statSync(marker, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > TAKEOVER_STALE_MS) fs.rmSync(marker, { recursive: true, force: true });
      else if (waited > 2 * TAKEOVER_STALE_MS) throw new RunBusyError(`${runDir}: another resume has been taking this run over for ${Math.round(age / 1000)} s; remove ${marker} if no other trainer runs.`);
      else sleepSync(20);
      continue;
    }
    try {
      // Judged again under the marker: the lease may have changed hands since it was read above.
      const now = readLease(runDir);
      if (now?.held) throw busy(runDir, now.lease);
      if (now && !sameLease(now.lease, current?.lease)) continue;
      // Renamed over the old one, never removed first: the file exists at every instant, so a trainer that arrives
      // now finds a lease (ours) instead of winning an exclusive create and hiding which run it replaced.
      replace();
      return current?.lease;
    } finally {
      fs.rmSync(marker, { recursive: true, force: true });
    }
  }
}
