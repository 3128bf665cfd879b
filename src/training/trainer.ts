// What a trainer (the general one in worker/runTraining.ts, SetFit in setfit/runSetFit.ts) gets from run.ts and gives
// back. A trainer first checks its model and data (prepare) — no run folder exists yet, so a run that cannot start
// leaves nothing — then, once run.ts has made the folder and written the record, trains in it.
import type * as ortTypes from 'onnxruntime-node';
import type { DeviceChoice } from '../onnx/device';
import type { DataParallel } from './distributed/dataParallel';
import type { RunConfig, RunSettings } from './protocol';
import type { RunRecord } from './runStore';
import type { RunLog } from './runLog';
import type { SplitRoles } from './splitRoles';
import type { PauseHooks } from './worker/pauseGate';

export type TrainingHooks = PauseHooks;

export interface RunSetup {
  /** The run's configuration: the request, or for a resumed run the one its run.json holds. */
  config: RunConfig;
  /** The record of the run being resumed (undefined for a new run). */
  resumed?: RunRecord;
  ort: typeof ortTypes;
  device: DeviceChoice;
  log: RunLog['log'];
  hooks: TrainingHooks;
  /** A data-parallel run: the group and this process's rank (undefined: training alone). */
  dataParallel?: DataParallel;
}

/** A run folder that exists, with its record written as "running". */
export interface OpenRun {
  runId: string;
  runDir: string;
  record: RunRecord;
  /** Where a resumed run's checkpoints are read (rank 1…N−1 train in a scratch folder; rank 0's folder holds them). */
  checkpointsFrom?: string;
}

/** What a trainer checked and will record in run.json, and how it goes on once the folder exists. */
export interface PreparedRun {
  modelType: string;
  dataset: Omit<RunRecord['dataset'], 'path' | 'fingerprint' | 'splits'> & { files: string[]; splits: SplitRoles };
  /** Every setting resolved with its default: run.json keeps them so a resume or a re-run means the same run. */
  settings: RunSettings;
  totalSteps: number;
  /** The loss weights the run trains with (classWeights resolved on the training split); undefined: unweighted. */
  classWeights?: RunRecord['classWeights'];
  /** LoRA runs: what run.json records of the LoRA configuration. */
  lora?: RunRecord['lora'];
  /** CPU intra-op threads fixed before training (the general trainer may still time them on the first batch). */
  threads?: number;
  train(run: OpenRun): Promise<void>;
}

export type Trainer = (setup: RunSetup) => Promise<PreparedRun>;
