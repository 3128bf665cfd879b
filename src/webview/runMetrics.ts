// Accumulates a run's metrics entries (from metrics.jsonl, read whole or tailed) and shapes them into what the
// dashboard draws. Pure: no vscode, no fs, so the same code is unit-tested and reused by the comparison view.
import { alignSeries, downsampleMinMax, XY } from './downsample';
import { compareLrGroups } from '../training/lrGroups';
import type { EvalEntry, LogEntry, LrGroupsEntry, MetricsEntry, RunTask, SummaryEntry, TestEntry, TrainEntry } from '../training/protocol';
import type { DashboardMetrics, LineChartData } from './messages';
import { evalChartSpec, taskOfMetrics } from './taskView';

/** Points per series sent to the webview per update; enough for a panel a few thousand pixels wide. */
export const DEFAULT_MAX_POINTS = 1000;

/** Log lines kept for the dashboard: the newest ones, warnings and errors first to survive. */
export const MAX_LOGS = 50;

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export class RunMetrics {
  private readonly step: number[] = [];
  private readonly loss: number[] = [];
  private readonly lr: number[] = [];
  private readonly samplesPerSecond: number[] = [];
  private lastTrain: TrainEntry | undefined;
  private evals: EvalEntry[] = [];
  private summary: SummaryEntry | undefined;
  private test: TestEntry | undefined;
  private logs: LogEntry[] = [];
  /** The per-group LR multipliers of each phase, by the step they apply after (empty for a run with one LR). */
  private lrGroups: LrGroupsEntry[] = [];
  readonly problems: string[] = [];

  add(entries: Iterable<MetricsEntry>): void {
    for (const e of entries) {
      if (e.type === 'train') this.addTrain(e);
      else if (e.type === 'eval') this.addEval(e);
      else if (e.type === 'log') this.addLog(e);
      else if (e.type === 'test') this.test = e;
      else if (e.type === 'lrGroups') this.addLrGroups(e);
      else this.summary = e;
    }
  }

  addProblems(problems: string[]): void {
    // Keep the first ones: they name the line where things went wrong; later ones are usually consequences.
    for (const p of problems) if (this.problems.length < 20) this.problems.push(p);
  }

  get trainPoints(): number {
    return this.step.length;
  }

  get evalEntries(): readonly EvalEntry[] {
    return this.evals;
  }

  get summaryEntry(): SummaryEntry | undefined {
    return this.summary;
  }

  /** The test split's one evaluation (never used for selection), once the run has written it. */
  get testEntry(): TestEntry | undefined {
    return this.test;
  }

  get lastTrainEntry(): TrainEntry | undefined {
    return this.lastTrain;
  }

  private addTrain(e: TrainEntry): void {
    // A resumed run restarts from its checkpoint's step and logs those steps again: the new values replace the
    // ones logged after the checkpoint, so the curve shows what the final model actually went through.
    let keep = this.step.length;
    while (keep > 0 && this.step[keep - 1] >= e.step) keep--;
    if (keep < this.step.length) {
      for (const a of [this.step, this.loss, this.lr, this.samplesPerSecond]) a.length = keep;
      this.evals = this.evals.filter((v) => v.step < e.step);
      this.lrGroups = this.lrGroups.filter((g) => g.step < e.step);
    }
    this.step.push(e.step);
    this.loss.push(e.loss);
    this.lr.push(e.lr);
    this.samplesPerSecond.push(e.samplesPerSecond);
    this.lastTrain = e;
  }

  private addLog(e: LogEntry): void {
    this.logs.push(e);
    if (this.logs.length <= MAX_LOGS) return;
    // Over the cap, drop the oldest info line (or the oldest line when all are warnings) so warnings stay visible.
    const i = this.logs.findIndex((l) => l.level === 'info');
    this.logs.splice(i >= 0 ? i : 0, 1);
  }

  private addLrGroups(e: LrGroupsEntry): void {
    // A resumed run opens its phase again at its checkpoint's step: that entry replaces what the stopped run logged
    // from there on.
    this.lrGroups = this.lrGroups.filter((g) => g.step < e.step);
    this.lrGroups.push(e);
  }

  /**
   * The LR chart: one curve per parameter group (scheduled lr × the group's multiplier in the phase each step belongs
   * to; null while the group is frozen) when the run logged groups, else the one scheduled lr.
   */
  lrSeries(maxPoints = DEFAULT_MAX_POINTS): LineChartData {
    const d = downsampleMinMax({ x: this.step, y: this.lr }, maxPoints);
    if (!this.lrGroups.length) return { x: d.x, series: [{ label: 'learning rate', values: d.y.map(finiteOrNull) }] };
    const names = [...new Set(this.lrGroups.flatMap((g) => Object.keys(g.groups)))].sort(compareLrGroups);
    // The phase of step x: the last entry logged before it (the first one for steps logged before any).
    let phase = 0;
    const phases = d.x.map((x) => {
      while (phase + 1 < this.lrGroups.length && this.lrGroups[phase + 1].step < x) phase++;
      return this.lrGroups[phase].groups;
    });
    return {
      x: d.x,
      series: names.map((name) => ({
        label: name,
        values: d.y.map((lr, i) => (phases[i][name] === undefined ? null : finiteOrNull(lr * phases[i][name]))),
      })),
    };
  }

  private addEval(e: EvalEntry): void {
    this.evals = this.evals.filter((v) => v.step !== e.step);
    this.evals.push(e);
    this.evals.sort((a, b) => a.step - b.step);
  }

  lossSeries(maxPoints = DEFAULT_MAX_POINTS): LineChartData {
    const train = downsampleMinMax({ x: this.step, y: this.loss }, maxPoints);
    const evalLoss: XY = { x: [], y: [] };
    for (const e of this.evals) {
      if (e.metrics.loss === undefined) continue;
      evalLoss.x.push(e.step);
      evalLoss.y.push(e.metrics.loss);
    }
    const aligned = alignSeries(train, downsampleMinMax(evalLoss, maxPoints));
    return { x: aligned.x, series: [{ label: 'train loss', values: aligned.a }, { label: 'eval loss', values: aligned.b }] };
  }

  /** `task`: run.json's; read off the eval metrics while run.json is not read yet (taskView.ts taskOfMetrics). */
  snapshot(maxPoints = DEFAULT_MAX_POINTS, task: RunTask = taskOfMetrics(this.evals.map((e) => e.metrics))): DashboardMetrics {
    const single = (label: string, y: number[]): LineChartData => {
      const d = downsampleMinMax({ x: this.step, y }, maxPoints);
      return { x: d.x, series: [{ label, values: d.y.map(finiteOrNull) }] };
    };
    const chart = evalChartSpec(task);
    const names = chart.metrics.filter((m) => this.evals.some((e) => e.metrics[m] !== undefined));
    const latest = [...this.evals].reverse().find((e) => e.perClass || e.confusion);
    return {
      loss: this.lossSeries(maxPoints),
      lr: this.lrSeries(maxPoints),
      throughput: single('samples/s', this.samplesPerSecond),
      evalChart: {
        x: this.evals.map((e) => (Number.isFinite(e.epoch) ? e.epoch : e.step)),
        series: names.map((m) => ({ label: m, values: this.evals.map((e) => finiteOrNull(e.metrics[m] ?? Number.NaN)) })),
        yRange: chart.yRange,
      },
      task,
      evals: this.evals.map((e) => ({ step: e.step, epoch: e.epoch, metrics: e.metrics })),
      latestEval: latest ? { step: latest.step, epoch: latest.epoch, perClass: latest.perClass ?? [], confusion: latest.confusion, confusionLabels: latest.confusionLabels } : undefined,
      summary: this.summary,
      test: this.test,
      trainPoints: this.step.length,
      lastTrain: this.lastTrain,
      logs: this.logs.slice(),
      problems: this.problems.slice(),
    };
  }
}
