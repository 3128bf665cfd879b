// Recognises a Hugging Face model folder on disk and summarises it without loading weights.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ModelFolderInfo {
  dir: string;
  /** `model_type` from config.json, e.g. "bert", "roberta", "distilbert". */
  modelType: string;
  architectures: string[];
  hasSafetensors: boolean;
  hasOnnx: boolean;
  hasTokenizer: boolean;
  /** Set when only a pickle checkpoint exists: we never load it. */
  onlyPickle: boolean;
}

/** Returns null when `dir` is not a model folder (no parsable config.json with a model_type). */
export function inspectModelFolder(dir: string): ModelFolderInfo | null {
  const configPath = path.join(dir, 'config.json');
  let config: { model_type?: unknown; architectures?: unknown };
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
    modelType: config.model_type,
    architectures: Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [],
    hasSafetensors,
    hasOnnx,
    hasTokenizer: has('tokenizer.json') || has('vocab.txt'),
    onlyPickle: !hasSafetensors && !hasOnnx && has('pytorch_model.bin'),
  };
}
