// Evaluation of the token tasks: window logits mapped back to what the data is about. NER scores entities over words
// (seqeval, default and strict IOB2), so subword windows and stride overlaps never count twice; QA scores the answer
// text per question after n-best post-processing (official SQuAD exact match / F1).
import type { Batch } from '../../data/batching';
import { spanLogitRow } from '../../models/arch/forward';
import type { NerEvalSet, QaEvalSet } from '../tokenTasks/tokenTaskData';
import { wordTagIds } from '../tokenTasks/nerFeatures';
import { qaPredictions } from '../tokenTasks/qaPostprocess';
import type { EvalResult, LogitsOf } from './evaluate';
import { nerConfusion, tagType } from './nerConfusion';
import { seqevalReport } from './seqeval';
import { squadScores } from './squadMetrics';

/** Runs the eval graph over the batches and scores the result (validation or test split alike). */
export type BatchEvaluator = (logitsOf: LogitsOf, batches: readonly Batch[]) => Promise<EvalResult>;

/** −log softmax(row)[target]. */
function nll(row: Float32Array, target: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return -(row[target] - max - Math.log(sum));
}

/** Each window's own rows of the batch logits ([seqLen, width] per row, padding dropped), by window index. */
async function windowLogits(logitsOf: LogitsOf, batches: readonly Batch[], lengthOf: (f: number) => number, width: number, count: number): Promise<Float32Array[]> {
  const out = new Array<Float32Array>(count);
  for (const batch of batches) {
    const logits = await logitsOf(batch);
    const rowSize = batch.seqLen * width;
    batch.indices.forEach((f, i) => { out[f] = logits.slice(i * rowSize, i * rowSize + lengthOf(f) * width); });
  }
  return out;
}

export function nerEvaluator(set: NerEvalSet, tags: readonly string[]): BatchEvaluator {
  const C = tags.length;
  return async (logitsOf, batches) => {
    const started = performance.now();
    const rows = await windowLogits(logitsOf, batches, (f) => set.features[f].ids.length, C, set.features.length);
    let lossSum = 0;
    let lossCount = 0;
    set.features.forEach((f, k) => f.labels.forEach((y, t) => {
      if (y < 0) return;
      lossSum += nll(rows[k].subarray(t * C, (t + 1) * C), y);
      lossCount++;
    }));
    const words = wordTagIds(set.features, (f) => rows[f], C, set.examples.map((e) => e.tokens.length));
    const truth = set.examples.map((e) => e.tags);
    const pred = words.tags.map((ids) => ids.map((id) => tags[id]));
    const loose = seqevalReport(truth, pred, { mode: 'default' });
    const strict = seqevalReport(truth, pred, { mode: 'strict', scheme: 'IOB2' });
    // Word-level confusion between entity types (B-/I- collapsed): which types the model mixes up, and with O.
    const { labels: types, confusion } = nerConfusion(truth, pred, [...new Set(tags.filter((t) => t !== 'O').map(tagType))].sort());
    return {
      metrics: { loss: lossCount ? lossSum / lossCount : 0, precision: loose.precision, recall: loose.recall, f1: loose.f1, macroF1: loose.macroF1, strictF1: strict.f1, accuracy: loose.accuracy },
      perClass: loose.perType, confusion, confusionLabels: types, examples: set.examples.length, seconds: (performance.now() - started) / 1000,
    };
  };
}

export interface QaEvalOptions {
  version2: boolean;
  nBestSize: number;
  maxAnswerLength: number;
  nullScoreDiffThreshold: number;
}

export function qaEvaluator(set: QaEvalSet, o: QaEvalOptions): BatchEvaluator {
  return async (logitsOf, batches) => {
    const started = performance.now();
    const rows = await windowLogits(logitsOf, batches, (f) => set.features[f].ids.length, 2, set.features.length);
    // The logits are [seq, 2] per window (start, end interleaved): split once for the post-processing.
    const spans = rows.map((r) => spanLogitRow(r, 0, r.length / 2));
    // HF's QA loss per window: mean of the start and end cross-entropies at the labelled positions (CLS when outside).
    let lossSum = 0;
    set.features.forEach((f, k) => { lossSum += (nll(spans[k].start, f.start) + nll(spans[k].end, f.end)) / 2; });
    const predictions = qaPredictions(set.examples, set.features, (f) => spans[f], {
      nBest: o.nBestSize, maxAnswerLength: o.maxAnswerLength, version2: o.version2, nullScoreDiffThreshold: o.nullScoreDiffThreshold,
    });
    const scores = squadScores(predictions.map((p) => ({ id: p.id, text: p.text })), set.examples.map((e) => ({ id: e.id, answers: e.answers.text })));
    const metrics: Record<string, number> = { loss: set.features.length ? lossSum / set.features.length : 0, exactMatch: scores.exactMatch, f1: scores.f1 };
    for (const k of ['hasAnsExactMatch', 'hasAnsF1', 'noAnsExactMatch'] as const) if (o.version2 && scores[k] !== undefined) metrics[k] = scores[k]!;
    return { metrics, examples: set.examples.length, seconds: (performance.now() - started) / 1000 };
  };
}
