// Averages each optimizer step's gradients across ranks before the optimizer graph runs (the session's
// reduceGradients hook): the ranks' gradients are summed in place, and the optimizer graph divides by the world size
// with the 1/accumulation it applies anyway (its grad_scale input), so no extra pass over the gradients is made here.
// onnxruntime returns all of a step's gradients at once when its training graph ends, so the all-reduce cannot start
// inside the backward pass as PyTorch DDP's hooks do. What is ours to save is copying and waiting: tensors of 1 MiB
// or more (bert-base's matrices and embeddings: nearly all its 438 MB) are reduced in place, never copied; the small
// ones (biases, LayerNorms) are packed into buckets so that they cost a few collectives, not a hundred round trips;
// and every collective is issued at once — the group runs them in the order issued, each rank's in the same order —
// so the wire never waits for JavaScript between two of them.
import type { ProcessGroup } from './processGroup';

export const DEFAULT_BUCKET_BYTES = 25 * 2 ** 20;

/** The gradients of one step as the session holds them: float32 tensors by parameter name. */
export type GradientTensors = ReadonlyMap<string, { data: unknown }>;

interface Bucket {
  /** The tensors it holds, in order. */
  parts: Float32Array[];
  /** Packed copy (undefined: one tensor reduced in place). */
  flat?: Float32Array;
}

/** Tensors of this size or more are reduced in place (bert-base here: 0.92 s per step's all-reduce when its matrices were packed into 25 MB buckets, 0.67 s in place; BENCHMARKS.md). */
export const DEFAULT_IN_PLACE_BYTES = 2 ** 20;

/**
 * Bucket plan, in tensor order: a tensor of `inPlaceBytes` or more alone (reduced in place), consecutive smaller ones
 * packed up to `bucketBytes`.
 */
export function planBuckets(sizes: readonly number[], bucketBytes = DEFAULT_BUCKET_BYTES, inPlaceBytes = Math.min(bucketBytes, DEFAULT_IN_PLACE_BYTES)): number[][] {
  const limit = Math.max(1, Math.floor(bucketBytes / 4));
  const alone = Math.max(1, Math.floor(inPlaceBytes / 4));
  const buckets: number[][] = [];
  let current: number[] = [];
  let filled = 0;
  const flush = () => {
    if (current.length) buckets.push(current);
    current = [];
    filled = 0;
  };
  sizes.forEach((n, i) => {
    if (n >= alone || filled + n > limit) flush();
    if (n >= alone) {
      buckets.push([i]);
      return;
    }
    current.push(i);
    filled += n;
  });
  flush();
  return buckets;
}

function pack(bucket: Bucket): Float32Array {
  if (bucket.parts.length === 1) return bucket.parts[0];
  const flat = new Float32Array(bucket.parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of bucket.parts) {
    flat.set(p, at);
    at += p.length;
  }
  bucket.flat = flat;
  return flat;
}

function unpack(bucket: Bucket): void {
  if (!bucket.flat) return;
  let at = 0;
  for (const p of bucket.parts) {
    p.set(bucket.flat.subarray(at, at + p.length));
    at += p.length;
  }
}

export interface AveragingStats {
  /**
   * Steps averaged; wall seconds spent waiting for the slowest rank to finish its backward pass (a barrier first),
   * then in the all-reduce itself (packing included); bytes and buckets per step (the last step's).
   */
  steps: number;
  waitSeconds: number;
  seconds: number;
  bytes: number;
  buckets: number;
}

export interface GradientAverager {
  reduce(grads: GradientTensors): Promise<void>;
  /** What the reduced gradients are divided by to make them a mean. */
  divisor: number;
  stats: AveragingStats;
}

/**
 * The reduceGradients hook for a group: every gradient replaced, in place, by its sum over the ranks, which the
 * session divides by `divisor` (the world size) in the optimizer graph. Each rank must pass the same tensors in the
 * same order (the same artifacts give the same manifest order).
 */
export function gradientAverager(group: ProcessGroup, bucketBytes = DEFAULT_BUCKET_BYTES): GradientAverager {
  const stats: AveragingStats = { steps: 0, waitSeconds: 0, seconds: 0, bytes: 0, buckets: 0 };
  const average = async (grads: GradientTensors) => {
    // The barrier costs one round trip and tells rank skew (a slower rank, another load) from transfer time.
    const w0 = performance.now();
    await group.barrier();
    const t0 = performance.now();
    stats.waitSeconds += (t0 - w0) / 1000;
    const tensors = [...grads.entries()].map(([name, t]) => {
      if (!(t.data instanceof Float32Array)) throw new Error(`gradient "${name}" is not float32: data-parallel training averages float32 gradients`);
      return t.data;
    });
    const buckets: Bucket[] = planBuckets(tensors.map((t) => t.length), bucketBytes).map((ix) => ({ parts: ix.map((i) => tensors[i]) }));
    // Every collective issued now (packing first), awaited together; packed buckets are copied back after.
    await Promise.all(buckets.map((b) => group.allreduceSum(pack(b))));
    for (const b of buckets) unpack(b);
    stats.steps++;
    stats.seconds += (performance.now() - t0) / 1000;
    stats.bytes = tensors.reduce((s, t) => s + t.byteLength, 0);
    stats.buckets = buckets.length;
  };
  return { reduce: average, divisor: group.worldSize, stats };
}
