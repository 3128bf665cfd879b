// Writes a trained model as a folder that both Hugging Face transformers (AutoModelFor…, safetensors with HF names)
// and transformers.js (pipeline(), onnx/model.onnx and onnx/model_quantized.onnx) load offline.
import * as path from 'node:path';
import { saveModel } from '../onnx/serialize';
import { writeFolderAtomic, writeJsonAtomic } from '../util/atomicWrite';
import { buildForwardModel } from './arch/forward';
import { HeadKind, architectureName, modelParameters } from './arch/parameters';
import type { ModelSpec, ProblemType } from './modelSpec';
import { writeTokenizerFiles } from './exportTokenizer';
import { QuantizeReport, quantizeDynamic } from './quantize';
import { TensorToWrite, writeSafetensors } from './safetensors';

/** Tokenizer files HF and transformers.js look for (exportTokenizer.ts writes them, completed, into an export). */
export const TOKENIZER_FILES = [
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt',
  'added_tokens.json', 'sentencepiece.bpe.model', 'spm.model',
];

export interface ExportOptions {
  /** Folder the model was loaded from: its config.json keys and tokenizer files are carried over. */
  sourceDir: string;
  outDir: string;
  spec: ModelSpec;
  head: HeadKind;
  /** Trained values by HF parameter name (every name modelParameters(spec, head) lists). */
  weights: ReadonlyMap<string, Float32Array>;
  /**
   * Label names in id order; default: the spec's id2label. Token classification: the IOB2 tag list ('O' first, then
   * B-X, I-X per type). Question answering ignores it: its two outputs are start and end (LABEL_0, LABEL_1 as HF writes).
   */
  labels?: string[];
  problemType?: ProblemType;
  /** Also write onnx/model_quantized.onnx (int8 weights); default true. */
  quantize?: boolean;
  /**
   * Source tensors the HF class holds but our graph does not use, written unchanged (a SetFit body's BertModel
   * pooler), so loading the export never re-initialises them.
   */
  keep?: readonly { name: string; shape: number[]; data: Float32Array }[];
}

export interface ExportResult {
  files: string[];
  quantization?: QuantizeReport;
}

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** What save_pretrained writes for a QA model: num_labels = 2 and HF's default label names. */
export const SPAN_LABELS = ['LABEL_0', 'LABEL_1'];

/** config.json as save_pretrained writes it for the task model. */
export function exportConfig(spec: ModelSpec, head: HeadKind, labels: string[], problemType?: ProblemType): Record<string, unknown> {
  const config: Record<string, unknown> = { ...spec.raw, architectures: [architectureName(spec, head)] };
  delete config.num_labels;
  if (head === 'question-answering') labels = SPAN_LABELS;
  if (head === 'sequence-classification' || head === 'token-classification' || head === 'question-answering') {
    config.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
    config.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  }
  const pt = head === 'sequence-classification' ? problemType ?? spec.problemType : undefined;
  if (pt) config.problem_type = pt;
  else delete config.problem_type;
  config.torch_dtype = 'float32';
  return Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function exportModel(opts: ExportOptions): ExportResult {
  const labels = opts.head === 'question-answering' ? SPAN_LABELS : opts.labels ?? Object.keys(opts.spec.id2label).map((k) => opts.spec.id2label[Number(k)]);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) throw new ExportError(`export to ${opts.outDir}: label "${dup}" appears twice in the label list; id2label/label2id need distinct names.`);
  const spec: ModelSpec = {
    ...opts.spec, numLabels: labels.length,
    id2label: Object.fromEntries(labels.map((l, i) => [i, l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
  const params = modelParameters(spec, opts.head);
  const tensors = new Map<string, TensorToWrite>();
  for (const p of params) {
    const w = opts.weights.get(p.name);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (!w) throw new ExportError(`export to ${opts.outDir}: no trained value for "${p.name}" (${architectureName(spec, opts.head)} needs it).`);
    if (w.length !== n) throw new ExportError(`export to ${opts.outDir}: "${p.name}" has ${w.length} values, its shape [${p.shape.join(', ')}] needs ${n}.`);
    tensors.set(p.name, { dtype: 'F32', shape: p.shape, data: w });
  }
  for (const k of opts.keep ?? []) if (!tensors.has(k.name)) tensors.set(k.name, { dtype: 'F32', shape: k.shape, data: k.data });
  let quantization: QuantizeReport | undefined;
  // All or nothing: a killed export leaves the previous folder (or none), never a partial model.
  const files = writeFolderAtomic(opts.outDir, (outDir) => {
    const files: string[] = [];
    const out = (f: string) => {
      const p = path.join(outDir, f);
      files.push(p);
      return p;
    };
    writeJsonAtomic(out('config.json'), exportConfig(spec, opts.head, labels, opts.problemType));
    writeSafetensors(out('model.safetensors'), tensors, { format: 'pt' });
    files.push(...writeTokenizerFiles(opts.sourceDir, outDir, spec));
    // transformers.js' feature-extraction pipeline pools `last_hidden_state` itself, so embedding models expose it too;
    // its question-answering pipeline reads `start_logits` and `end_logits`, as HF/Optimum QA exports name them.
    const forward = buildForwardModel(spec, opts.weights, { head: opts.head, outputHidden: opts.head === 'sentence-embedding', splitSpanLogits: opts.head === 'question-answering' });
    files.push(...saveModel(forward, path.join(outDir, 'onnx', 'model.onnx')));
    if (opts.quantize ?? true) {
      const q = quantizeDynamic(forward);
      quantization = q.report;
      files.push(...saveModel(q.model, path.join(outDir, 'onnx', 'model_quantized.onnx')));
    }
    return files;
  });
  return { files, quantization };
}
