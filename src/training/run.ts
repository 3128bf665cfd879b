// The one entry of a training run (the worker process and the CLI call it). It owns what every run shares: the lease
// on a resumed folder, the end state, the log, the device, the run folder and its record; the strategy's own work is
// a trainer's (trainer.ts). The trainers never import each other: this is the only place that knows both. Under a
// launcher's data-parallel contract (distributed/launchEnv.ts) rank 0 does all of that; the other ranks follow it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as ortTypes from 'onnxruntime-node';
import { chooseDevice, type DeviceChoice } from '../onnx/device';
import { explainFsError } from '../util/fsErrors';
import { joinRanks, type DataParallel } from './distributed/dataParallel';
import type { LaunchEnv } from './distributed/launchEnv';
import { textFromRankZero } from './distributed/rankAgreement';
import type { FromWorker, RunConfig } from './protocol';
import { markRunFailed, watchRun } from './runEndState';
import { RunBusyError, acquireLease, type RunLease } from './runLease';
import { removeLeftovers, runLog } from './runLog';
import { noteResume } from './runStatus';
import { createRunDir, dropMetricsAfter, fingerprintFiles, readRun, resumeStep, writeRun, type RunRecord } from './runStore';
import { trainSetFit } from './setfit/runSetFit';
import { describeSplitRoles, slicedValidationNote } from './splitRoles';
import type { PreparedRun, Trainer, TrainingHooks } from './trainer';
import { trainModel } from './worker/runTraining';

export type { TrainingHooks } from './trainer';

/**
 * `launch`: the data-parallel contract this process was started under (readLaunchEnv), from the CLI only. The
 * extension's worker never passes one: a VS Code server inside a Slurm allocation inherits SLURM_NTASKS and
 * SLURM_PROCID, and its runs must not wait for ranks nobody started.
 */
export async function runTraining(request: RunConfig, hooks: TrainingHooks, resumeFrom?: string, launch?: LaunchEnv): Promise<void> {
  const resumed = resumeFrom ? readRun(resumeFrom) : undefined;
  // Refused before the lease is taken, so the refusal leaves the run's state as it was.
  const trainedOn = resumed?.distributed?.worldSize ?? 1;
  const ranks = launch?.worldSize ?? 1;
  if (resumed && trainedOn !== ranks) {
    // Another world size is another global batch and another order of examples: the resume could not be exact.
    throw new Error(`${resumeFrom}: this run trained on ${trainedOn} rank(s); resume it on ${trainedOn} (WORLD_SIZE=${trainedOn}${trainedOn === 1 ? ', or without a launcher' : ''}), not ${ranks}`);
  }
  if (!launch) return runAsOwner(request, hooks, resumeFrom);
  const config = resumed ? resumed.config : request;
  if (config.strategy === 'setfit') {
    throw new Error(`SetFit trains in one process (its contrastive pairs and head fit in one pass): run it without the launcher's WORLD_SIZE=${launch.worldSize}, or pick another strategy for data-parallel training`);
  }
  const dp = await joinRanks(launch);
  try {
    if (dp.isWriter) await runAsOwner(request, hooks, resumeFrom, dp);
    else await runAsFollower(request, hooks, resumeFrom, dp);
  } finally {
    dp.group.close();
  }
}

/** A run in its folder: the lone trainer, or rank 0 of a data-parallel run. */
async function runAsOwner(request: RunConfig, hooks: TrainingHooks, resumeFrom?: string, dp?: DataParallel): Promise<void> {
  // A resumed run takes its folder's lease before anything else; a new one as soon as its folder exists.
  let lease: RunLease | undefined = resumeFrom ? acquireLease(resumeFrom) : undefined;
  const watch = watchRun((m) => {
    if (m.type === 'started' && !lease) lease = acquireLease(m.runDir);
    hooks.emit(m);
  });
  const watched: TrainingHooks = { ...hooks, emit: watch.emit };
  try {
    // The resume that takes the lease over is the one process that knows the previous owner is gone: it records that.
    if (resumeFrom) noteResume(resumeFrom, lease?.previous, watched.emit);
    await setUpAndTrain(request, watched, resumeFrom, dp);
  } catch (raw) {
    // An error ends the run as "failed" with the error and the step, never as a run.json that says "running".
    const runDir = watch.runDir() ?? resumeFrom;
    const e = explainFsError(raw, runDir);
    // A collective that failed means another rank stopped: say where its reason is and how the run goes on.
    if (dp && runDir && e instanceof Error && /^gloo /.test(e.message)) e.message += `. The other ranks' own output says why they stopped (torchrun's --log_dir, the Slurm job's output file, the pod's log); resume on every rank with \`finetune-studio train --resume ${runDir}\``;
    if (runDir && !(e instanceof RunBusyError)) markRunFailed(runDir, e, watch.step());
    throw e;
  } finally {
    lease?.release();
  }
}

/** The model, data and device every rank checks alike before anything is written. */
async function prepare(request: RunConfig, hooks: TrainingHooks, resumeFrom: string | undefined, log: (message: string, level?: 'info' | 'warn') => void, dp?: DataParallel) {
  const resumed = resumeFrom ? readRun(resumeFrom) : undefined;
  const config: RunConfig = resumed ? resumed.config : request;
  if (dp) log(dp.description);
  const ort: typeof ortTypes = await import('onnxruntime-node');
  const device = await chooseDevice(ort, config.device ?? 'auto');
  const trainer: Trainer = config.strategy === 'setfit' ? trainSetFit : trainModel;
  const prepared = await trainer({ config, resumed, ort, device, log, hooks, dataParallel: dp });
  return { resumed, config, ort, device, prepared };
}

/** A new run's record; `fingerprint`: the data files' (rank 0 hashes them; the other ranks' records are never written). */
function newRecord(id: string, config: RunConfig, prepared: PreparedRun, ort: typeof ortTypes, device: DeviceChoice, fingerprint: string): RunRecord {
  const { files: _files, ...dataset } = prepared.dataset;
  return {
    id, status: 'running', createdAt: new Date().toISOString(), updatedAt: '',
    config: { ...config, settings: prepared.settings },
    model: { path: config.model, modelType: prepared.modelType },
    dataset: { ...dataset, path: config.data, fingerprint },
    versions: { finetuneStudio: packageVersion(), onnxruntime: ort.env.versions.common ?? 'unknown', node: process.versions.node },
    device: { executionProvider: device.executionProvider, reason: device.reason },
    totalSteps: prepared.totalSteps, step: 0,
  };
}

/**
 * Rank 1…N−1: the same preparation and steps as rank 0, but nothing of the run folder is written here. It learns the
 * folder from rank 0 (the run id is made there), reads a resumed run's checkpoint from it, and trains in a scratch
 * folder (its own artifacts and feature cache) removed when it ends.
 */
async function runAsFollower(request: RunConfig, hooks: TrainingHooks, resumeFrom: string | undefined, dp: DataParallel): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `fts-rank${dp.env.rank}-`));
  let runDir = '';
  // Events name the run folder rank 0 writes, not the scratch folder (which is gone when the run ends).
  const followed: TrainingHooks = { ...hooks, emit: (m: FromWorker) => hooks.emit('runDir' in m && m.runDir === scratch ? { ...m, runDir } : m) };
  // Its lines go to its own output (torchrun's per-rank log, Slurm's output file), never to rank 0's metrics.jsonl.
  const logger = runLog(followed.emit, undefined);
  try {
    const { resumed, config, ort, device, prepared } = await prepare(request, followed, resumeFrom, logger.log, dp);
    runDir = await textFromRankZero(dp.group, '');
    logger.log(`rank ${dp.env.rank} of ${dp.env.worldSize}: rank 0 owns the run folder ${runDir}; this rank writes nothing there (scratch: ${scratch})`);
    const record = resumed ?? newRecord(path.basename(runDir), config, prepared, ort, device, 'not computed (rank 0 records the run)');
    await prepared.train({ runId: record.id, runDir: scratch, record, checkpointsFrom: resumeFrom });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function setUpAndTrain(request: RunConfig, hooks: TrainingHooks, resumeFrom?: string, dp?: DataParallel): Promise<void> {
  // Lines logged before the run folder exists are kept and written into it then.
  const logger = runLog(hooks.emit, resumeFrom);
  const { resumed, config, ort, device, prepared } = await prepare(request, hooks, resumeFrom, logger.log, dp);

  const { id: runId, dir: runDir } = resumed && resumeFrom ? { id: resumed.id, dir: resumeFrom } : createRunDir(config.runsRoot, config.model, config.strategy);
  logger.attach(runDir);
  if (dp) await textFromRankZero(dp.group, path.resolve(runDir));
  const record: RunRecord = resumed ?? newRecord(runId, config, prepared, ort, device, await fingerprintFiles(prepared.dataset.files));
  record.status = 'running';
  if (prepared.classWeights) record.classWeights = prepared.classWeights;
  if (prepared.lora) record.lora = prepared.lora;
  if (dp) record.distributed = { backend: 'gloo', worldSize: dp.env.worldSize, launcher: dp.env.launcher };
  record.device = { executionProvider: device.executionProvider, reason: device.reason, ...(prepared.threads ? { threads: prepared.threads } : {}) };
  writeRun(runDir, record);
  hooks.emit({ type: 'started', runId, runDir, device: device.executionProvider, deviceReason: device.reason, totalSteps: prepared.totalSteps });
  logger.log(`splits: ${describeSplitRoles(prepared.dataset.splits)}`);
  const sliced = slicedValidationNote(prepared.dataset.splits);
  if (sliced) logger.log(sliced);
  if (resumed) {
    removeLeftovers(runDir, logger.log);
    const from = resumeStep(runDir);
    const dropped = dropMetricsAfter(runDir, from);
    if (dropped) logger.log(`removed ${dropped} train/eval record(s) past step ${from} from metrics.jsonl: the resume trains those steps again`);
  }
  await prepared.train({ runId, runDir, record });
}

function packageVersion(): string {
  // Bundled (dist/worker.js, dist/cli.js) or compiled for tests (out/src/training/run.js).
  for (const p of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', '..', 'package.json')]) {
    try {
      return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return 'unknown';
}
