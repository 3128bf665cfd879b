// A token-classification or question-answering export loaded in the inference worker: onnx/model.onnx in an
// onnxruntime-node session on the provider finetuneStudio.device picks (as the classifier: never a silent fallback),
// the folder's tokenizer behind a WordEncoder, and the windows sized to the model's limit.
import * as path from 'node:path';
import type * as ortTypes from 'onnxruntime-node';
import { loadTokenizer } from '../models/tokenizer';
import { WordEncoder } from '../models/wordEncoding';
import { chooseDevice } from '../onnx/device';
import { extractTextEntities } from './entityExtraction';
import { InferenceModelError } from './modelFiles';
import { answerInContext } from './questionAnswering';
import type { AnswerResult, EntityResult, ModelLoadInfo, ModelRef } from './protocol';
import { inspectTokenTaskModel, type TokenTask, type TokenTaskFiles } from './tokenModelFiles';

export interface TokenTaskModel {
  readonly info: ModelLoadInfo;
  readonly files: TokenTaskFiles;
  extractEntities(texts: string[], shouldStop?: () => boolean): Promise<EntityResult[]>;
  answer(question: string, context: string, shouldStop?: () => boolean): Promise<AnswerResult>;
  dispose(): Promise<void>;
}

export interface TokenTaskModelOptions {
  threads?: number;
}

export async function loadTokenTaskModel(ref: ModelRef, options: TokenTaskModelOptions = {}): Promise<TokenTaskModel> {
  if (ref.task !== 'token-classification' && ref.task !== 'question-answering') throw new Error(`loadTokenTaskModel: task ${ref.task} is not a token task.`);
  const task: TokenTask = ref.task;
  const files = inspectTokenTaskModel(ref.folder, task);
  const t0 = performance.now();
  const ort = await import('onnxruntime-node');
  const device = await chooseDevice(ort, ref.device ?? 'cpu');
  const tokenizer = await loadTokenizer(files.folder);
  const encoder = new WordEncoder(tokenizer);
  let session: ortTypes.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path.join(files.folder, files.onnxFile), {
      executionProviders: [device.executionProvider],
      graphOptimizationLevel: 'all',
      ...(options.threads && device.executionProvider === 'cpu' ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    });
  } catch (e) {
    throw new Error(`${files.folder}: onnxruntime cannot load ${files.onnxFile} on ${device.executionProvider} (${(e as Error).message}).`, { cause: e });
  }
  const wanted = task === 'token-classification' ? ['logits'] : ['start_logits', 'end_logits'];
  const missing = wanted.filter((n) => !session.outputNames.includes(n));
  if (missing.length) {
    await session.release();
    throw new InferenceModelError(`${path.join(files.folder, files.onnxFile)} has outputs ${session.outputNames.join(', ')}; ${task} needs ${wanted.join(' and ')}.`);
  }
  const info: ModelLoadInfo = {
    folder: files.folder, task, onnxFile: files.onnxFile, loadMs: performance.now() - t0, device: device.executionProvider, deviceReason: device.reason,
  };
  const maxLength = tokenizer.maxLength;

  /** One window, batch 1: only the inputs the graph declares (DistilBERT and RoBERTa exports take no token_type_ids). */
  const forward = async (f: { ids: number[]; typeIds: number[] }) => {
    const n = f.ids.length;
    const int64 = (xs: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, (x) => BigInt(x)), [1, n]);
    const all: Record<string, ortTypes.Tensor> = { input_ids: int64(f.ids), attention_mask: int64(f.ids.map(() => 1)), token_type_ids: int64(f.typeIds) };
    const feeds = Object.fromEntries(session.inputNames.map((name) => {
      const t = all[name];
      if (!t) throw new InferenceModelError(`${files.onnxFile} takes an input "${name}" that token inference does not provide (input_ids, attention_mask, token_type_ids).`);
      return [name, t];
    }));
    return session.run(feeds);
  };

  return {
    info,
    files,
    extractEntities: async (texts, shouldStop) => {
      const out: EntityResult[] = [];
      for (const text of texts) {
        out.push(await extractTextEntities(text, encoder, files.labels, async (f) => (await forward(f)).logits.data as Float32Array, {
          // A quarter of the window as overlap: each word keeps some context on both sides in the window that scores it.
          maxLength, stride: Math.max(1, Math.floor(maxLength / 4)), shouldStop,
        }));
      }
      return out;
    },
    answer: (question, context, shouldStop) => answerInContext(question, context, encoder, async (f) => {
      const r = await forward(f);
      return { start: r.start_logits.data as Float32Array, end: r.end_logits.data as Float32Array };
    }, {
      // HF run_qa's defaults scaled to the model: 384 tokens with a 128-token stride, questions up to 64 tokens.
      maxLength, docStride: Math.max(1, Math.floor(maxLength / 3)), maxQuestionLength: Math.min(64, Math.floor(maxLength / 3)), shouldStop,
    }),
    dispose: () => session.release(),
  };
}
