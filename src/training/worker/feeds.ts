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

/** Label of tokens the loss skips (PyTorch's CrossEntropyLoss ignore_index): padding, specials, continuation subwords. */
export const IGNORED_TOKEN = -100;

/** Per-token labels [B, seqLen], each row padded with -100 (MLM targets, token classification tags). */
function tokenLabels(labels: readonly (number | number[] | undefined)[], seqLen: number, what: string): ort.Tensor {
  const y = new BigInt64Array(labels.length * seqLen).fill(BigInt(IGNORED_TOKEN));
  labels.forEach((row, i) => {
    if (!Array.isArray(row)) throw new Error(`labelFeed (${what}): example ${i} of the batch has label ${String(row)}; per-token labels (an array per example) were expected`);
    if (row.length > seqLen) throw new Error(`labelFeed (${what}): example ${i} has ${row.length} token labels but the batch is ${seqLen} tokens long`);
    row.forEach((t, j) => (y[i * seqLen + j] = BigInt(t)));
  });
  return new ort.Tensor('int64', y, [labels.length, seqLen]);
}

/**
 * The labels input for a batch; `numLabels` sizes multi-hot rows. Cross-entropy takes one class per example, or an
 * array per example for token classification (padded to `seqLen` with -100, as MLM labels are); 'span' takes
 * [start, end] token positions per example.
 */
export function labelFeed(loss: LossSpec, labels: readonly (number | number[] | undefined)[], numLabels: number, seqLen = 0): ort.Tensor {
  switch (loss.kind) {
    case 'cross-entropy':
      if (labels.some(Array.isArray)) return tokenLabels(labels, seqLen, 'token classification');
      return new ort.Tensor('int64', BigInt64Array.from(labels, (l) => BigInt(l as number)), [labels.length]);
    case 'bce-with-logits': {
      const y = new Float32Array(labels.length * numLabels);
      labels.forEach((l, i) => (l as number[]).forEach((c) => (y[i * numLabels + c] = 1)));
      return new ort.Tensor('float32', y, [labels.length, numLabels]);
    }
    case 'mse':
      return new ort.Tensor('float32', Float32Array.from(labels, (l) => l as number), [labels.length]);
    case 'masked-lm':
      return tokenLabels(labels, seqLen, 'masked-lm');
    case 'cosine-similarity':
      return new ort.Tensor('float32', Float32Array.from(labels, (l) => l as number), [labels.length]);
    case 'span': {
      const y = new BigInt64Array(labels.length * 2);
      labels.forEach((l, i) => {
        if (!Array.isArray(l) || l.length !== 2) throw new Error(`labelFeed (span): example ${i} of the batch has label ${JSON.stringify(l)}; [start, end] token positions were expected`);
        y[2 * i] = BigInt(l[0]);
        y[2 * i + 1] = BigInt(l[1]);
      });
      return new ort.Tensor('int64', y, [labels.length, 2]);
    }
  }
}
