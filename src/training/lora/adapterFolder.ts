// A LoRA run's adapter as PEFT saves it (PeftModel.save_pretrained): adapter_config.json and adapter_model.safetensors
// whose names are PEFT's (`base_model.model.<module>.lora_A.weight`, `…lora_B.weight`, and the saved modules' own
// tensors under `base_model.model.`), so `PeftModel.from_pretrained(base, folder)` loads it, head included. Beside them,
// as the HF Trainer leaves them in an output folder, the tokenizer files and the task model's config.json (labels:
// PEFT keeps none, and a reload with the base config's num_labels fails on the head's shape). Reading one back gives
// the trainer its base model, its LoRA configuration and every saved tensor under our names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportConfig } from '../../models/export';
import { writeTokenizerFiles } from '../../models/exportTokenizer';
import type { HeadKind } from '../../models/arch/parameters';
import type { ModelSpec, ProblemType } from '../../models/modelSpec';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../models/safetensors';
import { writeFolderAtomic, writeJsonAtomic } from '../../util/atomicWrite';
import { peftTaskType, type LoraConfig, type PeftTaskType } from './loraConfig';
import { loraAName, loraBName } from './loraGraph';
import type { TargetModules } from './loraTargets';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
/** PEFT's key prefix: PeftModel.base_model (the LoraModel) .model (the transformers model). */
export const PEFT_PREFIX = 'base_model.model.';

export interface AdapterExport {
  outDir: string;
  spec: ModelSpec;
  head: HeadKind;
  lora: LoraConfig;
  /** What base_model_name_or_path says: a Hub id where the base came from the Hub, else its folder. */
  baseModel: string;
  /** The base model's folder (tokenizer files are copied from it). */
  sourceDir: string;
  weights: ReadonlyMap<string, Float32Array>;
  /** Every parameter of the task model, to pick the saved modules' tensors from. */
  paramNames: readonly string[];
  isSaved: (name: string) => boolean;
  labels?: string[];
  problemType?: ProblemType;
  revision?: string;
}

/** adapter_config.json as PEFT 0.13+ writes it for LoRA (every key its LoraConfig serialises, defaults where we have none). */
export function adapterConfigJson(e: Pick<AdapterExport, 'lora' | 'head' | 'baseModel' | 'revision'>): Record<string, unknown> {
  const c = e.lora;
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: e.baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: c.layersToTransform ?? null,
    loftq_config: {},
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: c.modulesToSave,
    peft_type: 'LORA',
    r: c.rank,
    rank_pattern: {},
    revision: e.revision ?? null,
    target_modules: c.targetModules,
    task_type: peftTaskType(e.head),
    use_dora: false,
    use_rslora: c.useRslora,
  };
}

/** The adapter file's tensors under PEFT's names: every adapter's A and B, then the saved modules' tensors. */
export function adapterTensors(e: Pick<AdapterExport, 'lora' | 'weights' | 'paramNames' | 'isSaved'>): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  const get = (name: string) => {
    const w = e.weights.get(name);
    if (!w) throw new Error(`adapter export: no value for "${name}"`);
    return w;
  };
  for (const m of e.lora.modules) {
    out.set(PEFT_PREFIX + loraAName(m.module), { dtype: 'F32', shape: [e.lora.rank, m.inFeatures], data: get(loraAName(m.module)) });
    out.set(PEFT_PREFIX + loraBName(m.module), { dtype: 'F32', shape: [m.outFeatures, e.lora.rank], data: get(loraBName(m.module)) });
  }
  return out;
}

/** Writes the adapter folder (all or nothing); `shapes` gives each saved parameter's shape. Returns the files. */
export function exportAdapter(e: AdapterExport, shapes: ReadonlyMap<string, number[]>): string[] {
  const tensors = adapterTensors(e);
  for (const n of e.paramNames) {
    if (!e.isSaved(n)) continue;
    const w = e.weights.get(n);
    if (!w) throw new Error(`adapter export: no value for saved "${n}"`);
    tensors.set(PEFT_PREFIX + n, { dtype: 'F32', shape: [...shapes.get(n)!], data: w });
  }
  return writeFolderAtomic(e.outDir, (dir) => {
    const files = [path.join(dir, ADAPTER_CONFIG), path.join(dir, ADAPTER_WEIGHTS), path.join(dir, 'config.json')];
    writeJsonAtomic(files[0], adapterConfigJson(e));
    writeSafetensors(files[1], tensors, { format: 'pt' });
    writeJsonAtomic(files[2], exportConfig(e.spec, e.head, e.labels ?? Object.keys(e.spec.id2label).map((k) => e.spec.id2label[Number(k)]), e.problemType));
    files.push(...writeTokenizerFiles(e.sourceDir, dir, e.spec));
    return files;
  });
}

export class AdapterFolderError extends Error {}

/** What an adapter folder holds, read and checked. */
export interface AdapterFolder extends Pick<LoraConfig, 'rank' | 'alpha' | 'dropout' | 'useRslora' | 'targetModules' | 'modulesToSave' | 'layersToTransform'> {
  dir: string;
  baseModel: string;
  taskType: PeftTaskType;
  /** Every tensor under our names (PEFT_PREFIX removed), with its shape. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  /** id2label of the config.json beside it, when there is one. */
  labels?: string[];
}

export function isAdapterFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, ADAPTER_CONFIG));
}

/** Reads a PEFT LoRA adapter folder; refuses what the trainer cannot reproduce (DoRA, trained biases, fan_in_fan_out, rank/alpha patterns). */
export function readAdapterFolder(dir: string): AdapterFolder {
  const file = path.join(dir, ADAPTER_CONFIG);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new AdapterFolderError(`${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  const fail = (what: string) => new AdapterFolderError(`${file}: ${what}`);
  if (raw.peft_type !== 'LORA') throw fail(`peft_type is ${JSON.stringify(raw.peft_type)}; only LoRA adapters ("LORA") can be trained or evaluated here`);
  const taskType = raw.task_type;
  if (taskType !== 'SEQ_CLS' && taskType !== 'TOKEN_CLS' && taskType !== 'QUESTION_ANS') throw fail(`task_type is ${JSON.stringify(taskType)}; expected SEQ_CLS, TOKEN_CLS or QUESTION_ANS (an encoder task head)`);
  const num = (k: string, check: (v: number) => boolean, expected: string): number => {
    const v = raw[k];
    if (typeof v !== 'number' || !check(v)) throw fail(`"${k}" must be ${expected}, got ${JSON.stringify(v)}`);
    return v;
  };
  const rank = num('r', (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  const alpha = num('lora_alpha', (v) => v > 0, 'a positive number');
  const dropout = raw.lora_dropout === undefined ? 0 : num('lora_dropout', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  if (raw.use_dora === true) throw fail('use_dora is true; DoRA adapters are not supported (LoRA only)');
  if (raw.bias !== undefined && raw.bias !== 'none') throw fail(`bias is ${JSON.stringify(raw.bias)}; only "none" (frozen base biases) is supported`);
  if (raw.fan_in_fan_out === true) throw fail('fan_in_fan_out is true (GPT-2 Conv1D layout); encoders use nn.Linear');
  for (const k of ['rank_pattern', 'alpha_pattern']) {
    const v = raw[k];
    if (v && typeof v === 'object' && Object.keys(v).length) throw fail(`"${k}" gives some modules their own rank or alpha; one rank and alpha for all modules is supported`);
  }
  const targets = raw.target_modules;
  const targetModules: TargetModules = typeof targets === 'string' ? targets
    : Array.isArray(targets) && targets.every((t) => typeof t === 'string') ? targets as string[]
    : (() => { throw fail('"target_modules" must be a list of module names or a regular expression string'); })();
  const mts = raw.modules_to_save ?? [];
  if (!Array.isArray(mts) || !mts.every((m) => typeof m === 'string')) throw fail('"modules_to_save" must be a list of module names or null');
  const ltt = raw.layers_to_transform;
  const layersToTransform = ltt === null || ltt === undefined ? undefined : typeof ltt === 'number' ? [ltt] : Array.isArray(ltt) && ltt.every((l) => Number.isInteger(l)) ? ltt as number[] : (() => { throw fail('"layers_to_transform" must be a layer index, a list of them or null'); })();
  const baseModel = raw.base_model_name_or_path;
  if (typeof baseModel !== 'string' || !baseModel) throw fail('"base_model_name_or_path" is missing: the adapter does not say which model it adapts');
  const weightsFile = path.join(dir, ADAPTER_WEIGHTS);
  if (!fs.existsSync(weightsFile)) {
    const bin = fs.existsSync(path.join(dir, 'adapter_model.bin'));
    throw new AdapterFolderError(`${dir}: no ${ADAPTER_WEIGHTS}${bin ? ' (only adapter_model.bin, a pickle, which is never loaded here: save it again with safe_serialization=True)' : ''}`);
  }
  const st = SafetensorsFile.open(weightsFile);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const n of st.names()) {
    const name = n.startsWith(PEFT_PREFIX) ? n.slice(PEFT_PREFIX.length) : n;
    tensors.set(name, { shape: [...st.entry(n).shape], data: st.readFloat32(n) });
  }
  let labels: string[] | undefined;
  const cfg = path.join(dir, 'config.json');
  if (fs.existsSync(cfg)) {
    const id2label = (JSON.parse(fs.readFileSync(cfg, 'utf8')) as { id2label?: Record<string, string> }).id2label;
    if (id2label) labels = Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((k) => id2label[k]);
  }
  return { dir, baseModel, taskType, rank, alpha, dropout, useRslora: raw.use_rslora === true, targetModules, modulesToSave: mts as string[], layersToTransform, tensors, labels };
}

/**
 * The base model's folder: base_model_name_or_path as a folder (absolute, or relative to the working directory as PEFT
 * reads it, or to the adapter folder), else as a Hub id in the Hugging Face cache.
 */
export async function resolveAdapterBase(a: Pick<AdapterFolder, 'dir' | 'baseModel'>, cacheDir: string): Promise<string> {
  const candidates = [path.resolve(a.baseModel), path.resolve(a.dir, a.baseModel)];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'config.json'))) return c;
  const { findCachedSnapshot } = await import('../../hub/cacheScan');
  if (/^[\w.-]+(\/[\w.-]+)?$/.test(a.baseModel)) {
    const hit = await findCachedSnapshot(cacheDir, a.baseModel).catch(() => null);
    if (hit) return hit.snapshotDir;
  }
  throw new AdapterFolderError(
    `${path.join(a.dir, ADAPTER_CONFIG)}: its base model "${a.baseModel}" is neither a folder here nor in the Hugging Face cache (${cacheDir}); ` +
    'download it first (Fine-Tune Studio: Download Model) or set base_model_name_or_path to the base model\'s folder',
  );
}
