// Where a model folder's weights come from: model.safetensors (single or sharded) first, else the float32 ONNX export
// (Optimum / transformers.js repos ship only onnx/model.onnx). Either way the trainer, SetFit and eval get HF-named
// float32 tensors and build their own forward graph from them, so every strategy, dropout, heads and export work the
// same. Pickle checkpoints are refused (unpickling runs code), and so are int8/fp16-only ONNX folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checkpoint, CheckpointError, PICKLE_REFUSAL } from './checkpoint';
import { findOnnxExport, readOnnxWeights, type OnnxWeights } from './onnxImport';
import type { WeightEntry, WeightSource } from './weightSourceTypes';

export type { WeightEntry, WeightSource } from './weightSourceTypes';

/** HF-named weights read from an ONNX export (see onnxImport.ts for how anonymous weights get their names). */
export class OnnxWeightSource implements WeightSource {
  readonly format = 'onnx';
  private constructor(readonly dir: string, readonly weights: OnnxWeights) {}

  static open(dir: string, file: string): OnnxWeightSource {
    return new OnnxWeightSource(dir, readOnnxWeights(file));
  }

  names(): string[] {
    return [...this.weights.tensors.keys()];
  }

  has(name: string): boolean {
    return this.weights.tensors.has(name);
  }

  entry(name: string): WeightEntry {
    return { dtype: 'F32', shape: [...this.tensor(name).dims], file: this.weights.file };
  }

  readFloat32(name: string): Float32Array {
    return this.tensor(name).data as Float32Array;
  }

  missingReason(): string {
    const { unnamed, file } = this.weights;
    if (!unnamed.length) return `${file} does not contain them: the export and config.json describe different models`;
    const shown = unnamed.slice(0, 3).map((u) => `"${u.name}" [${u.dims.join(', ')}]: ${u.reason}`).join('; ');
    return `${file} has ${unnamed.length} weight(s) whose parameter name could not be recovered (${shown}); ` +
      'export without graph optimizations (optimum-cli export onnx, no --optimize) or use model.safetensors';
  }

  private tensor(name: string) {
    const t = this.weights.tensors.get(name);
    if (!t) throw new CheckpointError(`${this.weights.file}: the ONNX export has no weight "${name}".`);
    return t;
  }
}

/** The folder's weights: safetensors (single or sharded) first, then the float32 ONNX export; pickle is refused. */
export function openWeightSource(dir: string): WeightSource {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  if (has('model.safetensors') || has('model.safetensors.index.json')) return Checkpoint.open(dir);
  const onnx = findOnnxExport(dir);
  if (onnx) return OnnxWeightSource.open(dir, onnx);
  for (const pickle of ['pytorch_model.bin', 'pytorch_model.bin.index.json']) {
    if (has(pickle)) throw new CheckpointError(`${path.join(dir, pickle)} ${PICKLE_REFUSAL}`);
  }
  throw new CheckpointError(`${dir}: no model weights found: expected model.safetensors, model.safetensors.index.json or onnx/model.onnx.`);
}
