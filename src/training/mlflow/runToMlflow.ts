// `finetune-studio export --run R --mlflow DIR`: a run's parameters and metric curves as an MLflow run in the file
// store at DIR, for teams whose experiments live in MLflow. The metrics are the TensorBoard scalars (same tags, the
// same function of metrics.jsonl) at full double precision; exporting a run again replaces its MLflow run.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { readMetrics, readRun, type RunRecord } from '../runStore';
import type { RunState } from '../runStatus';
import { scalarsOf } from '../tensorboard/runTensorboard';
import { ensureExperiment, writeRun, type MetricPoint, type MlflowRun } from './fileStore';

/** The run's configuration as flat MLflow params: nested settings as dotted keys, lists as JSON. */
export function runParams(record: RunRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, v: unknown) => {
    if (v === undefined) return;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) put(`${key}.${k}`, x);
    else out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  };
  const { settings, ...config } = record.config;
  for (const k of ['strategy', 'task', 'model', 'data', 'device'] as const) put(k, (config as Record<string, unknown>)[k]);
  for (const [k, v] of Object.entries(settings ?? {})) put(k, v);
  put('model_type', record.model.modelType);
  put('total_steps', record.totalSteps);
  return out;
}

const STATUS: Record<RunState, MlflowRun['status']> = { running: 'RUNNING', paused: 'RUNNING', interrupted: 'KILLED', completed: 'FINISHED', cancelled: 'KILLED', failed: 'FAILED' };

/** The MLflow run id of a run: stable, so a second export replaces the first instead of adding a copy. */
export const mlflowRunUuid = (record: RunRecord) => crypto.createHash('sha256').update(`${record.id}\0${record.createdAt}`).digest('hex').slice(0, 32);

export function exportRunToMlflow(runDir: string, storeDir: string, o: { state: RunState; experiment?: string }): { experimentId: string; runUuid: string; dir: string; metrics: number; params: number } {
  const record = readRun(runDir);
  const metrics: Record<string, MetricPoint[]> = {};
  for (const e of scalarsOf(readMetrics(runDir))) for (const s of e.scalars) (metrics[s.tag] ??= []).push({ timestampMs: e.wallTime * 1000, value: s.value, step: e.step });
  const params = runParams(record);
  const run: MlflowRun = {
    runUuid: mlflowRunUuid(record),
    runName: record.id,
    status: STATUS[o.state],
    startTimeMs: Date.parse(record.createdAt),
    endTimeMs: STATUS[o.state] === 'RUNNING' ? null : Date.parse(record.updatedAt),
    params,
    metrics,
    tags: { 'mlflow.runName': record.id, 'mlflow.source.name': 'finetune-studio', 'finetune_studio.run_dir': path.resolve(runDir) },
  };
  const experimentId = ensureExperiment(storeDir, o.experiment);
  const dir = writeRun(storeDir, experimentId, run);
  return { experimentId, runUuid: run.runUuid, dir, metrics: Object.keys(metrics).length, params: Object.keys(params).length };
}
