// The only definition of the messages between the panel hosts (extension side) and their webview clients. Both
// sides import these types; the client bundle gets no runtime code from here.
import type { FromWorker } from '../training/protocol';
import type { RunRecord } from '../training/runStore';
import type { LogEntry, PerClassRow, RunTask, SummaryEntry, TestEntry, TrainEntry } from '../training/protocol';
import type { RunStateInfo } from '../training/runStatus';
import type { ComparisonRow, SortSpec } from './comparisonColumns';

/** One x axis shared by its series (uPlot's aligned-data layout); null = no point at that x. */
export interface LineChartData {
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

export interface DashboardMetrics {
  loss: LineChartData;
  lr: LineChartData;
  throughput: LineChartData;
  /** x = epoch (step when the trainer logged no epoch); yRange: the task's scale (SQuAD's percentages: 0..100). */
  evalChart: LineChartData & { yRange?: [number, number] };
  /** The task the figures were shaped for (run.json's, else read off the metrics). */
  task?: RunTask;
  evals: { step: number; epoch: number; metrics: Record<string, number> }[];
  latestEval?: { step: number; epoch: number; perClass: PerClassRow[]; confusion?: number[][]; confusionLabels?: string[] };
  summary?: SummaryEntry;
  /** The test split's evaluation, written once at the end of the run (never used for selection). */
  test?: TestEntry;
  /** Train points logged so far (before downsampling). */
  trainPoints: number;
  lastTrain?: TrainEntry;
  /** The trainer's log lines (warnings about the data, what each epoch trains), capped. */
  logs: LogEntry[];
  problems: string[];
}

export type DashboardCommand = 'pauseRun' | 'continueRun' | 'cancelRun' | 'resumeRun' | 'exportRun' | 'pushToHub' | 'exportRunReport' | 'openRunFolder';

export type ToDashboard =
  /** The run record, with its true state (run.json + whether its owner is still there) and that state in words. */
  | { type: 'run'; runDir: string; run?: RunRecord; state?: RunStateInfo; stateText?: string; error?: string }
  | { type: 'metrics'; metrics: DashboardMetrics }
  /** A worker message forwarded live by the extension (progress between metrics.jsonl writes, done, errors). */
  | { type: 'live'; message: FromWorker };

export type FromDashboard = { type: 'ready' } | { type: 'command'; command: DashboardCommand };

/** What the dashboard webview keeps in its state so the serializer can restore it after a reload. */
export interface DashboardState {
  runDir: string;
}

export interface ComparisonCurve {
  runId: string;
  x: number[];
  loss: (number | null)[];
}

export type ToComparison = { type: 'data'; runDirs: string[]; rows: ComparisonRow[]; curves: ComparisonCurve[]; problems: string[] };

export type FromComparison =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'openDashboard'; runDir: string }
  /** Exports the given runs (all rows when empty) in the order the user sorted them. */
  | { type: 'export'; format: 'csv' | 'markdown'; runIds: string[]; sort?: SortSpec };

export interface ComparisonState {
  runDirs: string[];
  sort?: SortSpec;
  selected?: string[];
  /** Runs the user has seen: a run seen and unticked stays unticked; a new run starts ticked. */
  known?: string[];
}
