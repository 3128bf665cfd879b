// The run log both trainers write: each line goes to the worker's messages and to metrics.jsonl. Lines logged before
// the run folder exists (it is made only once the model and data have been checked) are kept and written into it
// when it does.
import * as path from 'node:path';
import type { FromWorker } from './protocol';
import { appendMetrics, removeTemporaries } from './runStore';

export type LogLevel = 'info' | 'warn';

export interface RunLog {
  log(message: string, level?: LogLevel): void;
  /** The run folder now exists: write the lines kept so far, and every later one, into its metrics.jsonl. */
  attach(runDir: string): void;
}

export function runLog(emit: (m: FromWorker) => void, runDir?: string): RunLog {
  let dir = runDir;
  const early: { level: LogLevel; message: string }[] = [];
  return {
    log: (message, level = 'info') => {
      emit({ type: 'log', level, message });
      if (dir) appendMetrics(dir, { type: 'log', level, message });
      else early.push({ level, message });
    },
    attach: (d) => {
      dir = d;
      for (const e of early.splice(0)) appendMetrics(d, { type: 'log', ...e });
    },
  };
}

/** Before a resumed run writes again: removes what its killed predecessor's unfinished writes left, and says so. */
export function removeLeftovers(runDir: string, log: RunLog['log']): void {
  const leftovers = removeTemporaries(runDir);
  if (leftovers.length) log(`removed ${leftovers.length} file(s) left by writes the stopped run did not finish (${leftovers.map((f) => path.relative(runDir, f)).join(', ')})`);
}
