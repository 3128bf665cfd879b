// The ONLY definition of the messages between the extension (InferenceClient) and the inference worker.
// Both sides import it; nothing here may import vscode, transformers.js or onnxruntime-node (types only otherwise).
import type { DeviceSetting, ExecutionProvider } from '../onnx/device';

export type InferenceTask = 'zero-shot' | 'text-classification' | 'token-classification' | 'question-answering';


/** Which model a request needs: an absolute local folder (Hub ids are resolved to cache snapshots before this). */
export interface ModelRef {
  folder: string;
  task: InferenceTask;
  /** Absent: the CPU. A model loaded on one device is another cache entry than on the next. */
  device?: DeviceSetting;
}

export interface ZeroShotOptions {
  labels: string[];
  /** "{}" is replaced by each label (transformers' hypothesis_template). */
  hypothesisTemplate: string;
  /** Each label scored on its own (entailment vs contradiction) instead of a softmax across labels. */
  multiLabel: boolean;
}

export interface LabelScore {
  label: string;
  score: number;
}

/** One input text's result: every label, best first. */
export interface Classification {
  text: string;
  scores: LabelScore[];
  /** Set when the text was longer than the model takes: how many of its tokens were classified, of how many. */
  truncated?: { kept: number; total: number };
}

export interface ClassifyRequest {
  type: 'classify';
  id: number;
  model: ModelRef;
  texts: string[];
  /** Required for zero-shot, ignored by text-classification. */
  zeroShot?: ZeroShotOptions;
}

/** One entity found in a text: char span [start, end) in that text, over whole words. */
export interface TextEntity {
  type: string;
  start: number;
  end: number;
  text: string;
  /** Mean over its words of the softmax probability of each word's predicted tag. */
  score: number;
  /** How many words it spans. */
  words: number;
}

export interface EntityResult {
  text: string;
  entities: TextEntity[];
  /** Words the text was split into, and how many model windows they took (more than one: a long text, strided). */
  words: number;
  windows: number;
}

/** Token classification (NER) of each text with a *ForTokenClassification export. */
export interface EntitiesRequest {
  type: 'entities';
  id: number;
  model: ModelRef;
  texts: string[];
}

export interface AnswerSpan {
  text: string;
  /** Char span [start, end) in the context. */
  start: number;
  end: number;
  /** Start logit + end logit (HF run_qa's span score; comparable with nullScore). */
  score: number;
  /** Softmax of the scores over the n-best spans and no-answer: how sure the model is, 0..1. */
  probability: number;
}

export interface AnswerResult {
  question: string;
  context: string;
  /** Undefined when the model's null (no-answer) score beats every span (SQuAD v2 semantics). */
  answer?: AnswerSpan;
  /** The no-answer score (start + end logit of CLS), comparable with the spans' scores. */
  nullScore: number;
  /** Its probability in the same softmax as the spans'. */
  nullProbability: number;
  /** The best spans, best first (the answer, if any, is the first). */
  nBest: AnswerSpan[];
  windows: number;
}

/** Extractive question answering over one context with a *ForQuestionAnswering export. */
export interface AnswerRequest {
  type: 'answer';
  id: number;
  model: ModelRef;
  question: string;
  context: string;
}

export type ToInferenceWorker =
  | ClassifyRequest
  | EntitiesRequest
  | AnswerRequest
  /** Load a model ahead of the first request so that request finds it warm. */
  | { type: 'load'; id: number; model: ModelRef }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

export interface ModelLoadInfo {
  folder: string;
  task: InferenceTask;
  /** Which ONNX file runs (onnx/model.onnx or onnx/model_quantized.onnx). */
  onnxFile: string;
  loadMs: number;
  /** The execution provider that runs it, and why that one (as the trainer reports it). */
  device: ExecutionProvider;
  deviceReason: string;
}

export type FromInferenceWorker =
  | { type: 'ready'; pid: number }
  | { type: 'loading'; id: number; folder: string }
  | { type: 'loaded'; id: number; info: ModelLoadInfo; warm: boolean }
  /** cpuMs: the worker's CPU time for the request, all threads (on a busy machine wall time says little). */
  | { type: 'result'; id: number; results: Classification[]; inferenceMs: number; cpuMs: number }
  | { type: 'entities'; id: number; results: EntityResult[]; inferenceMs: number; cpuMs: number }
  | { type: 'answer'; id: number; result: AnswerResult; inferenceMs: number; cpuMs: number }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string };

export function isFromInferenceWorker(m: unknown): m is FromInferenceWorker {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

export function isToInferenceWorker(m: unknown): m is ToInferenceWorker {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === 'classify' || t === 'entities' || t === 'answer' || t === 'load' || t === 'cancel' || t === 'shutdown';
}
