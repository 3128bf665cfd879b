// Sentence embeddings (or any per-example [batch, d] output) of tokenized examples, batched by length so short texts
// are not padded to long ones; rows come back in example order.
import type * as ort from 'onnxruntime-node';
import { collate, planBatches, type TokenizedExample } from '../../data/batching';
import { inputFeeds, type Feeds } from '../worker/feeds';

export async function runPerExample(session: ort.InferenceSession, output: string, items: readonly TokenizedExample[], padId: number, extra: Feeds = {}, batchSize = 64): Promise<{ data: Float32Array; width: number }> {
  let data = new Float32Array(0);
  let width = 0;
  for (const indices of planBatches(items.map((i) => i.ids.length), { batchSize, bucket: true })) {
    const batch = collate(items, indices, { padId });
    const out = (await session.run({ ...inputFeeds(batch, session.inputNames), ...extra }))[output];
    if (!out) throw new Error(`the graph has no output "${output}"; it has ${session.outputNames.join(', ')}`);
    const src = out.data as Float32Array;
    if (!width) {
      width = src.length / batch.size;
      data = new Float32Array(items.length * width);
    }
    indices.forEach((item, row) => data.set(src.subarray(row * width, (row + 1) * width), item * width));
  }
  return { data, width };
}
