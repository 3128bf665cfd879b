// SetFit's contrastive pairs (setfit's sentence_pairs_generation): per iteration, every example gets one positive
// partner from its own class (label 1) and one negative partner from another class (label 0), seeded.
import type { Rng } from '../util/rng';

export interface Pair {
  a: number;
  b: number;
  /** Target cosine similarity: 1 same class, 0 different class. */
  label: 1 | 0;
}

export function generatePairs(labels: readonly number[], iterations: number, rng: Rng): Pair[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  if (byClass.size < 2) throw new Error(`SetFit needs examples of at least 2 classes; the training data has ${byClass.size}.`);
  const pairs: Pair[] = [];
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < labels.length; i++) {
      const same = byClass.get(labels[i])!;
      if (same.length > 1) {
        let j = i;
        while (j === i) j = same[rng.int(same.length)];
        pairs.push({ a: i, b: j, label: 1 });
      }
      let k = rng.int(labels.length);
      while (labels[k] === labels[i]) k = rng.int(labels.length);
      pairs.push({ a: i, b: k, label: 0 });
    }
  }
  return rng.shuffle(pairs);
}
