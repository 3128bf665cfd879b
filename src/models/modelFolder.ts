// Recognises a Hugging Face model folder on disk and summarises it without loading weights, and says whether it can be
// fine-tuned (the model picker offers only those, and lists the others with the reason).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseModelSpec } from './modelSpec';
import { modelFolderName, type RunOrigin } from './modelFolderName';
import { hasTokenizerFiles } from './tokenizerFiles';

export interface ModelFolderInfo {
  dir: string;
  /** What pickers and views call it (modelFolderName.ts): the run id for a run's export, the repo id for a cache snapshot. */
  label: string;
  /** Set when the folder is a run's export: the run and the base model it started from. */
  fromRun?: RunOrigin;
  /** `model_type` from config.json, e.g. "bert", "roberta", "distilbert". */
  modelType: string;
  architectures: string[];
  hasSafetensors: boolean;
  /** The float32 ONNX export (onnx/model.onnx or model.onnx), which can stand in for safetensors. */
  hasOnnx: boolean;
  hasTokenizer: boolean;
  /** Set when only a pickle checkpoint exists: we never load it. */
  onlyPickle: boolean;
  /** Quantized / fp16 ONNX graphs (repo-relative), which can run but not train. */
  onnxVariants: string[];
  /** Why config.json cannot describe a model we build (unsupported model_type, missing sizes); undefined when it can. */
  configProblem?: string;
}

/** ONNX variants Hub repos carry besides the float32 model.onnx; their weights are int8/int4/fp16, so not trainable. */
const UNTRAINABLE_VARIANT = /^model_(quantized|int8|uint8|q4|q4f16|bnb4|fp16)\.onnx$/;

/** The folder's quantized / fp16 ONNX graphs, in onnx/ or at the top level, as repo-relative names. */
export function onnxVariants(dir: string): string[] {
  const list = (sub: string) => {
    const d = path.join(dir, sub);
    return fs.existsSync(d) && fs.statSync(d).isDirectory() ? fs.readdirSync(d).filter((f) => UNTRAINABLE_VARIANT.test(f)).map((f) => (sub ? `${sub}/${f}` : f)) : [];
  };
  return [...list('onnx'), ...list('')].sort();
}

/** Returns null when `dir` is not a model folder (no parsable config.json with a model_type). */
export function inspectModelFolder(dir: string): ModelFolderInfo | null {
  const configPath = path.join(dir, 'config.json');
  let config: Record<string, unknown> & { model_type?: unknown; architectures?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  } catch {
    return null;
  }
  if (typeof config.model_type !== 'string') return null;
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const hasSafetensors = has('model.safetensors') || has('model.safetensors.index.json');
  const hasOnnx = has(path.join('onnx', 'model.onnx')) || has('model.onnx');
  return {
    dir,
    ...modelFolderName(dir),
    modelType: config.model_type,
    architectures: Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [],
    hasSafetensors,
    hasOnnx,
    hasTokenizer: hasTokenizerFiles(dir, config.model_type),
    onlyPickle: !hasSafetensors && !hasOnnx && has('pytorch_model.bin'),
    onnxVariants: onnxVariants(dir),
    configProblem: configProblem(config, configPath),
  };
}

function configProblem(config: Record<string, unknown>, file: string): string | undefined {
  try {
    parseModelSpec(config, file);
    return undefined;
  } catch (e) {
    // A clause like the other reasons (callers end the sentence).
    return (e as Error).message.replace(/\.$/, '');
  }
}

export type Trainability = { ok: true } | { ok: false; reason: string };

/** Whether a run can start from this folder, and if not, why (in the words the picker and the Models view show). */
export function trainability(info: ModelFolderInfo): Trainability {
  if (info.configProblem) return { ok: false, reason: info.configProblem };
  if (!info.hasSafetensors && !info.hasOnnx) {
    if (info.onlyPickle) {
      return { ok: false, reason: 'only pytorch_model.bin (a pickle checkpoint), which is never loaded because unpickling can run code; get model.safetensors (e.g. the Hub\'s "Convert to Safetensors" Space)' };
    }
    if (info.onnxVariants.length) {
      return { ok: false, reason: `only ${info.onnxVariants.join(', ')}: int8/fp16 weights cannot be trained; download the repo's float32 onnx/model.onnx or model.safetensors` };
    }
    return { ok: false, reason: 'no weights: expected model.safetensors (or model.safetensors.index.json) or onnx/model.onnx' };
  }
  if (!info.hasTokenizer) {
    if (['xlm-roberta', 'camembert'].includes(info.modelType)) return { ok: false, reason: 'no tokenizer.json (SentencePiece .model files are not read; the Hub repo has a tokenizer.json to download)' };
    return { ok: false, reason: `no tokenizer files (tokenizer.json, or ${info.modelType === 'roberta' ? 'vocab.json + merges.txt' : 'vocab.txt'})` };
  }
  return { ok: true };
}

/** Splits folders into those a run can start from and the others with their reason (picker and Models view order). */
export function byTrainability(infos: readonly ModelFolderInfo[]): { usable: ModelFolderInfo[]; blocked: { info: ModelFolderInfo; reason: string }[] } {
  const usable: ModelFolderInfo[] = [];
  const blocked: { info: ModelFolderInfo; reason: string }[] = [];
  for (const info of infos) {
    const t = trainability(info);
    if (t.ok) usable.push(info);
    else blocked.push({ info, reason: t.reason });
  }
  return { usable, blocked };
}
