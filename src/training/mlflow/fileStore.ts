// MLflow's file store (what `mlflow ui --backend-store-uri DIR` and mlflow.set_tracking_uri("file:DIR") read), as
// mlflow/store/tracking/file_store.py lays it out:
//   DIR/<experiment_id>/meta.yaml                      the experiment (name, artifact_location, lifecycle_stage, ...)
//   DIR/<experiment_id>/<run_uuid>/meta.yaml           the run (status as RunStatus's number, start/end in ms, ...)
//   DIR/<experiment_id>/<run_uuid>/params/<key>        the value, as text
//   DIR/<experiment_id>/<run_uuid>/metrics/<key>       one "<timestamp ms> <value> <step>" line per logged point
//   DIR/<experiment_id>/<run_uuid>/tags/<key>          the value (mlflow.runName names the run)
// A key with "/" is a path below its folder (file_store reads keys back as paths relative to it).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as yaml from 'js-yaml';
import { writeFileAtomic, writeFolderAtomic } from '../../util/atomicWrite';

/** mlflow.entities.RunStatus, stored as its number in meta.yaml. */
export const RUN_STATUS = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
/** mlflow.entities.SourceType.LOCAL, what the file store writes for every run. */
const SOURCE_TYPE_LOCAL = 4;
const DEFAULT_EXPERIMENT = { id: '0', name: 'Default' };

export interface MetricPoint {
  timestampMs: number;
  value: number;
  step: number;
}

export interface MlflowRun {
  /** 32 hex digits, as uuid.uuid4().hex. */
  runUuid: string;
  runName: string;
  status: keyof typeof RUN_STATUS;
  startTimeMs: number;
  endTimeMs: number | null;
  params: Record<string, string>;
  metrics: Record<string, MetricPoint[]>;
  tags: Record<string, string>;
}

const dumpYaml = (o: Record<string, unknown>) => yaml.dump(o, { sortKeys: true, lineWidth: -1 });

/**
 * A key made safe as a path below params/, metrics/ or tags/: MLflow allows letters, digits, "_", "-", ".", " " and "/"
 * (utils/validation.py); anything else becomes "_", and no segment may climb out ("." and ".." segments).
 */
export function storeKey(key: string): string {
  return key
    .replace(/[^\w.\- /]/g, '_')
    .split('/')
    .map((s) => (s === '' || s === '.' || s === '..' ? '_' : s))
    .join('/');
}

function readExperiments(root: string): { id: string; name: string }[] {
  const out: { id: string; name: string }[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    const meta = path.join(root, e.name, 'meta.yaml');
    if (!e.isDirectory() || !fs.existsSync(meta)) continue;
    const doc = yaml.load(fs.readFileSync(meta, 'utf8')) as { name?: unknown; experiment_id?: unknown } | null;
    if (doc && typeof doc.name === 'string') out.push({ id: String(doc.experiment_id ?? e.name), name: doc.name });
  }
  return out;
}

/** The experiment named `name` in the store at `root`, created (with the store) when missing; returns its id. */
export function ensureExperiment(root: string, name = DEFAULT_EXPERIMENT.name): string {
  if (fs.existsSync(root)) {
    if (!fs.statSync(root).isDirectory()) throw new Error(`${root} is a file; --mlflow needs a folder (an MLflow file store, or a new one).`);
    const entries = fs.readdirSync(root);
    const experiments = readExperiments(root);
    if (entries.length && !experiments.length && !entries.includes('.trash')) {
      throw new Error(`${root} is not empty and holds no MLflow experiment (no <id>/meta.yaml): give --mlflow an MLflow file store (an mlruns/ folder) or a new folder.`);
    }
    const found = experiments.find((x) => x.name === name);
    if (found) return found.id;
  }
  const taken = fs.existsSync(root) ? readExperiments(root).map((x) => x.id) : [];
  // The default experiment keeps MLflow's id 0; others take the next free number (MLflow itself draws random ones).
  const id = name === DEFAULT_EXPERIMENT.name && !taken.includes('0') ? '0' : String(Math.max(0, ...taken.map(Number).filter(Number.isFinite)) + 1);
  const now = Date.now();
  const dir = path.join(root, id);
  writeFileAtomic(path.join(dir, 'meta.yaml'), dumpYaml({
    artifact_location: pathToFileURL(dir).href, creation_time: now, experiment_id: id, last_update_time: now, lifecycle_stage: 'active', name,
  }));
  fs.mkdirSync(path.join(root, '.trash'), { recursive: true });
  return id;
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Writes (or replaces, whole) one run of experiment `experimentId`; returns its folder. */
export function writeRun(root: string, experimentId: string, run: MlflowRun): string {
  if (!/^[0-9a-f]{32}$/.test(run.runUuid)) throw new Error(`MLflow run ids are 32 hex digits; got "${run.runUuid}"`);
  const dir = path.join(root, experimentId, run.runUuid);
  writeFolderAtomic(dir, (staging) => {
    const put = (sub: string, key: string, text: string) => {
      const file = path.join(staging, sub, ...storeKey(key).split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    };
    fs.writeFileSync(path.join(staging, 'meta.yaml'), dumpYaml({
      artifact_uri: pathToFileURL(path.join(dir, 'artifacts')).href,
      deleted_time: null,
      end_time: run.endTimeMs,
      entry_point_name: '',
      experiment_id: experimentId,
      lifecycle_stage: 'active',
      run_id: run.runUuid,
      run_name: run.runName,
      run_uuid: run.runUuid,
      source_name: '',
      source_type: SOURCE_TYPE_LOCAL,
      source_version: '',
      start_time: run.startTimeMs,
      status: RUN_STATUS[run.status],
      tags: [],
      user_id: userName(),
    }));
    for (const sub of ['params', 'metrics', 'tags', 'artifacts']) fs.mkdirSync(path.join(staging, sub));
    for (const [k, v] of Object.entries(run.params)) put('params', k, v);
    // Python's float() reads String(x) of every double, NaN and Infinity included.
    for (const [k, points] of Object.entries(run.metrics)) put('metrics', k, points.map((p) => `${Math.round(p.timestampMs)} ${String(p.value)} ${p.step}\n`).join(''));
    for (const [k, v] of Object.entries(run.tags)) put('tags', k, v);
    return [];
  });
  return dir;
}
