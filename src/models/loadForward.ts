// One entry point for "give me this folder's model as a forward graph": from safetensors (graph built by us) when the
// folder has them, else from an ONNX export; a pickle-only folder is refused (see checkpoint.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../training/onnx/ir';
import { buildForwardModel } from './arch/forward';
import type { HeadKind } from './arch/parameters';
import { Checkpoint, CheckpointError, PICKLE_REFUSAL } from './checkpoint';
import { ModelSpec, ProblemType, readModelSpec, withLabels } from './modelSpec';
import { importOnnxForward } from './onnxImport';
import { LoadedWeights, loadWeights } from './weights';

export interface ForwardLoadOptions {
  head: HeadKind;
  /** Label names of the new task (id order); when they differ from the checkpoint's, its head is re-initialised. */
  labels?: string[];
  problemType?: ProblemType;
  training?: boolean;
  outputHidden?: boolean;
  seed?: number;
}

export interface LoadedForward {
  dir: string;
  spec: ModelSpec;
  head: HeadKind;
  model: Model;
  source: 'safetensors' | 'onnx';
  /** HF-named weights (safetensors source only; an ONNX source keeps them as initializers of `model`). */
  weights?: LoadedWeights;
  /** Things the user should be told (new head weights, no dropout in an ONNX source). */
  notes: string[];
}

export function loadForward(dir: string, opts: ForwardLoadOptions): LoadedForward {
  const original = readModelSpec(dir);
  let spec = original;
  const sameLabels = !opts.labels || (opts.labels.length === original.numLabels && opts.labels.every((l, i) => original.id2label[i] === l));
  if (opts.labels) spec = withLabels(spec, opts.labels, opts.problemType);
  else if (opts.problemType) spec = { ...spec, problemType: opts.problemType };
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  if (has('model.safetensors') || has('model.safetensors.index.json')) {
    const weights = loadWeights(Checkpoint.open(dir), spec, opts.head, { seed: opts.seed, ignoreMismatchedHead: !sameLabels });
    const model = buildForwardModel(spec, weights.tensors, { head: opts.head, training: opts.training, outputHidden: opts.outputHidden });
    const notes = weights.initialised.length ? [`Newly initialised (not in the checkpoint): ${weights.initialised.join(', ')}.`] : [];
    return { dir, spec, head: opts.head, model, source: 'safetensors', weights, notes };
  }
  if (has(path.join('onnx', 'model.onnx')) || has('model.onnx')) {
    if (!sameLabels) {
      throw new CheckpointError(`${dir}: the ONNX export has a fixed head (${original.numLabels} labels in config.json); a new label set needs model.safetensors.`);
    }
    const notes = opts.training ? ['The ONNX export has no Dropout nodes, so this model trains without dropout.'] : [];
    return { dir, spec, head: opts.head, model: importOnnxForward(dir).model, source: 'onnx', notes };
  }
  if (has('pytorch_model.bin')) throw new CheckpointError(`${path.join(dir, 'pytorch_model.bin')} ${PICKLE_REFUSAL}`);
  throw new CheckpointError(`${dir}: no model.safetensors, model.safetensors.index.json or onnx/model.onnx found.`);
}
