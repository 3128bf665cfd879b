// `finetune-studio eval` for a SetFit export: its model is the combined ONNX classifier (there is no task-model
// safetensors to rebuild a graph from), so evaluation runs onnx/model.onnx with the trainer's metrics.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeBatches, tokenizeExamples } from '../../data/batching';
import { loadExamples } from '../../data';
import { loadTokenizer } from '../../models/tokenizer';
import type { RunRecord } from '../runStore';
import { evaluate, sessionLogits, type EvalResult } from '../worker/evaluate';
import { tokenizeFnFor } from '../worker/tokenize';
import { DEFAULT_ARGS } from '../hyperparameters';

/** True for a folder exportSetFit wrote (config.json carries a "setfit" entry). */
export function isSetFitFolder(modelDir: string): boolean {
  try {
    return typeof (JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { setfit?: unknown }).setfit === 'object';
  } catch {
    return false;
  }
}

export async function evaluateSetFitFolder(modelDir: string, dataFile: string, record: RunRecord): Promise<EvalResult> {
  const tokenizer = await loadTokenizer(modelDir);
  const labels = record.dataset.labels;
  const loaded = await loadExamples(dataFile, { labels: record.dataset.labelSpace ?? { kind: 'string', names: labels } });
  if (!loaded.ok) throw loaded.error;
  const maxLength = Math.min(record.config.settings?.maxLength ?? DEFAULT_ARGS.maxLength, tokenizer.maxLength);
  const items = tokenizeExamples(loaded.value.examples, tokenizeFnFor(tokenizer, maxLength), { maxLength });
  const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model.onnx'));
  const batches = makeBatches(items, { batchSize: 32, bucket: true, padId: tokenizer.padTokenId });
  try {
    return await evaluate(sessionLogits(session), batches, 'single-label', labels);
  } finally {
    await session.release();
  }
}
