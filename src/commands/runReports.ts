// Runs this workspace's windows started whose end no window has reported yet. A detached run may finish (or die)
// while no window is open; the next activation reports it once and forgets it. Kept in workspaceState, so it
// belongs to the workspace, not to one window.
import type * as vscode from 'vscode';
import type { RunState } from '../training/runStatus';

const KEY = 'finetuneStudio.unreportedRuns';

export class RunReports {
  constructor(private readonly state: vscode.Memento) {}

  /** Run folders started here whose end has not been reported. */
  pending(): string[] {
    return this.state.get<string[]>(KEY, []);
  }

  expect(runDir: string): Thenable<void> {
    const all = this.pending();
    return all.includes(runDir) ? Promise.resolve() : this.state.update(KEY, [...all, runDir]);
  }

  /** The run's end was reported (or the run is gone): it is not reported again. */
  reported(runDir: string): Thenable<void> {
    return this.state.update(KEY, this.pending().filter((d) => d !== runDir));
  }
}

export type MissedEnd = { status: RunState | 'missing'; text: string; resumable: boolean };

/** What to tell the user about a run that ended while no window followed it; undefined while it still runs. */
export function describeMissedEnd(record: { id: string; status?: string; step?: number; error?: string; errorStep?: number } | undefined, held: boolean): MissedEnd | undefined {
  if (!record) return { status: 'missing', text: '', resumable: false };
  if (held) return undefined;
  const id = record.id;
  switch (record.status) {
    case 'completed':
      return { status: 'completed', text: `Fine-tune run ${id} completed while no window was open.`, resumable: false };
    case 'cancelled':
      return { status: 'cancelled', text: `Fine-tune run ${id} was cancelled while no window was open (at step ${record.step ?? 0}).`, resumable: true };
    case 'failed':
      return { status: 'failed', text: `Fine-tune run ${id} failed at step ${record.errorStep ?? record.step ?? 0} while no window was open: ${record.error ?? 'unknown error'}`, resumable: true };
    default:
      // Still "running" with nobody holding its lease: the worker died without writing an end state.
      return { status: 'interrupted', text: `Fine-tune run ${id} stopped while no window was open (interrupted after step ${record.step ?? 0}).`, resumable: true };
  }
}
