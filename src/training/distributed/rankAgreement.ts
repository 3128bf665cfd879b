// Small collectives the trainer uses to keep the ranks in step: rank 0 decides (cancel, early stopping, the run
// folder), the others follow; and checks that the ranks start and end with the same weights, because a run whose
// replicas drifted apart would export rank 0's model while claiming a data-parallel run.
import type { ProcessGroup } from './processGroup';

/** Rank 0's numbers on every rank. */
export async function fromRankZero(group: ProcessGroup, values: readonly number[]): Promise<number[]> {
  const buf = Float64Array.from(group.rank === 0 ? values : values.map(() => 0));
  await group.broadcast(buf, 0);
  return [...buf];
}

/** Rank 0's text on every rank (a run folder's path): its UTF-8 bytes, length first. */
export async function textFromRankZero(group: ProcessGroup, text: string): Promise<string> {
  const bytes = group.rank === 0 ? new TextEncoder().encode(text) : new Uint8Array(0);
  const [length] = await fromRankZero(group, [bytes.length]);
  const buf = new Float32Array(length);
  if (group.rank === 0) buf.set(bytes);
  if (length) await group.broadcast(buf, 0);
  return new TextDecoder().decode(Uint8Array.from(buf));
}

/** The sum over ranks. */
export async function sumOverRanks(group: ProcessGroup, values: readonly number[]): Promise<number[]> {
  const buf = Float64Array.from(values);
  await group.allreduceSum(buf);
  return [...buf];
}

export interface WeightComparison {
  /** Tensors compared, and (tensor, rank) pairs where the rank's tensor differs from rank 0's (0: all agree). */
  tensors: number;
  differing: number;
  /** Largest absolute difference from rank 0's value over all ranks and elements. */
  maxAbsDifference: number;
}

/**
 * Compares every rank's weights with rank 0's, element by element (rank 0's tensors are broadcast one at a time, so
 * the extra memory is one tensor). Every rank gets the same answer.
 */
export async function compareWithRankZero(group: ProcessGroup, weights: ReadonlyMap<string, Float32Array>): Promise<WeightComparison> {
  const names = [...weights.keys()].sort();
  let differing = 0;
  let maxAbs = 0;
  for (const name of names) {
    const mine = weights.get(name)!;
    const theirs = group.rank === 0 ? mine : new Float32Array(mine.length);
    await group.broadcast(theirs, 0);
    if (group.rank === 0) continue;
    let d = 0;
    for (let i = 0; i < mine.length; i++) {
      const x = Math.abs(mine[i] - theirs[i]);
      if (x > d || Number.isNaN(x)) d = Number.isNaN(x) ? Infinity : x;
    }
    if (d > 0) differing++;
    maxAbs = Math.max(maxAbs, d);
  }
  // One allreduce for both: the counts summed in slot 0, each rank's maximum in a slot of its own (a sum cannot take a max).
  const slots = new Array(group.worldSize + 1).fill(0);
  slots[0] = differing;
  slots[1 + group.rank] = maxAbs;
  const all = await sumOverRanks(group, slots);
  return { tensors: names.length, differing: all[0], maxAbsDifference: Math.max(...all.slice(1)) };
}

/** A cheap summary of weights (a strided sample of every tensor, summed in float64) that differs when they do. */
export function weightsFingerprint(weights: ReadonlyMap<string, Float32Array>): number {
  let h = 0;
  for (const name of [...weights.keys()].sort()) {
    const w = weights.get(name)!;
    const stride = Math.max(1, Math.floor(w.length / 257));
    for (let i = 0; i < w.length; i += stride) h += w[i] * (1 + (i % 7));
    h += w.length;
  }
  return h;
}

/**
 * Every rank starts at rank 0's step with rank 0's weights, or all of them fail with the reason: a rank that read
 * another checkpoint (no shared storage) or another model would otherwise train a different model in lockstep.
 */
export async function assertSameStart(group: ProcessGroup, step: number, fingerprint: number, where: string): Promise<void> {
  const [step0, print0] = await fromRankZero(group, [step, fingerprint]);
  const mine = step !== step0 ? 1 : fingerprint !== print0 ? 2 : 0;
  const flags = new Array(group.worldSize).fill(0);
  flags[group.rank] = mine;
  const all = await sumOverRanks(group, flags);
  const bad = all.map((f, r) => ({ f, r })).filter((x) => x.f);
  if (!bad.length) return;
  const what = bad.map(({ f, r }) => `rank ${r} ${f === 1 ? 'starts at another step' : 'has other starting weights'}`).join(', ');
  throw new Error(`data-parallel ranks disagree at the start (${what}; rank 0 starts at step ${step0}): every rank must read the same model and, when resuming, the same run folder (${where}) — on storage all machines share`);
}
