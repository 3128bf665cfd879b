// The runs under a runs folder, each with its true state: what the Runs view, the run pickers and `finetune-studio
// list` show. No VS Code here, so the CLI and the extension list runs the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLease } from './runLease';
import { runStateOf, type RunState, type RunStateInfo } from './runStatus';
import { readRun, type RunRecord } from './runStore';

export interface RunSummary {
  id: string;
  dir: string;
  /** The true state (run.json + lease), never run.json's status alone: what to show and act on. */
  status: RunState;
  /** With it, the step, the owner, the error: what to say about it. */
  state: RunStateInfo;
  model: string;
  strategy: string;
  /** run.json's resolved settings (the Runs view names a LoRA run's rank and alpha from them). */
  settings?: Readonly<Record<string, unknown>>;
  /** run.json's resolved LoRA configuration (rank, alpha...), for LoRA runs. */
  lora?: RunRecord['lora'];
  bestMetric?: { name: string; value: number };
  /** The test split's metrics, evaluated once after training. */
  testMetrics?: Record<string, number>;
}

export function readRunSummary(dir: string, now = Date.now()): RunSummary {
  const run = readRun(dir);
  const state = runStateOf(run, readLease(dir, now), now);
  return {
    id: path.basename(dir),
    dir,
    status: state.state,
    state,
    model: run.config?.model ?? '?',
    strategy: run.config?.strategy ?? '?',
    settings: run.config?.settings,
    lora: run.lora,
    bestMetric: run.bestMetric,
    ...(run.test ? { testMetrics: run.test.metrics } : {}),
  };
}

/** Newest first (run ids start with their UTC start time). */
export function readRunSummaries(root: string, now = Date.now()): RunSummary[] {
  if (!fs.existsSync(root)) return [];
  const out: RunSummary[] = [];
  for (const id of fs.readdirSync(root)) {
    try {
      out.push(readRunSummary(path.join(root, id), now));
    } catch {
      // A folder without a readable run.json is not a run (or one still being created).
    }
  }
  return out.sort((a, b) => b.id.localeCompare(a.id));
}
