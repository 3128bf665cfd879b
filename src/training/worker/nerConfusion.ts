// Word-level confusion between entity types for NER evaluation entries: B-/I-/E-/S- are collapsed to the type, so the
// matrix reads "which type was this word taken for" (O = no entity), the view the dashboard's matrix gives for
// classification. Entity-level scores are seqeval.ts's job; this only counts words.

export interface NerConfusion {
  /** 'O' first, then the entity types in sorted order. */
  labels: string[];
  /** confusion[true][predicted] word counts over `labels`. */
  confusion: number[][];
}

/** The entity type a tag names ('B-PER' → 'PER'), 'O' for outside. */
export function tagType(tag: string): string {
  if (tag === 'O') return 'O';
  const m = /^[BIES]-(.+)$/u.exec(tag);
  return m ? m[1] : tag;
}

/** `types`, when given (the dataset's), fixes the rows and columns; otherwise they are the types either side uses. */
export function nerConfusion(truth: readonly string[][], pred: readonly string[][], types?: readonly string[]): NerConfusion {
  if (truth.length !== pred.length) throw new RangeError(`NER confusion: ${truth.length} reference sentences but ${pred.length} predicted ones; they must match one to one.`);
  const found = new Set<string>();
  for (const rows of [truth, pred]) for (const row of rows) for (const t of row) if (tagType(t) !== 'O') found.add(tagType(t));
  const labels = ['O', ...(types ? types.filter((t) => t !== 'O') : [...found].sort())];
  const index = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  truth.forEach((row, s) => {
    if (row.length !== pred[s].length) throw new RangeError(`NER confusion: sentence ${s} has ${row.length} reference tags but ${pred[s].length} predicted tags; they must match one to one.`);
    row.forEach((t, k) => {
      const a = index.get(tagType(t));
      const b = index.get(tagType(pred[s][k]));
      if (a === undefined || b === undefined) {
        throw new RangeError(`NER confusion: sentence ${s} word ${k} has type "${a === undefined ? tagType(t) : tagType(pred[s][k])}", which is not among ${labels.join(', ')}.`);
      }
      confusion[a][b]++;
    });
  });
  return { labels, confusion };
}
