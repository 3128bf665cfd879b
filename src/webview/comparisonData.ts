// Reads the runs being compared from disk (run.json + metrics.jsonl) and shapes the comparison message. Each run's
// metrics file is followed incrementally, so a refresh while a long run is writing reads only the new lines.
import * as path from 'node:path';
import { readLease } from '../training/runLease';
import { runStateOf, type RunState } from '../training/runStatus';
import { metricsPath, readRun } from '../training/runStore';
import type { ComparisonRow } from './comparisonColumns';
import { comparisonRow } from './comparisonTable';
import type { ComparisonCurve, ToComparison } from './messages';
import type { MetricsEntry } from '../training/protocol';
import { MetricsTail } from './metricsTail';
import { RunMetrics } from './runMetrics';

/** Points per overlaid curve: several runs share one chart, so fewer than on a dashboard. */
export const CURVE_POINTS = 600;

interface Followed {
  tail: MetricsTail;
  entries: MetricsEntry[];
  problems: string[];
}

export class ComparisonSource {
  private readonly runs = new Map<string, Followed>();
  /** The true state of each run as last read, to notice an owner that went away (no file changes when it does). */
  private states = new Map<string, RunState>();

  constructor(private dirs: string[]) {}

  setRuns(dirs: string[]): void {
    this.dirs = dirs;
    for (const d of [...this.runs.keys()]) if (!dirs.includes(d)) this.runs.delete(d);
  }

  get runDirs(): readonly string[] {
    return this.dirs;
  }

  private follow(dir: string): Followed {
    let f = this.runs.get(dir);
    if (!f) {
      f = { tail: new MetricsTail(metricsPath(dir)), entries: [], problems: [] };
      this.runs.set(dir, f);
    }
    const update = f.tail.read();
    if (update.reset) {
      f.entries = [];
      f.problems = [];
    }
    f.entries.push(...update.entries);
    // A few problems per run say where the file went wrong; more would bury the table.
    f.problems.push(...update.problems.slice(0, Math.max(0, 5 - f.problems.length)));
    return f;
  }

  /** Whether a run that was running or paused at the last read has lost its owner (or another state changed). */
  statesChanged(): boolean {
    for (const [dir, shown] of this.states) {
      if (shown !== 'running' && shown !== 'paused') continue;
      try {
        if (runStateOf(readRun(dir), readLease(dir)).state !== shown) return true;
      } catch {
        return true;
      }
    }
    return false;
  }

  read(): ToComparison {
    this.states = new Map();
    const rows: ComparisonRow[] = [];
    const curves: ComparisonCurve[] = [];
    const problems: string[] = [];
    for (const dir of this.dirs) {
      let run;
      try {
        run = readRun(dir);
      } catch (e) {
        problems.push(`${path.basename(dir)}: ${(e as Error).message}`);
        continue;
      }
      const f = this.follow(dir);
      problems.push(...f.problems);
      const state = runStateOf(run, readLease(dir)).state;
      this.states.set(dir, state);
      const row = comparisonRow({ dir, run, entries: f.entries, state });
      rows.push(row);
      const m = new RunMetrics();
      m.add(f.entries);
      const loss = m.lossSeries(CURVE_POINTS);
      curves.push({ runId: row.runId, x: loss.x, loss: loss.series[0].values });
    }
    return { type: 'data', runDirs: [...this.dirs], rows, curves, problems };
  }
}
