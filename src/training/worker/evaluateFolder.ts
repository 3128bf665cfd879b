// Evaluates an exported model folder on a dataset file with the same metrics as training (`finetune-studio eval`).
import * as ort from 'onnxruntime-node';
import { makeBatches, tokenizeExamples } from '../../data/batching';
import { loadExamples } from '../../data';
import { buildForwardModel } from '../../models/arch/forward';
import { readModelSpec } from '../../models/modelSpec';
import { loadTokenizer } from '../../models/tokenizer';
import { loadWeights } from '../../models/weights';
import { openWeightSource } from '../../models/weightSource';
import { modelToBytes } from '../../onnx/serialize';
import type { RunRecord } from '../runStore';
import { evaluate, sessionLogits, type EvalResult, type TaskKind } from './evaluate';
import { tokenizeFnFor } from './tokenize';
import { DEFAULT_ARGS } from '../hyperparameters';

export async function evaluateFolder(modelDir: string, dataFile: string, record: RunRecord): Promise<EvalResult> {
  const setfit = await import('../setfit/evaluateSetFitFolder');
  if (setfit.isSetFitFolder(modelDir)) return setfit.evaluateSetFitFolder(modelDir, dataFile, record);
  const task = record.dataset.task;
  if (task === 'token-classification' || task === 'question-answering') {
    const { evaluateTokenFolder } = await import('./evaluateTokenFolder');
    return evaluateTokenFolder(modelDir, dataFile, record, task);
  }
  const spec = readModelSpec(modelDir);
  const kind: TaskKind = spec.problemType === 'multi_label_classification' ? 'multi-label' : spec.problemType === 'regression' ? 'regression' : 'single-label';
  const tokenizer = await loadTokenizer(modelDir, spec);
  const labels = record.dataset.labels;
  const space = record.dataset.labelSpace ?? { kind: kind === 'multi-label' ? 'multi' : kind === 'regression' ? 'float' : 'string', names: labels };
  const loaded = await loadExamples(dataFile, { labels: space });
  if (!loaded.ok) throw loaded.error;
  const maxLength = Math.min(record.config.settings?.maxLength ?? DEFAULT_ARGS.maxLength, tokenizer.maxLength);
  const items = tokenizeExamples(loaded.value.examples, tokenizeFnFor(tokenizer, maxLength), { maxLength });
  const weights = loadWeights(openWeightSource(modelDir), spec, 'sequence-classification');
  const session = await ort.InferenceSession.create(modelToBytes(buildForwardModel(spec, weights.tensors, { head: 'sequence-classification' })));
  const batches = makeBatches(items, { batchSize: 32, bucket: true, padId: tokenizer.padTokenId });
  try {
    return await evaluate(sessionLogits(session), batches, kind, labels);
  } finally {
    await session.release();
  }
}
