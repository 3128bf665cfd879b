// One trainer per run folder: a lease file (pid, host, start time, heartbeat) taken with an exclusive create. Two
// `train --resume` of the same run used to both succeed and interleave their metrics and checkpoints.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJsonAtomic } from '../util/atomicWrite';

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
  release(): void;
}

/** Takes the run folder's lease, or throws RunBusyError naming the trainer that holds it. A stale lease is taken over. */
export function acquireLease(runDir: string): RunLease {
  const file = path.join(runDir, LEASE_FILE);
  const info = (): LeaseInfo => ({ pid: process.pid, host: os.hostname(), startedAt, heartbeat: new Date().toISOString() });
  const startedAt = new Date().toISOString();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info(), null, 2) + '\n', { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const current = readLease(runDir);
      if (current?.held) {
        const l = current.lease;
        throw new RunBusyError(`${runDir} is being trained by process ${l.pid} on ${l.host} (since ${l.startedAt}, alive at ${l.heartbeat}); wait for it to finish or cancel it before resuming.`);
      }
      // The owner is gone: its lease is taken over.
      fs.rmSync(file, { force: true });
    }
  }
  const timer = setInterval(() => {
    try {
      writeJsonAtomic(file, info());
    } catch {
      // The folder went away; the run will fail on its next write and say so.
    }
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    release: () => {
      clearInterval(timer);
      const current = readLease(runDir);
      if (current?.lease.pid === process.pid && current.lease.startedAt === startedAt) fs.rmSync(file, { force: true });
    },
  };
}
