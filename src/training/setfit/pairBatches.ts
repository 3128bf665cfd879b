// Contrastive pairs → batches the cosine-similarity loss reads: the 2·P sentences of P pairs collated into one padded
// batch laid out [u_1..u_P, v_1..v_P], and the P target similarities (1 same class, 0 different) as float labels.
import * as ort from 'onnxruntime-node';
import { collate, type TokenizedExample } from '../../data/batching';
import { Rng } from '../../util/rng';
import type { Pair } from '../setfitPairs';
import { inputFeeds, type Feeds } from '../worker/feeds';

/** The pairs of one epoch in batches; epoch 0 keeps generatePairs' (already shuffled) order, later epochs reshuffle. */
export function pairBatchesForEpoch(pairs: readonly Pair[], batchSize: number, seed: number, epoch: number): Pair[][] {
  const order = [...pairs];
  if (epoch > 0) new Rng((seed + epoch * 7919) >>> 0).shuffle(order);
  const out: Pair[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

export interface PairFeeds {
  feeds: Feeds;
  sentences: number;
  realTokens: number;
}

export function pairFeeds(items: readonly TokenizedExample[], batch: readonly Pair[], inputNames: readonly string[], padId: number): PairFeeds {
  const b = collate(items, [...batch.map((p) => p.a), ...batch.map((p) => p.b)], { padId });
  const labels = new ort.Tensor('float32', Float32Array.from(batch, (p) => p.label), [batch.length]);
  return { feeds: { ...inputFeeds(b, inputNames), labels }, sentences: b.size, realTokens: b.realTokens };
}
