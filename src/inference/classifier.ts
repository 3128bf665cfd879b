// One loaded model behind transformers.js' zero-shot-classification or text-classification pipeline, on
// onnxruntime-node's CPU backend, with no network (loadTransformers turns remote models off).
import { loadTransformers } from '../models/tokenizer';
import { CancelledError } from './cancelled';
import { inspectInferenceModel } from './modelFiles';
import type { Classification, LabelScore, ModelLoadInfo, ModelRef, ZeroShotOptions } from './protocol';

export { CancelledError };

/** The parts of transformers.js' pipelines used here (its own typings are a union over every task). */
interface ZeroShotPipe {
  (text: string, labels: string[], options: { hypothesis_template: string; multi_label: boolean }): Promise<{ labels: string[]; scores: number[] }>;
  dispose(): Promise<void>;
}
interface TextClassificationPipe {
  (text: string, options: { top_k: number | null }): Promise<LabelScore[]>;
  dispose(): Promise<void>;
}

export interface Classifier {
  readonly info: ModelLoadInfo;
  /** `shouldStop` is polled between texts: one forward pass cannot be interrupted, a batch of them can. */
  classify(texts: string[], zeroShot?: ZeroShotOptions, shouldStop?: () => boolean): Promise<Classification[]>;
  dispose(): Promise<void>;
}

/** Lets queued IPC messages (a cancel) be handled between two synchronous session runs. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function validateZeroShot(options: ZeroShotOptions | undefined): ZeroShotOptions {
  if (!options) throw new Error('Zero-shot classification needs candidate labels.');
  const labels = options.labels.map((l) => l.trim()).filter(Boolean);
  if (labels.length === 0) throw new Error('Zero-shot classification needs at least one non-empty candidate label.');
  if (new Set(labels).size !== labels.length) throw new Error(`Candidate labels must be distinct: ${labels.join(', ')}.`);
  if (!options.hypothesisTemplate.includes('{}')) {
    throw new Error(`The hypothesis template "${options.hypothesisTemplate}" has no {} where the label goes (e.g. "This example is {}.").`);
  }
  return { ...options, labels };
}

export interface ClassifierOptions {
  /** onnxruntime intra-op threads; 0 or absent: ORT's default (one per core). */
  threads?: number;
}

export async function loadClassifier(ref: ModelRef, options: ClassifierOptions = {}): Promise<Classifier> {
  const files = inspectInferenceModel(ref.folder, ref.task);
  const t0 = performance.now();
  const { pipeline } = await loadTransformers();
  const task = ref.task === 'zero-shot' ? 'zero-shot-classification' : 'text-classification';
  let pipe: unknown;
  try {
    const session_options = options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {};
    pipe = await pipeline(task, files.folder, { dtype: files.dtype, device: 'cpu', local_files_only: true, session_options });
  } catch (e) {
    throw new Error(`${files.folder}: transformers.js cannot load ${files.onnxFile} for ${task} (${(e as Error).message}).`, { cause: e });
  }
  const info: ModelLoadInfo = { folder: files.folder, task: ref.task, onnxFile: files.onnxFile, loadMs: performance.now() - t0 };

  const run = async (texts: string[], one: (text: string) => Promise<LabelScore[]>, shouldStop?: () => boolean) => {
    const out: Classification[] = [];
    for (const text of texts) {
      await yieldToEventLoop();
      if (shouldStop?.()) throw new CancelledError();
      out.push({ text, scores: await one(text) });
    }
    return out;
  };

  if (ref.task === 'zero-shot') {
    const zs = pipe as ZeroShotPipe;
    return {
      info,
      classify: async (texts, zeroShot, shouldStop) => {
        const o = validateZeroShot(zeroShot);
        return run(texts, async (text) => {
          const r = await zs(text, o.labels, { hypothesis_template: o.hypothesisTemplate, multi_label: o.multiLabel });
          return r.labels.map((label, i) => ({ label, score: r.scores[i] }));
        }, shouldStop);
      },
      dispose: () => zs.dispose(),
    };
  }
  const tc = pipe as TextClassificationPipe;
  return {
    info,
    // top_k null: every label with its probability, best first (softmax, or sigmoid for multi-label models).
    classify: (texts, _zeroShot, shouldStop) => run(texts, (text) => tc(text, { top_k: null }), shouldStop),
    dispose: () => tc.dispose(),
  };
}
