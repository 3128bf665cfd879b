// A run's LoRA configuration, resolved from its settings and the model: rank, alpha, dropout, rsLoRA scaling, the
// adapted modules and the modules trained fully (PEFT's modules_to_save), plus the adapters' initial values. The head
// is always among the saved modules, and so is anything the checkpoint did not have (a new pooler, DistilBERT's
// pre_classifier): PEFT's most reported encoder bug is a classifier saved without its head (PEFT #310, #577, #1070),
// which reloads with a random head; a module that is new and frozen would be random noise nobody can reload.
import type { ModelSpec } from '../../models/modelSpec';
import { Rng } from '../../util/rng';
import { roleOf } from '../parameterGroups';
import type { TrainingArgs } from '../hyperparameters';
import type { AdapterValues } from './loraGraph';
import { DEFAULT_TARGETS, resolveTargets, type LinearModule, type TargetModules } from './loraTargets';
import type { HeadKind } from '../../models/arch/parameters';

export interface LoraConfig {
  rank: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  /** As the user gave them (or the family default): what adapter_config.json records. */
  targetModules: TargetModules;
  /** Top-level module names trained fully and saved with the adapter (PEFT modules_to_save). */
  modulesToSave: string[];
  /** Layers that have adapters (PEFT layers_to_transform); undefined: every layer. */
  layersToTransform?: number[];
  /** The adapted Linear modules, in graph order. */
  modules: LinearModule[];
}

export type PeftTaskType = 'SEQ_CLS' | 'TOKEN_CLS' | 'QUESTION_ANS';

export function peftTaskType(head: HeadKind): PeftTaskType {
  if (head === 'sequence-classification') return 'SEQ_CLS';
  if (head === 'token-classification') return 'TOKEN_CLS';
  if (head === 'question-answering') return 'QUESTION_ANS';
  throw new Error(`LoRA trains classification, token classification and question answering heads; a ${head} head has no PEFT task type here`);
}

/** What PeftModelFor<task> adds to modules_to_save by itself (its classifier_module_names / qa_module_names). */
export const PEFT_TASK_MODULES: Record<PeftTaskType, string[]> = { SEQ_CLS: ['classifier', 'score'], TOKEN_CLS: ['classifier', 'score'], QUESTION_ANS: ['qa_outputs'] };

/** lora_alpha / r (PEFT), or lora_alpha / √r with rsLoRA (Kalajdzievski 2023; PEFT use_rslora). */
export function loraScaling(c: Pick<LoraConfig, 'alpha' | 'rank' | 'useRslora'>): number {
  return c.useRslora ? c.alpha / Math.sqrt(c.rank) : c.alpha / c.rank;
}

/** A module name matches a modules_to_save entry the way PEFT matches it: the name, or a suffix after a dot. */
const moduleMatches = (module: string, entry: string) => module === entry || module.endsWith(`.${entry}`);

/** Whether parameter `name` belongs to one of the saved modules (its module path, or any prefix of it, matches). */
export function isSavedParam(name: string, modulesToSave: readonly string[]): boolean {
  const parts = name.split('.');
  for (let k = parts.length - 1; k >= 1; k--) {
    const module = parts.slice(0, k).join('.');
    if (modulesToSave.some((e) => moduleMatches(module, e))) return true;
  }
  return false;
}

/** The top-level module of a head parameter ("classifier.dense.weight" → "classifier", "bert.pooler.dense.bias" → "pooler"). */
function savedModuleOf(name: string, base: string): string {
  const rest = base && name.startsWith(`${base}.`) ? name.slice(base.length + 1) : name;
  return rest.split('.')[0];
}

export interface LoraResolveInput {
  spec: ModelSpec;
  head: HeadKind;
  /** Every parameter of the task model (modelParameters). */
  paramNames: readonly string[];
  /** Parameters the checkpoint did not have (loadWeights' `initialised`). */
  initialised: readonly string[];
  /** The encoder prefix ("bert", "roberta", …). */
  base: string;
  /** The forward graph's Linear modules (linearModules). */
  linear: readonly LinearModule[];
  args: Pick<TrainingArgs, 'loraRank' | 'loraAlpha' | 'loraDropout' | 'useRslora' | 'loraTargetModules' | 'loraModulesToSave' | 'freezeLayers'>;
  /** partial + LoRA: adapters only above the frozen layers (layers_to_transform). */
  layers?: number[];
}

export function resolveLoraConfig(i: LoraResolveInput): LoraConfig {
  const task = peftTaskType(i.head);
  const saved = new Set<string>(PEFT_TASK_MODULES[task]);
  for (const n of i.paramNames) if (roleOf(n).kind === 'head') saved.add(savedModuleOf(n, i.base));
  for (const n of i.initialised) if (roleOf(n).kind !== 'layer') saved.add(savedModuleOf(n, i.base));
  for (const m of i.args.loraModulesToSave ?? []) saved.add(m);
  const modulesToSave = [...saved];
  const unknown = (i.args.loraModulesToSave ?? []).filter((m) => !i.paramNames.some((n) => isSavedParam(n, [m])));
  if (unknown.length) {
    const tops = [...new Set(i.paramNames.map((n) => savedModuleOf(n, i.base)))].sort();
    throw new LoraTargetConfigError(`"loraModulesToSave": ${unknown.map((m) => `"${m}"`).join(', ')} ${unknown.length > 1 ? 'are not modules' : 'is not a module'} of this ${i.spec.modelType} model; its modules include ${tops.join(', ')}`);
  }
  const targetModules = i.args.loraTargetModules ?? DEFAULT_TARGETS[i.spec.family];
  const modules = resolveTargets(i.linear, targetModules, {
    modelType: i.spec.modelType,
    fullyTrained: (m) => isSavedParam(`${m}.weight`, modulesToSave),
    layers: i.layers ? new Set(i.layers) : undefined,
  });
  return {
    rank: i.args.loraRank, alpha: i.args.loraAlpha, dropout: i.args.loraDropout, useRslora: i.args.useRslora, targetModules, modulesToSave,
    layersToTransform: i.layers, modules,
  };
}

export class LoraTargetConfigError extends Error {}

/**
 * PEFT's init_lora_weights=True: A ~ kaiming_uniform_(a=√5) = U(−1/√in, 1/√in), B = 0, so training starts exactly at
 * the base model. Seeded per module from the run seed: a resumed run or a re-run draws the same adapters.
 */
export function initialAdapters(c: Pick<LoraConfig, 'modules' | 'rank'>, seed: number): AdapterValues[] {
  return c.modules.map((m, k) => {
    const rng = new Rng((seed * 2654435761 + (k + 1) * 40503) >>> 0);
    const bound = 1 / Math.sqrt(m.inFeatures);
    const a = new Float32Array(c.rank * m.inFeatures);
    for (let j = 0; j < a.length; j++) a[j] = (rng.next() * 2 - 1) * bound;
    return { module: m.module, rank: c.rank, a, b: new Float32Array(m.outFeatures * c.rank) };
  });
}

/** W + scaling · B·A for every adapted module (PEFT merge_and_unload): the weights of the merged model. */
export function mergedWeights(weights: ReadonlyMap<string, Float32Array>, c: Pick<LoraConfig, 'modules' | 'rank' | 'alpha' | 'useRslora'>): Map<string, Float32Array> {
  const out = new Map(weights);
  const s = loraScaling(c);
  for (const m of c.modules) {
    const w = weights.get(`${m.module}.weight`);
    const a = weights.get(`${m.module}.lora_A.weight`);
    const b = weights.get(`${m.module}.lora_B.weight`);
    if (!w || !a || !b) throw new Error(`LoRA merge: "${m.module}" lacks its weight or adapter factors`);
    // delta = (B·A)·scaling, then W + delta: PEFT's get_delta_weight order, so the merged weights round as PEFT's do.
    const merged = Float32Array.from(w);
    const r = c.rank;
    const inF = m.inFeatures;
    const row = new Float32Array(inF);
    for (let o = 0; o < m.outFeatures; o++) {
      row.fill(0);
      for (let k = 0; k < r; k++) {
        const bok = b[o * r + k];
        if (bok === 0) continue;
        const arow = k * inF;
        for (let j = 0; j < inF; j++) row[j] += bok * a[arow + j];
      }
      for (let j = 0; j < inF; j++) merged[o * inF + j] += row[j] * s;
    }
    out.set(`${m.module}.weight`, merged);
  }
  return out;
}
