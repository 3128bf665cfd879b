// Which examples a rank trains on: DistributedSampler's semantics over the trainer's own batch plan. Every rank plans
// the same global batches (same seed ⇒ same order; planBatches with the global batch size, perRankBatch × world size),
// then takes its strided share of each (rank r: positions r, r+N, r+2N …). A global batch that does not divide by
// the world size is padded by repeating its first examples, as DistributedSampler pads the epoch, so every rank
// steps on a batch of the same size and the average of the ranks' mean gradients is a mean over the padded batch.
// One rank (worldSize 1) gets the global batches unchanged.

/** Rank `rank`'s part of each global batch (indices into the training split). */
export function shardBatches(globalBatches: readonly (readonly number[])[], rank: number, worldSize: number): number[][] {
  if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new Error(`shardBatches: rank ${rank} of world size ${worldSize}`);
  }
  if (worldSize === 1) return globalBatches.map((b) => [...b]);
  return globalBatches.map((batch) => {
    const size = Math.ceil(batch.length / worldSize) * worldSize;
    const shard: number[] = [];
    for (let k = rank; k < size; k += worldSize) shard.push(batch[k % batch.length]);
    return shard;
  });
}

/** Examples a rank's batches repeat (padding) over an epoch, for the log: the global batches' shortfalls summed. */
export function paddedExamples(globalBatches: readonly (readonly number[])[], worldSize: number): number {
  return globalBatches.reduce((s, b) => s + (Math.ceil(b.length / worldSize) * worldSize - b.length), 0);
}
