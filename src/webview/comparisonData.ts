// Reads the runs being compared from disk (run.json + metrics.jsonl) and shapes the comparison message. Each run's
// metrics file is followed incrementally, so a refresh while a long run is writing reads only the new lines.
import * as path from 'node:path';
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

  read(): ToComparison {
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
      const row = comparisonRow({ dir, run, entries: f.entries });
      rows.push(row);
      const m = new RunMetrics();
      m.add(f.entries);
      const loss = m.lossSeries(CURVE_POINTS);
      curves.push({ runId: row.runId, x: loss.x, loss: loss.series[0].values });
    }
    return { type: 'data', runDirs: [...this.dirs], rows, curves, problems };
  }
}
