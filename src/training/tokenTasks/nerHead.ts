// Which tag order a NER run's head uses, and whether the checkpoint's head can be kept. A checkpoint fine-tuned on the
// same tags (e.g. continuing from dslim/bert-base-NER on CoNLL data) keeps its head row for row, in its own id order,
// as HF's run_ner does when config.label2id covers the dataset's labels. A head trained on other tags but of the same
// size would otherwise load silently with its rows meaning the wrong tags: it is re-initialised instead.

export interface NerHeadPlan {
  /** The tags in the head's id order. */
  tags: string[];
  /** Re-initialise the checkpoint's head even though its shape fits. */
  newHead: boolean;
  /** What was decided, for the run log; undefined when there is nothing to say (a fresh head of another size). */
  note?: string;
}

const GENERIC = /^LABEL_\d+$/;

export function nerHeadPlan(id2label: Readonly<Record<number, string>>, dataTags: readonly string[]): NerHeadPlan {
  const ids = Object.keys(id2label).map(Number).sort((a, b) => a - b);
  const names = ids.map((i) => id2label[i]);
  if (!names.length || names.every((n) => GENERIC.test(n))) return { tags: [...dataTags], newHead: false };
  const same = names.length === dataTags.length && dataTags.every((t) => names.includes(t));
  if (same) return { tags: names, newHead: false, note: `the checkpoint's head was trained on these ${names.length} tags: it is kept, in its own id order (${names.join(', ')})` };
  if (names.length === dataTags.length) {
    return { tags: [...dataTags], newHead: true, note: `the checkpoint's head predicts other labels (${names.join(', ')}); a new head is initialised for ${dataTags.join(', ')}` };
  }
  return { tags: [...dataTags], newHead: false };
}
