// Batches → onnxruntime feeds. Label tensors take the dtype and layout the loss in the artifacts expects.
import * as ort from 'onnxruntime-node';
import type { Batch } from '../../data/batching';
import type { LossSpec } from '../artifacts/losses';

export type Feeds = Record<string, ort.Tensor>;

export function inputFeeds(batch: Batch, names: readonly string[]): Feeds {
  const dims = [batch.size, batch.seqLen];
  const feeds: Feeds = {
    input_ids: new ort.Tensor('int64', batch.inputIds, dims),
    attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
  };
  if (names.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', batch.tokenTypeIds ?? new BigInt64Array(batch.size * batch.seqLen), dims);
  return feeds;
}

/** The labels input for a batch; `numLabels` sizes multi-hot rows. MLM labels come per token (already -100 padded). */
export function labelFeed(loss: LossSpec, labels: readonly (number | number[] | undefined)[], numLabels: number, seqLen = 0): ort.Tensor {
  switch (loss.kind) {
    case 'cross-entropy':
      return new ort.Tensor('int64', BigInt64Array.from(labels, (l) => BigInt(l as number)), [labels.length]);
    case 'bce-with-logits': {
      const y = new Float32Array(labels.length * numLabels);
      labels.forEach((l, i) => (l as number[]).forEach((c) => (y[i * numLabels + c] = 1)));
      return new ort.Tensor('float32', y, [labels.length, numLabels]);
    }
    case 'mse':
      return new ort.Tensor('float32', Float32Array.from(labels, (l) => l as number), [labels.length]);
    case 'masked-lm': {
      const y = new BigInt64Array(labels.length * seqLen).fill(-100n);
      labels.forEach((row, i) => (row as number[]).forEach((t, j) => (y[i * seqLen + j] = BigInt(t))));
      return new ort.Tensor('int64', y, [labels.length, seqLen]);
    }
    case 'cosine-similarity':
      return new ort.Tensor('float32', Float32Array.from(labels, (l) => l as number), [labels.length]);
  }
}
