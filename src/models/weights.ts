// Loads a checkpoint's tensors for one task model, checked against the shapes config.json implies. Head weights the
// checkpoint lacks (a base model fine-tuned for a new task) are initialised as HF does; a missing or misshapen encoder
// weight is an error, because it means the checkpoint and config.json disagree.
import { Rng } from '../util/rng';
import type { ModelSpec } from './modelSpec';
import { HeadKind, ParamShape, basePrefix, modelParameters } from './arch/parameters';
import type { WeightSource } from './weightSourceTypes';

export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

export interface LoadedWeights {
  /** Float32 values by HF parameter name, in modelParameters() order. */
  tensors: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
  /** Parameters the checkpoint lacked, freshly initialised (normally the new task head). */
  initialised: string[];
  /** Checkpoint tensors this task model does not use (e.g. a pre-training head). */
  unused: string[];
}

/** Names a parameter may carry in checkpoints saved by other task classes or old TF-converted files. */
function candidateNames(name: string, prefix: string): string[] {
  const out = [name];
  if (name.startsWith(`${prefix}.`)) out.push(name.slice(prefix.length + 1));
  else out.push(`${prefix}.${name}`);
  for (const n of [...out]) {
    if (/(LayerNorm|layer_norm)\.weight$/.test(n)) out.push(n.replace(/weight$/, 'gamma'));
    if (/(LayerNorm|layer_norm)\.bias$/.test(n)) out.push(n.replace(/bias$/, 'beta'));
  }
  return out;
}

/** HF _init_weights: Linear/Embedding ~ N(0, initializer_range), biases 0, LayerNorm weight 1. */
export function initParameter(p: ParamShape, rng: Rng, std: number): Float32Array {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (/(LayerNorm|layer_norm)\.weight$/.test(p.name)) out.fill(1);
  else if (p.shape.length >= 2) for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

/** Counts of NaN and ±Infinity in a tensor, or undefined when every value is finite. */
export function nonFinite(values: Float32Array): { nan: number; inf: number; first: number } | undefined {
  let first = -1;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for every finite v and NaN otherwise: one subtraction per value on the common path.
    if (v - v !== 0) {
      if (first < 0) first = i;
      if (Number.isNaN(v)) nan++;
      else inf++;
    }
  }
  return first < 0 ? undefined : { nan, inf, first };
}

function isHeadParam(name: string): boolean {
  return !/(^|\.)(embeddings|embeddings_project|encoder|transformer)\./.test(name) || /(^|\.)pooler\./.test(name);
}

export interface LoadWeightsOptions {
  /** Seed for head weights the checkpoint lacks. */
  seed?: number;
  /**
   * A new task (other labels than the checkpoint's head): head weights whose shape differs are re-initialised instead
   * of rejected, like HF's ignore_mismatched_sizes=True. Encoder mismatches are always errors.
   */
  ignoreMismatchedHead?: boolean;
  /** The checkpoint's head was trained for other labels: re-initialise its weights even where the shapes fit (the pooler is kept). */
  newHead?: boolean;
}

export function loadWeights(ckpt: WeightSource, spec: ModelSpec, head: HeadKind, opts: LoadWeightsOptions = {}): LoadedWeights {
  const params = modelParameters(spec, head);
  const prefix = basePrefix(spec.family);
  const rng = new Rng(opts.seed ?? 42);
  const std = typeof spec.raw.initializer_range === 'number' ? spec.raw.initializer_range : 0.02;
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  const initialised: string[] = [];
  const missingEncoder: string[] = [];
  const used = new Set<string>();
  for (const p of params) {
    const source = candidateNames(p.name, prefix).find((n) => ckpt.has(n));
    shapes.set(p.name, p.shape);
    if (source === undefined) {
      if (isHeadParam(p.name)) {
        initialised.push(p.name);
        tensors.set(p.name, initParameter(p, rng, std));
      } else {
        missingEncoder.push(p.name);
      }
      continue;
    }
    if (opts.newHead && isHeadParam(p.name) && !/(^|\.)pooler\./.test(p.name)) {
      initialised.push(p.name);
      tensors.set(p.name, initParameter(p, rng, std));
      continue;
    }
    const e = ckpt.entry(source);
    const sameShape = e.shape.length === p.shape.length && e.shape.every((d, i) => d === p.shape[i]);
    if (!sameShape && opts.ignoreMismatchedHead && isHeadParam(p.name)) {
      initialised.push(p.name);
      tensors.set(p.name, initParameter(p, rng, std));
      continue;
    }
    if (e.shape.length !== p.shape.length || e.shape.some((d, i) => d !== p.shape[i])) {
      throw new WeightsError(
        `${e.file}: tensor "${source}" has shape [${e.shape.join(', ')}] but ${ckpt.dir}/config.json implies [${p.shape.join(', ')}] ` +
        `(${spec.modelType}: vocab ${spec.vocabSize}, hidden ${spec.hiddenSize}, intermediate ${spec.intermediateSize}, ${spec.numLabels} labels); ` +
        'the config and the weights belong to different models.',
      );
    }
    if (e.dtype !== 'F32' && e.dtype !== 'F16' && e.dtype !== 'BF16' && e.dtype !== 'F64') {
      throw new WeightsError(`${e.file}: tensor "${source}" has dtype ${e.dtype}; a floating-point weight (F32, F16, BF16) was expected.`);
    }
    const values = ckpt.readFloat32(source);
    const bad = nonFinite(values);
    if (bad) {
      throw new WeightsError(
        `${e.file}: tensor "${source}" holds ${bad.nan} NaN and ${bad.inf} infinite value(s) among ${values.length} (first at index ${bad.first}); ` +
        'the checkpoint is damaged or was saved after a training run diverged, so training from it cannot work. Use an intact checkpoint (download it again, or an earlier one).',
      );
    }
    tensors.set(p.name, values);
    used.add(source);
  }
  if (missingEncoder.length) {
    const shown = missingEncoder.slice(0, 5).map((n) => `"${n}"`).join(', ');
    throw new WeightsError(`${ckpt.dir}: the checkpoint lacks ${missingEncoder.length} encoder weight(s) that ${spec.modelType} needs, e.g. ${shown}; ${ckpt.missingReason()}.`);
  }
  const unused = ckpt.names().filter((n) => !used.has(n));
  return { tensors, shapes, initialised, unused };
}
