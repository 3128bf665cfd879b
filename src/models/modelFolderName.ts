// What pickers and views call a model folder. Its folder name is often meaningless: every run's export is called
// "model" (<runs>/<run id>/model), and a Hugging Face cache snapshot is a commit hash (models--org--name/snapshots/<sha>).
// Those are named by their run (and the base model it started from) or by their repo id, from the path and the run's
// run.json only: no weights are read.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The run whose export a folder is: its id, the base model it fine-tuned (name only) and the strategy. */
export interface RunOrigin {
  runId: string;
  baseModel: string;
  strategy: string;
}

export interface ModelFolderName {
  label: string;
  fromRun?: RunOrigin;
}

const lastPart = (p: string): string => p.split(/[\\/]+/).filter(Boolean).at(-1) ?? p;

/** The run `dir` was exported by, when it is a run folder's model/ (the parent has a readable run.json). */
export function runOrigin(dir: string): RunOrigin | undefined {
  if (path.basename(dir) !== 'model') return undefined;
  const runDir = path.dirname(dir);
  let run: { id?: unknown; config?: { model?: unknown; strategy?: unknown }; model?: { hubId?: unknown; path?: unknown } };
  try {
    run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const base = str(run.model?.hubId) ?? str(run.config?.model) ?? str(run.model?.path);
  return { runId: str(run.id) ?? path.basename(runDir), baseModel: base ? lastPart(base) : '?', strategy: str(run.config?.strategy) ?? '?' };
}

/** `org/name` for a snapshot folder of the Hugging Face cache layout, else undefined. */
export function cacheRepoId(dir: string): string | undefined {
  const parts = dir.split(/[\\/]+/).filter(Boolean);
  const repo = parts.at(-3);
  if (parts.at(-2) !== 'snapshots' || !repo?.startsWith('models--')) return undefined;
  return repo.slice('models--'.length).split('--').join('/');
}

export function modelFolderName(dir: string): ModelFolderName {
  const fromRun = runOrigin(dir);
  if (fromRun) return { label: fromRun.runId, fromRun };
  return { label: cacheRepoId(dir) ?? path.basename(dir) };
}

/** The short line that goes with the label: the model type, and for a run's export what it was fine-tuned from. */
export function modelFolderDescription(info: { modelType: string; fromRun?: RunOrigin }): string {
  return info.fromRun ? `${info.modelType} · fine-tuned from ${info.fromRun.baseModel} (${info.fromRun.strategy})` : info.modelType;
}
