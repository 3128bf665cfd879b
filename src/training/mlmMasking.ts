// Masked-LM inputs with BERT's recipe (HF DataCollatorForLanguageModeling): each ordinary token is selected with
// probability p; of the selected, 80% become [MASK], 10% a random token, 10% stay; labels are -100 everywhere else.
import type { Rng } from '../util/rng';

export const IGNORE_INDEX = -100;

export interface MaskingOptions {
  probability: number;
  maskTokenId: number;
  vocabSize: number;
  /** Token ids never masked ([CLS], [SEP], [PAD], ...). */
  specialIds: ReadonlySet<number>;
}

export function maskTokens(inputIds: readonly number[][], o: MaskingOptions, rng: Rng): { inputIds: number[][]; labels: number[][] } {
  const ids = inputIds.map((row) => [...row]);
  const labels = inputIds.map((row) => row.map(() => IGNORE_INDEX));
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < ids[i].length; j++) {
      const token = ids[i][j];
      if (o.specialIds.has(token) || rng.next() >= o.probability) continue;
      labels[i][j] = token;
      const r = rng.next();
      if (r < 0.8) ids[i][j] = o.maskTokenId;
      else if (r < 0.9) ids[i][j] = rng.int(o.vocabSize);
    }
  }
  return { inputIds: ids, labels };
}
