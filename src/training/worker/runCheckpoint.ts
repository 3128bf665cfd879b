// A run checkpoint: every weight training has touched so far (weights.safetensors), the optimizer state
// (optimizer.safetensors) and the trainer's position and bookkeeping (state.json). Together with the base model and
// the run config this is everything a resumed run needs to continue bit for bit.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SafetensorsFile, safetensorsParts, type TensorToWrite } from '../../models/safetensors';
import { saveCheckpoint } from '../runStore';
import * as fs from 'node:fs';

export interface TrainerState {
  /** Optimizer steps done. */
  step: number;
  /** Epoch to continue in, and micro-batches of it already done. */
  epoch: number;
  microInEpoch: number;
  best?: { name: string; value: number; step: number; checkpoint: string };
  /** Evaluations in a row without improvement (early stopping). */
  badEvals: number;
  /** Parameters trained at any point of the run (their values live in the checkpoint, not the base model). */
  touched: string[];
  trainSeconds: number;
  samplesSeen: number;
}

const WEIGHTS = 'weights.safetensors';
const OPTIMIZER = 'optimizer.safetensors';

export function writeRunCheckpoint(runDir: string, state: TrainerState, master: ReadonlyMap<string, Float32Array>, optimizerState: ReadonlyMap<string, ort.Tensor>): string {
  const weights = new Map<string, TensorToWrite>();
  for (const name of state.touched) {
    const w = master.get(name);
    if (!w) throw new Error(`checkpoint: no value for trained parameter "${name}"`);
    weights.set(name, { dtype: 'F32', shape: [w.length], data: w });
  }
  const opt = new Map<string, TensorToWrite>();
  for (const [name, t] of optimizerState) opt.set(name, { dtype: 'F32', shape: [...t.dims], data: t.data as Float32Array });
  return saveCheckpoint(runDir, state.step, { [WEIGHTS]: safetensorsParts(weights), [OPTIMIZER]: safetensorsParts(opt) }, state);
}

export interface RunCheckpoint {
  state: TrainerState;
  /** Flat float32 values by parameter name (shapes come from the model). */
  weights: Map<string, Float32Array>;
  optimizer: Map<string, ort.Tensor>;
}

export function readRunCheckpoint(dir: string): RunCheckpoint {
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as TrainerState;
  const w = SafetensorsFile.open(path.join(dir, WEIGHTS));
  const weights = new Map(w.names().map((n) => [n, w.readFloat32(n)]));
  const o = SafetensorsFile.open(path.join(dir, OPTIMIZER));
  const optimizer = new Map(o.names().map((n) => [n, new ort.Tensor('float32', o.readFloat32(n), [...o.entry(n).shape])]));
  return { state, weights, optimizer };
}
