// Training checkpoint: trainable weights + optimizer state in one safetensors file (HF names; state keys are
// "<param>.exp_avg" etc.) and a JSON with the plan and the step, so a run resumes exactly where it stopped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile, TensorToWrite, writeSafetensors } from '../../models/safetensors';
import { DType, TensorData } from '../../onnx/ir';

export const CHECKPOINT_TENSORS = 'checkpoint.safetensors';
export const CHECKPOINT_JSON = 'checkpoint.json';

export interface CheckpointInfo {
  step: number;
  params: string[];
  state: string[];
  /** Whatever describes the run (the TrainPlan); stored verbatim. */
  plan: unknown;
  extra?: Record<string, unknown>;
}

const TO_ST: Partial<Record<DType, TensorToWrite['dtype']>> = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32' };

export function saveCheckpoint(dir: string, tensors: ReadonlyMap<string, TensorData>, info: CheckpointInfo): void {
  fs.mkdirSync(dir, { recursive: true });
  const out = new Map<string, TensorToWrite>();
  for (const [name, t] of tensors) {
    const dtype = TO_ST[t.dtype];
    if (!dtype) throw new Error(`checkpoint: tensor "${name}" has dtype ${t.dtype}, which checkpoints do not store`);
    const data = t.data instanceof Float32Array ? t.data : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(name, { dtype, shape: [...t.dims], data });
  }
  writeSafetensors(path.join(dir, CHECKPOINT_TENSORS), out, { format: 'pt', step: String(info.step) });
  const tmp = path.join(dir, `${CHECKPOINT_JSON}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2));
  fs.renameSync(tmp, path.join(dir, CHECKPOINT_JSON));
}

export function loadCheckpoint(dir: string): { info: CheckpointInfo; tensors: Map<string, TensorData> } {
  const jsonPath = path.join(dir, CHECKPOINT_JSON);
  let info: CheckpointInfo;
  try {
    info = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as CheckpointInfo;
  } catch (e) {
    throw new Error(`checkpoint ${jsonPath}: ${(e as Error).message}`, { cause: e });
  }
  const st = SafetensorsFile.open(path.join(dir, CHECKPOINT_TENSORS));
  const tensors = new Map<string, TensorData>();
  for (const name of [...info.params, ...info.state]) {
    if (!st.entries.has(name)) throw new Error(`checkpoint ${dir}: tensor "${name}" listed in ${CHECKPOINT_JSON} is missing from ${CHECKPOINT_TENSORS}`);
    const e = st.entry(name);
    if (e.dtype === 'F64') {
      const bytes = st.readBytes(name);
      const data = new Float64Array(bytes.length / 8);
      new Uint8Array(data.buffer).set(bytes);
      tensors.set(name, { dtype: 'float64', dims: [...e.shape], data });
    } else {
      tensors.set(name, { dtype: 'float32', dims: [...e.shape], data: st.readFloat32(name) });
    }
  }
  return { info, tensors };
}
