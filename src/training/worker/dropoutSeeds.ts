// Reproducible dropout. ORT's Dropout kernel seeds its own generator from the node's `seed` attribute when the session
// is created, and draws masks in order after that. So: every Dropout gets a seed derived from (run seed, node index,
// the optimizer step the session was opened at), and the trainer reopens its session at every checkpoint. A run resumed
// from a checkpoint then draws exactly the masks the uninterrupted run drew after that checkpoint.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { int } from '../../onnx/ir';
import { loadModel, saveModel } from '../../onnx/serialize';
import { FILES } from '../artifacts/generateArtifacts';

function mix(a: number, b: number): number {
  // splitmix-style 32-bit mixing: distinct inputs give unrelated seeds.
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** Rewrites the Dropout seeds of the training graphs in `artifactsDir`; returns how many Dropout nodes it seeded. */
export function seedDropout(artifactsDir: string, runSeed: number, openedAtStep: number): number {
  let count = 0;
  for (const file of [FILES.trainStep, FILES.training]) {
    const f = path.join(artifactsDir, file);
    if (!fs.existsSync(f)) continue;
    const model = loadModel(f);
    let index = 0;
    for (const n of model.graph.nodes) {
      if (n.opType !== 'Dropout') continue;
      n.attrs.seed = int(mix(mix(runSeed, openedAtStep), index++) & 0x7fffffff);
    }
    count = Math.max(count, index);
    if (index > 0) saveModel(model, f);
  }
  return count;
}
