// Checks a local model folder before transformers.js sees it: transformers.js only warns when an NLI model lacks
// entailment/contradiction labels (then silently scores with guessed ids), and its missing-file errors name no folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reservedPositions } from '../models/modelSpec';
import type { InferenceTask } from './protocol';

export class InferenceModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceModelError';
  }
}

/** transformers.js dtype names for the ONNX files we run, in order of preference (fp32 keeps exported runs' accuracy). */
const ONNX_CHOICES = [
  { file: 'onnx/model.onnx', dtype: 'fp32' },
  { file: 'onnx/model_quantized.onnx', dtype: 'q8' },
] as const;

export interface InferenceModelFiles {
  folder: string;
  onnxFile: string;
  dtype: 'fp32' | 'q8';
  id2label: Record<string, string>;
  /** Longest input the position table takes (RoBERTa-style models lose padding_idx + 1 slots); undefined if unknown. */
  maxPositions?: number;
  /** Zero-shot only: the logit indices transformers' pipeline reads. */
  entailmentId?: number;
  contradictionId?: number;
}

export function readConfig(folder: string): Record<string, unknown> {
  const file = path.join(folder, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InferenceModelError(`${file} is missing: a model folder needs config.json, tokenizer.json and onnx/model.onnx.`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new InferenceModelError(`${file} is not valid JSON (${(e as Error).message}).`);
  }
}

export function inspectInferenceModel(folder: string, task: InferenceTask): InferenceModelFiles {
  const abs = path.resolve(folder);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new InferenceModelError(`Model folder ${abs} does not exist.`);
  const config = readConfig(abs);
  if (!fs.existsSync(path.join(abs, 'tokenizer.json'))) {
    throw new InferenceModelError(`${path.join(abs, 'tokenizer.json')} is missing: inference needs the fast-tokenizer file next to config.json.`);
  }
  const choice = ONNX_CHOICES.find((c) => fs.existsSync(path.join(abs, c.file)));
  if (!choice) {
    throw new InferenceModelError(`${abs} has no ${ONNX_CHOICES.map((c) => c.file).join(' or ')}: export the model to ONNX (fine-tuned runs do this in their model/ folder).`);
  }
  const id2label = config.id2label;
  if (typeof id2label !== 'object' || id2label === null || Object.keys(id2label).length === 0) {
    throw new InferenceModelError(`${path.join(abs, 'config.json')} has no id2label: a classification model names its labels there.`);
  }
  const positions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : undefined;
  const offset = reservedPositions(String(config.model_type), Number(config.pad_token_id ?? 1));
  const out: InferenceModelFiles = {
    folder: abs, onnxFile: choice.file, dtype: choice.dtype, id2label: id2label as Record<string, string>,
    maxPositions: positions !== undefined ? positions - offset : undefined,
  };
  if (task === 'zero-shot') {
    const label2id = Object.fromEntries(Object.entries((config.label2id ?? {}) as Record<string, number>).map(([k, v]) => [k.toLowerCase(), v]));
    out.entailmentId = label2id.entailment;
    out.contradictionId = label2id.contradiction ?? label2id.not_entailment;
    if (out.entailmentId === undefined || out.contradictionId === undefined) {
      throw new InferenceModelError(
        `${path.join(abs, 'config.json')}: label2id ${JSON.stringify(config.label2id ?? {})} lacks "entailment" and "contradiction" (or "not_entailment"); ` +
          'zero-shot classification needs an NLI (MNLI-trained) model.',
      );
    }
  }
  return out;
}
