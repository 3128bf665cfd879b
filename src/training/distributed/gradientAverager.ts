// Averages each optimizer step's gradients across ranks before the optimizer graph runs (the session's
// reduceGradients hook): the ranks' gradients are summed in place, and the optimizer graph divides by the world size
// with the 1/accumulation it applies anyway (its grad_scale input), so no extra pass over the gradients is made here. onnxruntime returns all of a step's gradients at once when its training graph ends, so the
// all-reduce cannot start inside the backward pass as PyTorch DDP's hooks do; what can overlap is ours: gradients go
// in buckets (DDP's 25 MB by default), and while one bucket is on the wire the next is packed. Tensors as large as a
// bucket (embeddings, FFN matrices of big models) are reduced in place, small ones (biases, LayerNorms) are packed so
// that bert-base's ~200 tensors cost a dozen collectives, not 200 round trips.
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

/** Bucket plan: consecutive tensors up to `bucketBytes`; one of that size or more is a bucket of its own. */
export function planBuckets(sizes: readonly number[], bucketBytes = DEFAULT_BUCKET_BYTES): number[][] {
  const limit = Math.max(1, Math.floor(bucketBytes / 4));
  const buckets: number[][] = [];
  let current: number[] = [];
  let filled = 0;
  sizes.forEach((n, i) => {
    if (n >= limit) {
      if (current.length) buckets.push(current);
      current = [];
      filled = 0;
      buckets.push([i]);
      return;
    }
    if (filled + n > limit && current.length) {
      buckets.push(current);
      current = [];
      filled = 0;
    }
    current.push(i);
    filled += n;
  });
  if (current.length) buckets.push(current);
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

/**
 * The reduceGradients hook for a group: every gradient replaced, in place, by its sum over the ranks, which the
 * session divides by `divisor` (the world size) in the optimizer graph. Each rank must pass the same tensors in the
 * same order (the same artifacts give the same manifest order).
 */
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
    // One bucket on the wire at a time (the collective order must be the same on every rank); the next is packed
    // meanwhile, and the previous one unpacked.
    let inFlight: Promise<void> | undefined;
    let previous: Bucket | undefined;
    for (const b of buckets) {
      const flat = pack(b);
      if (inFlight) {
        await inFlight;
        unpack(previous!);
      }
      inFlight = group.allreduceSum(flat);
      previous = b;
    }
    if (inFlight) {
      await inFlight;
      unpack(previous!);
    }
    stats.steps++;
    stats.seconds += (performance.now() - t0) / 1000;
    stats.bytes = tensors.reduce((s, t) => s + t.byteLength, 0);
    stats.buckets = buckets.length;
  };
  return { reduce: average, divisor: group.worldSize, stats };
}
