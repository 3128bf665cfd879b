// Pause: the loop holds between steps (runs, for a group of steps) while the user has paused the run, and says so
// once when it stops and once when it goes on, so the status bar and the dashboard show "paused" only while nothing
// trains. The worker process, its sessions and the step it reached stay as they are: continuing is instant.
import type { FromWorker } from '../protocol';

export interface PauseHooks {
  emit(m: FromWorker): void;
  isCancelled(): boolean;
  isPaused(): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits while paused (a cancel ends the wait); returns the milliseconds spent paused, for throughput windows. */
export async function waitWhilePaused(hooks: PauseHooks, step: number, pollMs = 200): Promise<number> {
  if (!hooks.isPaused() || hooks.isCancelled()) return 0;
  const t0 = performance.now();
  hooks.emit({ type: 'paused', paused: true, step });
  while (hooks.isPaused() && !hooks.isCancelled()) await sleep(pollMs);
  if (!hooks.isCancelled()) hooks.emit({ type: 'paused', paused: false, step });
  return performance.now() - t0;
}
