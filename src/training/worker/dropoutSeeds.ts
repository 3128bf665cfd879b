// Reproducible dropout: the seed of each micro-batch's masks is a function of (run seed, optimizer steps done before
// it, its index in the epoch) only. The training graphs hash their masks from this one input (artifacts/
// hashedDropout.ts), so a run resumed from any checkpoint, a cancel checkpoint mid-interval included, draws exactly
// the masks the uninterrupted run drew, whatever sessions either opened on the way.
import * as ort from 'onnxruntime-node';
import { DROPOUT_SEED, DROPOUT_SEED_LIMIT } from '../artifacts/hashedDropout';

function mix(a: number, b: number): number {
  // splitmix-style 32-bit mixing: distinct inputs give unrelated seeds.
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** The Dropout seed of one micro-batch, in [0, DROPOUT_SEED_LIMIT). */
export function dropoutSeed(runSeed: number, step: number, micro: number): number {
  return mix(mix(runSeed >>> 0, step >>> 0), micro >>> 0) % DROPOUT_SEED_LIMIT;
}

/** The feed carrying that seed (graphs without Dropout do not read it: session feeds pick only what a graph takes). */
export function dropoutSeedFeed(runSeed: number, step: number, micro: number): Record<string, ort.Tensor> {
  return { [DROPOUT_SEED]: new ort.Tensor('int64', BigInt64Array.of(BigInt(dropoutSeed(runSeed, step, micro))), []) };
}
