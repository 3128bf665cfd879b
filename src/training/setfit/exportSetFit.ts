// Writes a finished SetFit model twice over, from the same weights:
//   <outDir>/                       what this extension and transformers.js load: config.json with id2label,
//                                   onnx/model.onnx = encoder + mean pooling (+ normalise) + head → `logits` (and an
//                                   int8 onnx/model_quantized.onnx), tokenizer files, model_head.json
//   <outDir>/sentence-transformer/  the fine-tuned body in sentence-transformers layout (modules.json, 1_Pooling,
//                                   config_sentence_transformers.json, sentence_bert_config.json, config.json,
//                                   model.safetensors, tokenizer files, onnx/model.onnx) plus the head as
//                                   model_head.safetensors / model_head.json and setfit's config_setfit.json.
// The head is never pickled (setfit writes model_head.pkl); safetensors and JSON carry the same numbers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildForwardModel } from '../../models/arch/forward';
import { ExportError, exportConfig, exportModel } from '../../models/export';
import { writeTokenizerFiles } from '../../models/exportTokenizer';
import type { ModelSpec } from '../../models/modelSpec';
import type { SentenceTransformerLayout } from '../../models/sentenceTransformerLayout';
import { quantizeDynamic } from '../../models/quantize';
import { writeSafetensors, type TensorToWrite } from '../../models/safetensors';
import { writeFolderAtomic, writeJsonAtomic } from '../../util/atomicWrite';
import { saveModel } from '../../onnx/serialize';
import { buildSetFitClassifier } from './classifierGraph';
import type { LinearHead } from './logisticRegression';
import type { SetFitHeadKind } from './settings';

export const SENTENCE_TRANSFORMER_DIR = 'sentence-transformer';
export const HEAD_JSON = 'model_head.json';

export interface SetFitExportOptions {
  sourceDir: string;
  outDir: string;
  spec: ModelSpec;
  /** Encoder weights under bare (sentence-transformers) names. */
  body: ReadonlyMap<string, Float32Array>;
  head: LinearHead;
  headKind: SetFitHeadKind;
  labels: string[];
  normalize: boolean;
  maxLength: number;
  quantize?: boolean;
  /** The source body's modules.json and pooler, kept as the source has them (sentenceTransformerLayout.ts). */
  sourceLayout?: SentenceTransformerLayout;
  pooler?: readonly { name: string; shape: number[]; data: Float32Array }[];
}

/** model_head.json: everything needed to apply the head to an embedding, readable without any ML library. */
export interface HeadJson {
  type: 'logistic-regression' | 'linear';
  labels: string[];
  pooling: 'mean';
  normalize_embeddings: boolean;
  /** [classes][dim] */
  weight: number[][];
  bias: number[];
}

export function headJson(o: Pick<SetFitExportOptions, 'head' | 'headKind' | 'labels' | 'normalize'>): HeadJson {
  const { head } = o;
  return {
    type: o.headKind === 'logistic' ? 'logistic-regression' : 'linear',
    labels: o.labels,
    pooling: 'mean',
    normalize_embeddings: o.normalize,
    weight: Array.from({ length: head.classes }, (_, k) => Array.from(head.weight.subarray(k * head.dim, (k + 1) * head.dim))),
    bias: Array.from(head.bias),
  };
}

/** All or nothing, as exportModel: a killed export leaves the previous folder or none. */
export function exportSetFit(o: SetFitExportOptions): { files: string[] } {
  if (o.labels.length !== o.head.classes) throw new ExportError(`SetFit export to ${o.outDir}: ${o.labels.length} labels for a head with ${o.head.classes} classes.`);
  return { files: writeFolderAtomic(o.outDir, (staging) => writeSetFit({ ...o, outDir: staging })) };
}

function writeSetFit(o: SetFitExportOptions): string[] {
  const files: string[] = [];
  const out = (dir: string, f: string) => {
    const p = path.join(dir, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    files.push(p);
    return p;
  };
  const head = headJson(o);

  // ---- the body, sentence-transformers layout -----------------------------------------------------------------------
  const st = path.join(o.outDir, SENTENCE_TRANSFORMER_DIR);
  files.push(...exportModel({ sourceDir: o.sourceDir, outDir: st, spec: o.spec, head: 'sentence-embedding', weights: o.body, quantize: false, keep: o.pooler }).files);
  // sentence-transformers' ONNX backend (through Optimum) reads the token embeddings and pools them itself.
  saveModel(buildForwardModel(o.spec, o.body, { head: 'sentence-embedding', outputHidden: true }), path.join(st, 'onnx', 'model.onnx'));
  // The source's module list (Transformer, Pooling, Normalize, ...) as it is; a plain transformer gets the two SetFit uses.
  const modules = o.sourceLayout?.modules ?? [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  writeJsonAtomic(out(st, 'modules.json'), modules);
  // Module folders other than the root and the pooling (e.g. 2_Normalize, which has no files) exist as in the source.
  for (const m of modules) if (m.path && !m.type.endsWith('.Pooling')) fs.mkdirSync(path.join(st, m.path), { recursive: true });
  const poolingPath = modules.find((m) => m.type.endsWith('.Pooling'))?.path ?? '1_Pooling';
  writeJsonAtomic(out(st, path.join(poolingPath, 'config.json')), {
    word_embedding_dimension: o.spec.hiddenSize, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false, pooling_mode_weightedmean_tokens: false, pooling_mode_lasttoken: false, include_prompt: true,
  });
  writeJsonAtomic(out(st, 'config_sentence_transformers.json'), { prompts: {}, default_prompt_name: null, similarity_fn_name: 'cosine' });
  writeJsonAtomic(out(st, 'sentence_bert_config.json'), { max_seq_length: o.maxLength, do_lower_case: false });
  writeJsonAtomic(out(st, 'config_setfit.json'), { labels: o.labels, normalize_embeddings: o.normalize });
  // setfit's SetFitHead names its layer `linear`.
  const headTensors = new Map<string, TensorToWrite>([
    ['linear.weight', { dtype: 'F32', shape: [o.head.classes, o.head.dim], data: o.head.weight }],
    ['linear.bias', { dtype: 'F32', shape: [o.head.classes], data: o.head.bias }],
  ]);
  writeSafetensors(out(st, 'model_head.safetensors'), headTensors, { format: 'pt', labels: JSON.stringify(o.labels), type: head.type });
  writeJsonAtomic(out(st, HEAD_JSON), head);

  // ---- the combined classifier --------------------------------------------------------------------------------------
  const config = exportConfig(o.spec, 'sequence-classification', o.labels, 'single_label_classification');
  // No model.safetensors here: an HF *ForSequenceClassification would pool differently; the ONNX graph is the model.
  config.architectures = ['SetFitModel'];
  config.setfit = { body: SENTENCE_TRANSFORMER_DIR, pooling: 'mean', normalize_embeddings: o.normalize, head: head.type };
  writeJsonAtomic(out(o.outDir, 'config.json'), config);
  files.push(...writeTokenizerFiles(o.sourceDir, o.outDir, o.spec));
  writeJsonAtomic(out(o.outDir, HEAD_JSON), head);
  const classifier = buildSetFitClassifier(o.spec, o.body, o.head, { normalize: o.normalize });
  files.push(...saveModel(classifier, path.join(o.outDir, 'onnx', 'model.onnx')));
  if (o.quantize ?? true) files.push(...saveModel(quantizeDynamic(classifier).model, path.join(o.outDir, 'onnx', 'model_quantized.onnx')));
  return files;
}
