// `finetune-studio export --run R --mlflow DIR`: the run as an MLflow file-store run, read back the way
// mlflow/store/tracking/file_store.py reads it (yaml.safe_load of meta.yaml, keys as paths relative to metrics/,
// params/, tags/, metric lines split into int timestamp, float value, int step) by Python when python3-yaml is there,
// and by the TS side always. Its metrics must be metrics.jsonl's values at full precision and the TensorBoard files'
// scalars; its params the run's settings. Needs `npm run fixtures`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';
import { runCommand } from '../../../src/training/worker/runCommands';
import { tensorboardDir } from '../../../src/training/tensorboard/runTensorboard';
import { readEventDir, visibleScalars } from '../../support/tfeventsReader';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const PYTHON = '/usr/bin/python3';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-mlflow-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
const DATA = path.join(TMP, 'train.csv');
fs.writeFileSync(DATA, [lines[0], ...lines.slice(1, 49)].join('\n') + '\n');
const SETTINGS = { epochs: 2, batchSize: 8, maxLength: 32, learningRate: 1e-3, loggingSteps: 1, evalEvery: 3, threads: 1, earlyStopping: { metric: 'accuracy', patience: 5, threshold: 0, mode: 'max' as const } };

async function train(runsRoot: string): Promise<string> {
  const messages: FromWorker[] = [];
  const config: RunConfig = { model: MODEL, data: DATA, strategy: 'full', runsRoot, device: 'cpu', settings: SETTINGS };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done?.type === 'done', JSON.stringify(messages.filter((m) => m.type === 'error')));
  return done.runDir;
}

/** runCommand's stdout lines (console.log), for the CLI's own code path. */
async function exportCli(args: string[]): Promise<string> {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => printed.push(a.join(' '));
  try {
    assert.equal(await runCommand('export', args), 0);
  } finally {
    console.log = log;
  }
  return printed.join('\n');
}

interface StoreRun { dir: string; meta: Record<string, unknown>; params: Record<string, string>; tags: Record<string, string>; metrics: Record<string, [number, number, number][]> }
interface Store { experiments: { dir: string; meta: Record<string, unknown>; runs: StoreRun[] }[] }

/** The TS reading: the same rules as file_store.py. */
function readStore(root: string): Store {
  const files = (base: string): Record<string, string> => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else out[path.relative(base, path.join(d, e.name)).split(path.sep).join('/')] = fs.readFileSync(path.join(d, e.name), 'utf8');
      }
    };
    if (fs.existsSync(base)) walk(base);
    return out;
  };
  const dirs = (d: string) => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !['.trash', 'tags', 'datasets', 'traces'].includes(e.name)).map((e) => e.name).sort();
  return {
    experiments: dirs(root).map((e) => ({
      dir: e,
      meta: yaml.load(fs.readFileSync(path.join(root, e, 'meta.yaml'), 'utf8')) as Record<string, unknown>,
      runs: dirs(path.join(root, e)).map((r) => {
        const rd = path.join(root, e, r);
        const metrics: StoreRun['metrics'] = {};
        for (const [k, text] of Object.entries(files(path.join(rd, 'metrics')))) {
          metrics[k] = text.trim().split('\n').map((l) => {
            const parts = l.trim().split(' ');
            assert.equal(parts.length, 3, `metric ${k}: "${l}" is not "<timestamp> <value> <step>"`);
            assert.match(parts[0], /^\d+$/);
            assert.match(parts[2], /^\d+$/);
            return [Number(parts[0]), Number(parts[1]), Number(parts[2])];
          });
        }
        return { dir: r, meta: yaml.load(fs.readFileSync(path.join(rd, 'meta.yaml'), 'utf8')) as Record<string, unknown>, params: files(path.join(rd, 'params')), tags: files(path.join(rd, 'tags')), metrics };
      }),
    })),
  };
}

const PY_STORE = `
import json, math, os, sys, yaml
root = sys.argv[1]
def files(base):
    out = {}
    for r, _, names in os.walk(base):
        for n in names:
            p = os.path.join(r, n)
            with open(p) as fh:
                out[os.path.relpath(p, base)] = fh.read()
    return out
def subdirs(d):
    return sorted(n for n in os.listdir(d) if os.path.isdir(os.path.join(d, n)) and n not in (".trash", "tags", "datasets", "traces"))
def point(line):
    ts, v, step = line.strip().split(" ")
    v = float(v)
    return [int(ts), v if math.isfinite(v) else str(v), int(step)]
exps = []
for e in subdirs(root):
    runs = []
    for r in subdirs(os.path.join(root, e)):
        rd = os.path.join(root, e, r)
        with open(os.path.join(rd, "meta.yaml")) as fh:
            meta = yaml.safe_load(fh)
        metrics = {k: [point(l) for l in t.splitlines()] for k, t in files(os.path.join(rd, "metrics")).items()}
        runs.append({"dir": r, "meta": meta, "params": files(os.path.join(rd, "params")), "tags": files(os.path.join(rd, "tags")), "metrics": metrics})
    with open(os.path.join(root, e, "meta.yaml")) as fh:
        exps.append({"dir": e, "meta": yaml.safe_load(fh), "runs": runs})
print(json.dumps({"experiments": exps}))
`;

const pyYamlProblem = (() => {
  const r = child_process.spawnSync(PYTHON, ['-c', 'import yaml'], { encoding: 'utf8' });
  return r.status === 0 ? false : `PyYAML is not importable by ${PYTHON} (apt install python3-yaml)`;
})();

function pyReadStore(root: string): Store {
  const r = child_process.spawnSync(PYTHON, ['-c', PY_STORE, root], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
  assert.equal(r.status, 0, r.stderr);
  const store = JSON.parse(r.stdout) as Store;
  for (const e of store.experiments) for (const run of e.runs) for (const pts of Object.values(run.metrics)) for (const p of pts) p[1] = Number(p[1]);
  return store;
}

const run = train(path.join(TMP, 'runs'));

test('a finished run exports as an MLflow run: meta, params, the metrics of metrics.jsonl and of TensorBoard, read back alike by Python', async () => {
  const runDir = await run;
  const record = readRun(runDir);
  const store = path.join(TMP, 'mlruns');
  const said = await exportCli(['--run', runDir, '--mlflow', store]);
  assert.match(said, /to MLflow experiment 0, run [0-9a-f]{32}/);

  const read = readStore(store);
  if (!pyYamlProblem) assert.deepEqual(pyReadStore(store), read, 'Python (yaml.safe_load, os.walk, float()) reads what the TS reading does');
  assert.equal(read.experiments.length, 1);
  const [exp] = read.experiments;
  assert.deepEqual([exp.dir, exp.meta.experiment_id, exp.meta.name, exp.meta.lifecycle_stage], ['0', '0', 'Default', 'active']);
  assert.equal(exp.meta.artifact_location, `file://${path.join(store, '0')}`);
  assert.equal(exp.runs.length, 1);
  const [r] = exp.runs;
  // file_store.py's _get_run_info: the folder is the run id and the meta's experiment id is its experiment's folder.
  assert.equal(r.meta.run_uuid, r.dir);
  assert.equal(r.meta.run_id, r.dir);
  assert.equal(r.meta.experiment_id, '0');
  assert.equal(r.meta.status, 3, 'FINISHED');
  assert.equal(r.meta.start_time, Date.parse(record.createdAt));
  assert.equal(r.meta.end_time, Date.parse(record.updatedAt));
  assert.equal(r.meta.run_name, record.id);
  assert.equal(r.tags['mlflow.runName'], record.id);

  // Params: the resolved settings, nested ones dotted.
  const settings = record.config.settings as Record<string, unknown>;
  assert.equal(r.params.learningRate, '0.001');
  assert.equal(r.params.epochs, '2');
  assert.equal(r.params.strategy, 'full');
  assert.equal(r.params['earlyStopping.metric'], 'accuracy');
  for (const [k, v] of Object.entries(settings)) if (typeof v !== 'object' || v === null || Array.isArray(v)) assert.equal(r.params[k], typeof v === 'string' ? v : JSON.stringify(v), `param ${k}`);

  // Metrics: each train loss and eval metric of metrics.jsonl, at full double precision, at its step and time.
  const records = readMetrics(runDir);
  const trains = records.filter((m) => m.type === 'train');
  assert.deepEqual(r.metrics['train/loss'], trains.map((m) => [Date.parse(m.time as string), m.loss, m.step]));
  const evals = records.filter((m) => m.type === 'eval');
  assert.ok(evals.length >= 2);
  for (const k of Object.keys(evals[0].metrics as object)) assert.deepEqual(r.metrics[`eval/${k}`], evals.map((m) => [Date.parse(m.time as string), (m.metrics as Record<string, number>)[k], m.step]), `eval/${k}`);
  // And every point is the TensorBoard scalar of the same tag and step (those are float32).
  const tb = visibleScalars(readEventDir(tensorboardDir(runDir)));
  const mlflowPoints = Object.entries(r.metrics).flatMap(([tag, pts]) => pts.map((p) => `${tag}@${p[2]}=${Math.fround(p[1])}`)).sort();
  assert.deepEqual(mlflowPoints, tb.map((s) => `${s.tag}@${s.step}=${s.value}`).sort());
});

test('exporting again replaces the MLflow run; --experiment files it under a named experiment; a foreign folder is refused', async () => {
  const runDir = await run;
  const store = path.join(TMP, 'mlruns-again');
  await exportCli(['--run', runDir, '--mlflow', store]);
  const first = readStore(store);
  await exportCli(['--run', runDir, '--mlflow', store]);
  assert.deepEqual(readStore(store).experiments.map((e) => e.runs.map((r) => r.dir)), first.experiments.map((e) => e.runs.map((r) => r.dir)), 'still one run, the same id');

  const said = await exportCli(['--run', runDir, '--mlflow', store, '--experiment', 'sentiment sweeps']);
  assert.match(said, /MLflow experiment 1,/);
  const named = readStore(store).experiments.find((e) => e.dir === '1');
  assert.equal(named?.meta.name, 'sentiment sweeps');
  assert.equal(named?.runs.length, 1);
  // Found by name the next time, not created twice.
  assert.match(await exportCli(['--run', runDir, '--mlflow', store, '--experiment', 'sentiment sweeps']), /MLflow experiment 1,/);
  assert.equal(readStore(store).experiments.length, 2);

  await assert.rejects(runCommand('export', ['--run', runDir, '--experiment', 'x']), /--experiment names the MLflow experiment of an export: use it with export --mlflow/);

  // An unfinished run exports too, with MLflow's status for it: a cancelled run is KILLED.
  const cancelled = path.join(TMP, 'cancelled-copy');
  fs.cpSync(runDir, cancelled, { recursive: true });
  const rec = JSON.parse(fs.readFileSync(path.join(cancelled, 'run.json'), 'utf8')) as { status: string };
  fs.writeFileSync(path.join(cancelled, 'run.json'), JSON.stringify({ ...rec, status: 'cancelled' }));
  const killedStore = path.join(TMP, 'mlruns-cancelled');
  await exportCli(['--run', cancelled, '--mlflow', killedStore]);
  assert.equal(readStore(killedStore).experiments[0].runs[0].meta.status, 5, 'KILLED');

  const foreign = path.join(TMP, 'not-mlflow');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
  await assert.rejects(runCommand('export', ['--run', runDir, '--mlflow', foreign]), /not empty and holds no MLflow experiment/);
  assert.deepEqual(fs.readdirSync(foreign), ['notes.txt'], 'nothing written into it');
});
