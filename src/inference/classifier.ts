// One loaded model behind transformers.js' zero-shot-classification or text-classification pipeline, on the
// onnxruntime-node provider finetuneStudio.device picks (chosen as for training: never a silent fallback), with no
// network (loadTransformers turns remote models off).
import { loadTransformers } from '../models/tokenizer';
import { chooseDevice } from '../onnx/device';
import { CancelledError } from './cancelled';
import { inspectInferenceModel } from './modelFiles';
import type { Classification, LabelScore, ModelLoadInfo, ModelRef, ZeroShotOptions } from './protocol';

export { CancelledError };

/** The parts of transformers.js' pipelines used here (its own typings are a union over every task). */
interface PipeTokenizer {
  encode(text: string, options?: { text_pair?: string | null; add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  readonly model_max_length: number;
}
interface ZeroShotPipe {
  tokenizer: PipeTokenizer;
  (text: string, labels: string[], options: { hypothesis_template: string; multi_label: boolean }): Promise<{ labels: string[]; scores: number[] }>;
  dispose(): Promise<void>;
}
interface TextClassificationPipe {
  tokenizer: PipeTokenizer;
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
  const device = await chooseDevice(await import('onnxruntime-node'), ref.device ?? 'cpu');
  const task = ref.task === 'zero-shot' ? 'zero-shot-classification' : 'text-classification';
  let pipe: unknown;
  try {
    // Threads matter to the CPU provider only (a GPU provider's host threads just feed it).
    const session_options = options.threads && device.executionProvider === 'cpu' ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {};
    pipe = await pipeline(task, files.folder, { dtype: files.dtype, device: device.executionProvider, local_files_only: true, session_options });
  } catch (e) {
    throw new Error(`${files.folder}: transformers.js cannot load ${files.onnxFile} for ${task} on ${device.executionProvider} (${(e as Error).message}).`, { cause: e });
  }
  const info: ModelLoadInfo = {
    folder: files.folder, task: ref.task, onnxFile: files.onnxFile, loadMs: performance.now() - t0, device: device.executionProvider, deviceReason: device.reason,
  };

  const tokenizer = (pipe as { tokenizer: PipeTokenizer }).tokenizer;
  const limits = [tokenizer.model_max_length, files.maxPositions].filter((n): n is number => typeof n === 'number' && n > 0 && n < 1e9);
  const maxLength = limits.length ? Math.min(...limits) : 512;
  const run = async (texts: string[], one: (text: string) => Promise<{ scores: LabelScore[]; truncated?: Classification['truncated'] }>, shouldStop?: () => boolean) => {
    const out: Classification[] = [];
    for (const text of texts) {
      await yieldToEventLoop();
      if (shouldStop?.()) throw new CancelledError();
      out.push({ text, ...(await one(text)) });
    }
    return out;
  };

  if (ref.task === 'zero-shot') {
    const zs = pipe as ZeroShotPipe;
    return {
      info,
      classify: async (texts, zeroShot, shouldStop) => {
        const o = validateZeroShot(zeroShot);
        const hypotheses = o.labels.map((l) => o.hypothesisTemplate.replace('{}', l));
        return run(texts, async (text) => {
          const fitted = fitFirstSequence(tokenizer, text, hypotheses, maxLength);
          const r = await zs(fitted.text, o.labels, { hypothesis_template: o.hypothesisTemplate, multi_label: o.multiLabel });
          return { scores: r.labels.map((label, i) => ({ label, score: r.scores[i] })), truncated: fitted.truncated };
        }, shouldStop);
      },
      dispose: () => zs.dispose(),
    };
  }
  const tc = pipe as TextClassificationPipe;
  return {
    info,
    // top_k null: every label with its probability, best first (softmax, or sigmoid for multi-label models).
    classify: (texts, _zeroShot, shouldStop) => run(texts, async (text) => {
      const fitted = fitFirstSequence(tokenizer, text, [], maxLength);
      return { scores: await tc(fitted.text, { top_k: null }), truncated: fitted.truncated };
    }, shouldStop),
    dispose: () => tc.dispose(),
  };
}

/**
 * Shortens `text` so that it fits next to the longest of `pairs` within `maxLength` tokens (HF's "only_first"
 * truncation, as transformers' zero-shot pipeline does). transformers.js would instead cut the finished sequence,
 * which drops the hypothesis of a long premise entirely (every label then scores the same) and the final [SEP].
 * The kept tokens are decoded back to text because the pipeline takes strings; re-encoding can differ by a token,
 * hence the loop.
 */
export function fitFirstSequence(tokenizer: PipeTokenizer, text: string, pairs: string[], maxLength: number): { text: string; truncated?: { kept: number; total: number } } {
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  const longestPair = pairs.reduce((best, p) => (p.length > best.length ? p : best), '');
  const pairIds = pairs.length ? tokenizer.encode(longestPair, { add_special_tokens: false }) : [];
  const full = tokenizer.encode(text, { text_pair: pairs.length ? longestPair : null, add_special_tokens: true });
  const specials = full.length - ids.length - pairIds.length;
  let budget = maxLength - specials - pairIds.length;
  if (ids.length <= budget) return { text };
  if (budget < 1) throw new Error(`The hypothesis "${longestPair}" alone takes ${pairIds.length + specials} of the model's ${maxLength} tokens: shorten the template or the label.`);
  for (let attempt = 0; attempt < 4; attempt++) {
    const shortened = tokenizer.decode(ids.slice(0, budget), { skip_special_tokens: true });
    const again = tokenizer.encode(shortened, { add_special_tokens: false }).length;
    if (again <= maxLength - specials - pairIds.length) return { text: shortened, truncated: { kept: again, total: ids.length } };
    budget -= again - (maxLength - specials - pairIds.length);
  }
  throw new Error(`Could not shorten the text to the model's ${maxLength} tokens.`);
}
