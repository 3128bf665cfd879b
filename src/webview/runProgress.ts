// The dashboard's progress line: which step the run is at and how long its training has left. Pure (no DOM, no
// clock of its own), so the numbers are unit-tested.
//
// One step number: the trainer logs every `loggingSteps` steps, while its pause message carries the steps it has
// completed when it stopped (runTraining's state.step). Both are completed-step counts, the pause's the newer, so the
// header takes the largest count it has heard of and "paused at step N" says the same N.
//
// The ETA: the trainer's estimate (remaining samples over its measured step throughput, which leaves pauses out)
// counts down with the time that passes after it was received, minus the time the run spent paused since.

/** A time the run held paused, in ms of the dashboard's clock; `end` is undefined while it still holds. */
export interface PauseSpan {
  start: number;
  end?: number;
}

/** An ETA as the trainer reported it, and when the dashboard received it (its own clock, never the trainer's). */
export interface EtaReport {
  etaSeconds: number;
  receivedAt: number;
}

/** The completed-step count to show: the largest of the counts the page has heard of (undefined ones skipped). */
export function completedSteps(...counts: (number | undefined)[]): number {
  return Math.max(0, ...counts.filter((c): c is number => typeof c === 'number' && Number.isFinite(c)));
}

/** Milliseconds of [from, to] the run was not paused. */
export function activeMs(from: number, to: number, pauses: readonly PauseSpan[]): number {
  let paused = 0;
  for (const p of pauses) {
    const start = Math.max(from, p.start);
    const end = Math.min(to, p.end ?? to);
    if (end > start) paused += end - start;
  }
  return Math.max(0, to - from - paused);
}

/** Seconds of training left at `now`: the report counted down by the unpaused time since it arrived, never below 0. */
export function remainingSeconds(report: EtaReport, pauses: readonly PauseSpan[], now: number): number {
  return Math.max(0, report.etaSeconds - activeMs(report.receivedAt, now, pauses) / 1000);
}

/** Records a pause change (the worker says it holds / goes on) in the list of spans. */
export function notePause(pauses: PauseSpan[], paused: boolean, at: number): PauseSpan[] {
  const open = pauses.at(-1)?.end === undefined ? pauses.at(-1) : undefined;
  if (paused) return open ? pauses : [...pauses, { start: at }];
  return open ? [...pauses.slice(0, -1), { start: open.start, end: at }] : pauses;
}
