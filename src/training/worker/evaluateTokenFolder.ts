// `finetune-studio eval` for NER and QA exports: the dataset file read as the run read its data, windowed with the
// run's settings, and scored by the same evaluators as training (entity F1 over words, SQuAD EM/F1 per question).
import * as ort from 'onnxruntime-node';
import { makeBatches } from '../../data/batching';
import { loadNerDataset } from '../../data/ner';
import { loadQaDataset } from '../../data/qa';
import { buildForwardModel } from '../../models/arch/forward';
import { readModelSpec } from '../../models/modelSpec';
import { loadTokenizer } from '../../models/tokenizer';
import { loadWeights } from '../../models/weights';
import { openWeightSource } from '../../models/weightSource';
import { WordEncoder } from '../../models/wordEncoding';
import { modelToBytes } from '../../onnx/serialize';
import { resolveArgs } from '../hyperparameters';
import type { RunRecord } from '../runStore';
import { asItems, nerFeaturesFor, qaFeaturesFor } from '../tokenTasks/tokenTaskData';
import type { EvalResult } from './evaluate';
import { sessionLogits } from './evaluate';
import { nerEvaluator, qaEvaluator } from './tokenTaskEval';

export async function evaluateTokenFolder(modelDir: string, dataFile: string, record: RunRecord, task: 'token-classification' | 'question-answering'): Promise<EvalResult> {
  const spec = readModelSpec(modelDir);
  const tokenizer = await loadTokenizer(modelDir, spec);
  const args = resolveArgs(record.config.settings);
  const maxLength = Math.min(args.maxLength, tokenizer.maxLength);
  const encoder = new WordEncoder(tokenizer);
  const weights = loadWeights(openWeightSource(modelDir), spec, task);
  const session = await ort.InferenceSession.create(modelToBytes(buildForwardModel(spec, weights.tensors, { head: task })));
  try {
    if (task === 'token-classification') {
      const tags = record.dataset.labels;
      const data = await loadNerDataset(dataFile);
      const features = nerFeaturesFor(data.examples, tags, encoder, { file: dataFile, split: 'evaluation', maxLength, args });
      const items = asItems(features, (f) => f.labels);
      return await nerEvaluator({ examples: data.examples, features }, tags)(sessionLogits(session), makeBatches(items, { batchSize: args.evalBatchSize, bucket: true, padId: tokenizer.padTokenId }));
    }
    const data = await loadQaDataset(dataFile);
    const features = qaFeaturesFor(data.examples, encoder, { maxLength, args });
    const items = asItems(features, (f) => [f.start, f.end]);
    const evaluator = qaEvaluator({ examples: data.examples, features }, { version2: data.version2, nBestSize: args.nBestSize, maxAnswerLength: args.maxAnswerLength, nullScoreDiffThreshold: args.nullScoreDiffThreshold });
    return await evaluator(sessionLogits(session), makeBatches(items, { batchSize: args.evalBatchSize, bucket: true, padId: tokenizer.padTokenId }));
  } finally {
    await session.release();
  }
}
