// The run folder `.finetune/runs/<id>/`: run.json (config, versions, device, status), metrics.jsonl, checkpoints/
// (last K + best), model/ (the export). Every write is atomic, so a killed worker leaves a folder it can resume from.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LabelSpace } from '../data/labels';
import type { NewMetricsEntry, RunConfig } from './protocol';
import type { SplitRoles } from './splitRoles';
import { appendLineSync, writeFileAtomic, writeJsonAtomic, type FileContent } from '../util/atomicWrite';
import { asFsError, withFsContext } from '../util/fsErrors';
import { mirrorMetricsLine, rebuildTensorboard } from './tensorboard/runTensorboard';

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface RunLora {
  rank: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  scaling: number;
  targetModules: string[] | string;
  modulesToSave: string[];
  layersToTransform?: number[];
  /** How many Linear modules carry an adapter. */
  adaptedModules: number;
  /** The PEFT adapter folder this run continued from, when it did. */
  fromAdapter?: string;
}

export interface RunRecord {
  id: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  /** The full resolved configuration (request + defaults), enough to re-run or resume. */
  config: RunConfig;
  model: { path: string; modelType: string; hubId?: string; revision?: string };
  dataset: {
    path: string; fingerprint: string; labels: string[]; labelSpace?: LabelSpace; trainRows: number; evalRows: number; splits?: SplitRoles;
    /** What the run trains: RunConfig.task, or what the data file's shape said when it was unset (absent in older runs: classification). */
    task?: import('./protocol').RunTask;
  };
  versions: Record<string, string>;
  /** threads: the CPU intra-op thread count the run chose (or was given), reused when it resumes. */
  device: { executionProvider: string; reason: string; threads?: number };
  totalSteps: number;
  step: number;
  bestMetric?: { name: string; value: number; step: number };
  bestCheckpoint?: string;
  /** The loss weights the run trained with (the classWeights setting resolved on the training split); absent: unweighted. */
  classWeights?: { kind: 'class' | 'positive'; source: 'balanced' | 'explicit'; byLabel: Record<string, number> };
  /** LoRA runs: the configuration resolved on the model (adapted modules, saved modules, scaling), what adapter/ holds. */
  lora?: RunLora;
  /** Data-parallel runs: how many ranks trained it, launched by what, and whether their final weights agreed. */
  distributed?: RunDistributed;
  /** The test split's one evaluation after training (never used for selection); absent without a test split. */
  test?: { step: number; examples: number; metrics: Record<string, number> };
  /** Why a failed run stopped, and the optimizer step it had reached. */
  error?: string;
  errorStep?: number;
  /** The step a paused trainer holds at, while it holds (written by the trainer; see runStatus.ts). */
  pausedAt?: number;
  /** Trainers that stopped without ending the run, noted by the process that took the run over (see runStatus.ts). */
  interruptions?: Interruption[];
}

export interface RunDistributed {
  backend: 'gloo';
  worldSize: number;
  launcher: 'torchrun' | 'slurm' | 'env';
  /** Examples per rank per micro-batch (the batchSize setting) and per optimizer step over all ranks. */
  perRankBatch?: number;
  globalBatch?: number;
  /** Every rank's weights compared with rank 0's at the end (differing: tensors that differed on some rank). */
  finalWeights?: { tensors: number; differing: number; maxAbsDifference: number };
  /** Rank 0's gradient all-reduce: mean wall time per optimizer step (and before it, waiting for the slowest rank), and what one step sends. */
  allReduce?: { msPerStep: number; waitMsPerStep: number; bytesPerStep: number; buckets: number; steps: number };
}

export interface Interruption {
  /** The stopped trainer, when it left a lease. */
  pid?: number;
  host?: string;
  startedAt?: string;
  lastHeartbeat?: string;
  /** The last step it logged. */
  step: number;
  resumedAt: string;
  resumedBy: { pid: number; host: string };
}

export function newRunId(model: string, strategy: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = path.basename(model).replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
  return `${stamp}-${slug}-${strategy}`;
}

export function createRunDir(runsRoot: string, model: string, strategy: string): { id: string; dir: string } {
  withFsContext(runsRoot, 'creating the runs folder', () => fs.mkdirSync(runsRoot, { recursive: true }));
  const base = newRunId(model, strategy);
  for (let n = 0; ; n++) {
    const id = n === 0 ? base : `${base}-${n}`;
    const dir = path.join(runsRoot, id);
    try {
      fs.mkdirSync(dir); // fails if it exists: two runs started in the same second get distinct folders
      return { id, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw asFsError(e, dir, 'creating the run folder');
    }
  }
}

export const runJsonPath = (dir: string) => path.join(dir, 'run.json');
export const metricsPath = (dir: string) => path.join(dir, 'metrics.jsonl');
export const checkpointsDir = (dir: string) => path.join(dir, 'checkpoints');

export function writeRun(dir: string, record: RunRecord): void {
  writeJsonAtomic(runJsonPath(dir), { ...record, updatedAt: new Date().toISOString() });
}

export function readRun(dir: string): RunRecord {
  const file = runJsonPath(dir);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  } catch (e) {
    throw new Error(`${file}: not a readable run record (${(e as Error).message})`, { cause: e });
  }
}

export function appendMetrics(dir: string, entry: NewMetricsEntry): void {
  const line = JSON.stringify({ time: new Date().toISOString(), ...entry });
  appendLineSync(metricsPath(dir), line);
  // TensorBoard's copy (<run>/tensorboard/), written after metrics.jsonl: that file stays the record it is rebuilt from.
  mirrorMetricsLine(dir, line, () => readMetrics(dir));
}

/** Reads metrics.jsonl, skipping any torn line a killed process left (appendLineSync starts a new line after it). */
export function readMetrics(dir: string): Record<string, unknown>[] {
  if (!fs.existsSync(metricsPath(dir))) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of fs.readFileSync(metricsPath(dir), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line torn by a kill: the records around it are whole
    }
  }
  return out;
}

/**
 * Before a resume trains again from the checkpoint at `step`: removes the train and eval records the stopped run wrote
 * past it (a kill lands between checkpoints). The resume redoes those steps exactly, so keeping them would put every
 * one twice in the charts and the comparison. Log records stay; torn lines go. Rewritten atomically; returns how many
 * records were removed.
 */
export function dropMetricsAfter(dir: string, step: number): number {
  const file = metricsPath(dir);
  if (!fs.existsSync(file)) return 0;
  const kept: string[] = [];
  let dropped = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let entry: { type?: unknown; step?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // torn by the kill
    }
    // A test record goes whatever its step: the resumed run evaluates the test split again when it ends, once.
    if (entry.type === 'test' || ((entry.type === 'train' || entry.type === 'eval') && typeof entry.step === 'number' && entry.step > step)) dropped++;
    else kept.push(line);
  }
  if (dropped) writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
  // Also when nothing was dropped: the stopped process may have died between a metrics line and its TensorBoard copy.
  rebuildTensorboard(dir, readMetrics(dir));
  return dropped;
}

/** The optimizer step of the checkpoint a resume starts from (0: none was written). */
export function resumeStep(dir: string): number {
  const last = latestCheckpoint(dir);
  if (!last) return 0;
  const state = JSON.parse(fs.readFileSync(path.join(last, 'state.json'), 'utf8')) as { step?: unknown };
  return typeof state.step === 'number' ? state.step : 0;
}

/**
 * Writes a checkpoint folder atomically: files go to a temporary folder that is renamed into place, so a checkpoint
 * either exists whole or not at all. `state.json` is written last inside it and marks it complete.
 */
export function checkpointPath(dir: string, step: number): string {
  return path.join(checkpointsDir(dir), `step-${String(step).padStart(8, '0')}`);
}

export function saveCheckpoint(dir: string, step: number, files: Record<string, FileContent>, state: unknown): string {
  const final = checkpointPath(dir, step);
  const tmp = `${final}.tmp-${process.pid}`;
  withFsContext(final, 'writing the checkpoint', () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileAtomic(path.join(tmp, name), bytes);
    writeJsonAtomic(path.join(tmp, 'state.json'), state);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
  });
  return final;
}

export function listCheckpoints(dir: string): string[] {
  const root = checkpointsDir(dir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((n) => /^step-\d+$/.test(n) && fs.existsSync(path.join(root, n, 'state.json')))
    .sort()
    .map((n) => path.join(root, n));
}

export function latestCheckpoint(dir: string): string | undefined {
  return listCheckpoints(dir).at(-1);
}

/**
 * Removes what interrupted atomic writes left in a run folder (`*.tmp-<pid>-…` files and staging folders), before a
 * resumed run writes there again. A kill -9 gives a write no chance to clean up after itself.
 */
export function removeTemporaries(dir: string): string[] {
  const removed: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (/\.tmp(-|$)/.test(e.name)) {
        fs.rmSync(p, { recursive: true, force: true });
        removed.push(p);
      } else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return removed;
}

/** Keeps the newest `keep` checkpoints plus `best`; removes the rest and any leftovers of interrupted writes. */
export function pruneCheckpoints(dir: string, keep: number, best?: string): void {
  const all = listCheckpoints(dir);
  const keepSet = new Set(all.slice(-keep));
  if (best) keepSet.add(best);
  for (const c of all) if (!keepSet.has(c)) fs.rmSync(c, { recursive: true, force: true });
  const root = checkpointsDir(dir);
  for (const n of fs.existsSync(root) ? fs.readdirSync(root) : []) if (n.includes('.tmp-')) fs.rmSync(path.join(root, n), { recursive: true, force: true });
}

/** sha256 over the bytes of the dataset files (streamed), so run.json says exactly which data trained the model. */
export async function fingerprintFiles(files: string[]): Promise<string> {
  const h = crypto.createHash('sha256');
  for (const f of [...files].sort()) {
    h.update(`${path.basename(f)}\0`);
    for await (const chunk of fs.createReadStream(f)) h.update(chunk as Buffer);
  }
  return `sha256:${h.digest('hex')}`;
}
