// A run that stops on an error says so: run.json becomes "failed" with the error and the step it stopped at, instead
// of "running" forever (a NaN loss, ENOSPC or an onnxruntime error used to leave it so). The trainers report where
// they are through their messages, so this watches those rather than threading state through both trainers.
import type { FromWorker } from './protocol';
import { appendMetrics, readRun, writeRun } from './runStore';
import { notePaused } from './runStatus';

export interface RunWatch {
  /** The hooks' emit, wrapped: it notes the run folder and the last step before passing each message on. */
  emit: (m: FromWorker) => void;
  runDir(): string | undefined;
  step(): number;
}

export function watchRun(emit: (m: FromWorker) => void): RunWatch {
  let runDir: string | undefined;
  let step = 0;
  return {
    emit: (m) => {
      if (m.type === 'started') runDir = m.runDir;
      if (m.type === 'progress' || m.type === 'checkpoint') step = Math.max(step, m.step);
      if (m.type === 'paused' && runDir) notePaused(runDir, m.paused, m.step);
      emit(m);
    },
    runDir: () => runDir,
    step: () => step,
  };
}

/**
 * Marks a run that was still "running" as failed with `error` at `step` (atomically, as every run.json write is),
 * and logs the error in metrics.jsonl so the dashboard shows it. A run already in an end state is left as it is.
 */
export function markRunFailed(runDir: string, error: unknown, step: number): void {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const record = readRun(runDir);
    if (record.status !== 'running') return;
    record.status = 'failed';
    record.error = message;
    record.errorStep = step;
    record.step = Math.max(record.step ?? 0, step);
    writeRun(runDir, record);
    appendMetrics(runDir, { type: 'log', level: 'error', message: `failed at step ${step}: ${message}` });
  } catch {
    // The folder itself is what failed (deleted, read-only, disk full): the error still reaches the caller.
  }
}
