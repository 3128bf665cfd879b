// The one entry of a training run (the worker process and the CLI call it). It owns what every run shares: the lease
// on a resumed folder, the end state, the log, the device, the run folder and its record; the strategy's own work is
// a trainer's (trainer.ts). The trainers never import each other: this is the only place that knows both.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ortTypes from 'onnxruntime-node';
import { chooseDevice } from '../onnx/device';
import { explainFsError } from '../util/fsErrors';
import type { RunConfig } from './protocol';
import { markRunFailed, watchRun } from './runEndState';
import { RunBusyError, acquireLease, type RunLease } from './runLease';
import { removeLeftovers, runLog } from './runLog';
import { noteResume } from './runStatus';
import { createRunDir, dropMetricsAfter, fingerprintFiles, readRun, resumeStep, writeRun, type RunRecord } from './runStore';
import { trainSetFit } from './setfit/runSetFit';
import { describeSplitRoles, slicedValidationNote } from './splitRoles';
import type { Trainer, TrainingHooks } from './trainer';
import { trainModel } from './worker/runTraining';

export type { TrainingHooks } from './trainer';

export async function runTraining(request: RunConfig, hooks: TrainingHooks, resumeFrom?: string): Promise<void> {
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
    await setUpAndTrain(request, watched, resumeFrom);
  } catch (raw) {
    // An error ends the run as "failed" with the error and the step, never as a run.json that says "running".
    const runDir = watch.runDir() ?? resumeFrom;
    const e = explainFsError(raw, runDir);
    if (runDir && !(e instanceof RunBusyError)) markRunFailed(runDir, e, watch.step());
    throw e;
  } finally {
    lease?.release();
  }
}

async function setUpAndTrain(request: RunConfig, hooks: TrainingHooks, resumeFrom?: string): Promise<void> {
  const resumed = resumeFrom ? readRun(resumeFrom) : undefined;
  const config: RunConfig = resumed ? resumed.config : request;
  // Lines logged before the run folder exists are kept and written into it then.
  const logger = runLog(hooks.emit, resumeFrom);
  const ort: typeof ortTypes = await import('onnxruntime-node');
  const device = await chooseDevice(ort, config.device ?? 'auto');
  const trainer: Trainer = config.strategy === 'setfit' ? trainSetFit : trainModel;
  const prepared = await trainer({ config, resumed, ort, device, log: logger.log, hooks });

  const { id: runId, dir: runDir } = resumed && resumeFrom ? { id: resumed.id, dir: resumeFrom } : createRunDir(config.runsRoot, config.model, config.strategy);
  logger.attach(runDir);
  const { files, ...dataset } = prepared.dataset;
  const record: RunRecord = resumed ?? {
    id: runId, status: 'running', createdAt: new Date().toISOString(), updatedAt: '',
    config: { ...config, settings: prepared.settings },
    model: { path: config.model, modelType: prepared.modelType },
    dataset: { ...dataset, path: config.data, fingerprint: await fingerprintFiles(files) },
    versions: { finetuneStudio: packageVersion(), onnxruntime: ort.env.versions.common ?? 'unknown', node: process.versions.node },
    device: { executionProvider: device.executionProvider, reason: device.reason },
    totalSteps: prepared.totalSteps, step: 0,
  };
  record.status = 'running';
  if (prepared.classWeights) record.classWeights = prepared.classWeights;
  if (prepared.lora) record.lora = prepared.lora;
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
