// Evaluation: the dropout-free forward graph over the evaluation batches with the current weights, then the loss and
// the metrics of the task (computed in JS from the logits, in float64).
import type * as ort from 'onnxruntime-node';
import type { Batch } from '../../data/batching';
import { argmax, classificationMetrics, multiLabelMetrics, regressionMetrics, type ClassReport, type TaskKind } from './metrics';
import { inputFeeds, type Feeds } from './feeds';

export { metricNames, type TaskKind } from './metrics';

export interface EvalResult {
  metrics: Record<string, number>;
  perClass?: ClassReport[];
  confusion?: number[][];
  /** The confusion matrix's row/column names when they are not the task's labels (NER: O and the entity types). */
  confusionLabels?: string[];
  examples: number;
  seconds: number;
}

function logSoftmaxAt(row: Float32Array, target: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[target] - max - Math.log(sum);
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** Logits of one evaluation batch, [size, ...] row-major: the forward graph, or the head on cached features. */
export type LogitsOf = (batch: Batch) => Promise<Float32Array>;

/** The dropout-free forward graph with the current `weights` fed as inputs. */
export function sessionLogits(session: ort.InferenceSession, weights: Feeds = {}): LogitsOf {
  return async (batch) => (await session.run({ ...inputFeeds(batch, session.inputNames), ...weights })).logits.data as Float32Array;
}

export async function evaluate(logitsOf: LogitsOf, batches: readonly Batch[], task: TaskKind, labelNames: string[]): Promise<EvalResult> {
  const started = performance.now();
  const predicted: number[] = [];
  const actual: number[] = [];
  const multiPred: number[][] = [];
  const multiTrue: number[][] = [];
  let lossSum = 0;
  let lossCount = 0;
  let examples = 0;
  for (const batch of batches) {
    const logits = await logitsOf(batch);
    const width = logits.length / batch.size;
    examples += batch.size;
    for (let i = 0; i < batch.size; i++) {
      const row = logits.subarray(i * width, (i + 1) * width);
      const label = batch.labels[i];
      if (task === 'single-label') {
        predicted.push(argmax(row));
        actual.push(label as number);
        lossSum -= logSoftmaxAt(row, label as number);
        lossCount++;
      } else if (task === 'multi-label') {
        const truth = new Array<number>(width).fill(0);
        (label as number[]).forEach((c) => (truth[c] = 1));
        multiPred.push(Array.from(row, (z) => (z > 0 ? 1 : 0)));
        multiTrue.push(truth);
        row.forEach((z, c) => (lossSum += softplus(z) - truth[c] * z));
        lossCount += width;
      } else if (task === 'regression') {
        predicted.push(row[0]);
        actual.push(label as number);
        lossSum += (row[0] - (label as number)) ** 2;
        lossCount++;
      } else {
        // masked-lm: logits [seq, vocab] per example; labels per token, -100 ignored.
        const vocab = width / batch.seqLen;
        (label as number[]).forEach((t, j) => {
          if (t < 0) return;
          lossSum -= logSoftmaxAt(row.subarray(j * vocab, (j + 1) * vocab), t);
          lossCount++;
        });
      }
    }
  }
  const loss = lossCount ? lossSum / lossCount : 0;
  const seconds = (performance.now() - started) / 1000;
  switch (task) {
    case 'single-label': {
      const m = classificationMetrics(predicted, actual, labelNames);
      return { metrics: { loss, accuracy: m.accuracy, macroF1: m.macroF1, microF1: m.microF1, weightedF1: m.weightedF1 }, perClass: m.perClass, confusion: m.confusion, examples, seconds };
    }
    case 'multi-label': {
      const m = multiLabelMetrics(multiPred, multiTrue, labelNames);
      return { metrics: { loss, subsetAccuracy: m.subsetAccuracy, microF1: m.microF1, macroF1: m.macroF1, hammingLoss: m.hammingLoss }, perClass: m.perClass, examples, seconds };
    }
    case 'regression': {
      const m = regressionMetrics(predicted, actual);
      return { metrics: { loss, mse: m.mse, rmse: m.rmse, mae: m.mae, r2: m.r2, pearson: m.pearson }, examples, seconds };
    }
    case 'masked-lm':
      return { metrics: { loss, perplexity: Math.exp(loss) }, examples, seconds };
    case 'token-classification':
    case 'question-answering':
      // Their windows must be mapped back to words and answers first: tokenTaskEval.ts.
      throw new Error(`evaluate: ${task} is scored by tokenTaskEval.ts, not per row`);
  }
}
