// A run's true state, from its record (run.json) and whether the process that owns the folder (lease.json) is still
// there. run.json alone cannot say: a trainer killed by a window reload, kill -9 or a power cut leaves "running"
// in it forever, so every view (Runs view, dashboard, comparison, CLI list / eval / export) asks this module instead.
//
// "interrupted" is never written as a status. The process that could write it is gone, and an observer writing it
// would race with a resume that has just taken the run over. It is derived here (status "running", owner gone), and
// the one process that knows for certain, the resume that takes the lease over, records it: an entry in
// run.json's `interruptions` and a log line "interrupted: … stopped at step N" in metrics.jsonl (noteResume below).
import * as os from 'node:os';
import type { FromWorker } from './protocol';
import { LEASE_STALE_MS, readLease, type LeaseInfo } from './runLease';
import { appendMetrics, readMetrics, readRun, writeRun, type RunRecord } from './runStore';

export type RunState = 'running' | 'paused' | 'interrupted' | 'completed' | 'cancelled' | 'failed';

export interface RunStateInfo {
  state: RunState;
  /** The step run.json last recorded (the last checkpoint while a run trains; where a resume continues from). */
  step: number;
  totalSteps: number;
  /** running / paused: the process training the run; interrupted: the one that stopped, when it left a lease. */
  owner?: LeaseInfo;
  /** interrupted: why its owner counts as gone. */
  why?: string;
  /** failed: the error and the step it stopped at. */
  error?: string;
  errorStep?: number;
  /** paused: the step the trainer holds at. */
  pausedAt?: number;
}

/**
 * A new run writes run.json a moment before it takes its lease (its folder must exist first). A record that young
 * without a lease is a run starting, not one interrupted; a trainer cannot die in that gap and stay unnoticed longer.
 */
export const STARTING_GRACE_MS = 10_000;

export type LeaseReading = ReturnType<typeof readLease>;

/** The true state of a run from its record and its lease (as readLease returns it, or undefined when there is none). */
export function runStateOf(record: Pick<RunRecord, 'status' | 'step' | 'totalSteps' | 'updatedAt'> & Partial<Pick<RunRecord, 'error' | 'errorStep' | 'pausedAt'>>, lease: LeaseReading, now = Date.now()): RunStateInfo {
  const base = { step: record.step ?? 0, totalSteps: record.totalSteps ?? 0 };
  switch (record.status) {
    case 'completed':
    case 'cancelled':
      return { state: record.status, ...base };
    case 'failed':
      return { state: 'failed', ...base, error: record.error ?? 'no error was recorded', errorStep: record.errorStep ?? record.step ?? 0 };
    case 'running':
      break;
    default:
      // A record from a newer version (or hand-edited): say what it says rather than guess.
      return { state: 'interrupted', ...base, why: `run.json says "${String(record.status)}", which this version does not know` };
  }
  if (lease?.held) {
    const pausedAt = typeof record.pausedAt === 'number' ? record.pausedAt : undefined;
    return pausedAt !== undefined ? { state: 'paused', ...base, owner: lease.lease, pausedAt } : { state: 'running', ...base, owner: lease.lease };
  }
  if (lease) {
    const l = lease.lease;
    const fresh = now - Date.parse(l.heartbeat) < LEASE_STALE_MS;
    const why = fresh ? `process ${l.pid} on ${l.host} is gone` : `no heartbeat from process ${l.pid} on ${l.host} since ${l.heartbeat}`;
    return { state: 'interrupted', ...base, owner: l, why };
  }
  if (now - Date.parse(record.updatedAt) < STARTING_GRACE_MS) return { state: 'running', ...base };
  return { state: 'interrupted', ...base, why: 'no trainer holds the run (it left no lease)' };
}

/** The true state of the run in `dir` (throws when run.json cannot be read, as readRun does). */
export function readRunState(dir: string, now = Date.now()): RunStateInfo {
  return runStateOf(readRun(dir), readLease(dir, now), now);
}

/** States a resume continues from the last checkpoint; a running or paused run has an owner, a completed one is done. */
/** A live owner trains the run (or holds it paused): a window may follow it and control it. */
export const isLive = (s: RunState): boolean => s === 'running' || s === 'paused';

export const canResume = (s: RunState): boolean => s === 'interrupted' || s === 'cancelled' || s === 'failed';

/** The CLI line that resumes `dir` (quoted for a POSIX shell when it needs it). */
export function resumeCommand(dir: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`;
  return `finetune-studio train --resume ${quoted}`;
}

/** For a run to pick up again: "<state> — resume with: finetune-studio train --resume <dir>"; else undefined. */
export function resumeHint(s: RunStateInfo, dir: string): string | undefined {
  return canResume(s.state) ? `${s.state} — resume with: ${resumeCommand(dir)}` : undefined;
}

const ownerText = (o: LeaseInfo) => `process ${o.pid} on ${o.host}`;

/** One line for people: what the run is doing or how it ended, with the step, the owner or the error. */
export function describeRunState(s: RunStateInfo): string {
  const of = s.totalSteps ? `/${s.totalSteps}` : '';
  switch (s.state) {
    case 'running':
      return s.owner ? `running (${s.step ? `checkpoint at step ${s.step}${of}` : 'no checkpoint yet'}) · trained by ${ownerText(s.owner)} since ${s.owner.startedAt}` : `starting (step ${s.step}${of})`;
    case 'paused':
      return `paused at step ${s.pausedAt}${of} · held by ${s.owner ? ownerText(s.owner) : 'its trainer'}`;
    case 'interrupted':
      return `interrupted at step ${s.step}${of} (${s.why}); Resume continues from the last checkpoint`;
    case 'cancelled':
      return `cancelled at step ${s.step}${of}; Resume continues from there`;
    case 'failed':
      return `failed at step ${s.errorStep}${of}: ${s.error}`;
    case 'completed':
      return `completed (${s.step}${of} steps)`;
  }
}

/**
 * Called by a resume once it holds the lease, before the trainer reads run.json: when the run was still "running"
 * (its trainer stopped without ending it), records the interruption in run.json and metrics.jsonl, and says so
 * through `emit`. Also drops a paused mark the stopped trainer left, so the resumed run does not show as paused.
 */
export function noteResume(runDir: string, previous: LeaseInfo | undefined, emit: (m: FromWorker) => void): void {
  const record = readRun(runDir);
  const wasRunning = record.status === 'running';
  if (!wasRunning && record.pausedAt === undefined) return;
  delete record.pausedAt;
  if (wasRunning) {
    const step = Math.max(record.step ?? 0, ...readMetrics(runDir).map((m) => (m.type === 'train' && typeof m.step === 'number' ? m.step : 0)));
    const me = { pid: process.pid, host: os.hostname() };
    record.interruptions = [
      ...(record.interruptions ?? []),
      { pid: previous?.pid, host: previous?.host, startedAt: previous?.startedAt, lastHeartbeat: previous?.heartbeat, step, resumedAt: new Date().toISOString(), resumedBy: me },
    ];
    writeRun(runDir, record);
    const who = previous ? `process ${previous.pid} on ${previous.host} (started ${previous.startedAt}, last heartbeat ${previous.heartbeat})` : 'a trainer that left no lease';
    const message = `interrupted: the previous owner, ${who}, stopped at step ${step} without ending the run; process ${me.pid} on ${me.host} resumes it from the last checkpoint (step ${record.step ?? 0})`;
    appendMetrics(runDir, { type: 'log', level: 'warn', message });
    emit({ type: 'log', level: 'warn', message });
    return;
  }
  writeRun(runDir, record);
}

/**
 * Keeps run.json's paused mark in step with the trainer's pause messages, so a window opened (or reloaded) while the
 * run holds shows it paused. Only the trainer writes it, and it holds the lease, so no other writer can race it.
 */
export function notePaused(runDir: string, paused: boolean, step: number): void {
  try {
    const record = readRun(runDir);
    if (record.status !== 'running') return;
    if (paused) record.pausedAt = step;
    else if (record.pausedAt === undefined) return;
    else delete record.pausedAt;
    writeRun(runDir, record);
  } catch {
    // Not worth stopping the pause for: the views fall back to "running", which the trainer still is.
  }
}
