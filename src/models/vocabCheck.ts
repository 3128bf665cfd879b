// A tokenizer and a model must agree on the vocabulary: an id at or past config.json's vocab_size makes the embedding
// lookup (ORT's Gather) fail mid-training with an index error that names neither file. Checked before training.

export class VocabularyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VocabularyError';
  }
}

/** The largest id a tokenizer can produce (its vocabulary and added tokens); -1 for an empty one. */
export function largestTokenId(vocab: ReadonlyMap<string, number>): number {
  let max = -1;
  for (const id of vocab.values()) if (id > max) max = id;
  return max;
}

/** The largest id in tokenized sequences; -1 when there are none. */
export function largestIdIn(sequences: Iterable<{ ids: readonly number[] }>): number {
  let max = -1;
  for (const s of sequences) for (const id of s.ids) if (id > max) max = id;
  return max;
}

export interface VocabularyFacts {
  /** The model folder (its config.json holds vocab_size). */
  modelDir: string;
  vocabSize: number;
  tokenizerMaxId: number;
  /** The dataset and the largest id its tokenized examples hold. */
  dataFile: string;
  dataMaxId: number;
}

/** Throws VocabularyError naming both sizes when token ids could reach past the model's embedding table. */
export function checkVocabulary(f: VocabularyFacts): void {
  const table = `${f.modelDir}/config.json says vocab_size ${f.vocabSize} (ids 0 to ${f.vocabSize - 1})`;
  const fix = 'the tokenizer and the model come from different checkpoints: use the tokenizer saved with this model, or a model whose vocab_size covers the tokenizer';
  if (f.dataMaxId >= f.vocabSize) {
    throw new VocabularyError(`${f.dataFile}: tokenized, the data holds token id ${f.dataMaxId}, but ${table}; the tokenizer's vocabulary has ${f.tokenizerMaxId + 1} ids. ${fix}.`);
  }
  if (f.tokenizerMaxId >= f.vocabSize) {
    throw new VocabularyError(`${f.modelDir}: the tokenizer's vocabulary has ${f.tokenizerMaxId + 1} ids (largest ${f.tokenizerMaxId}), but ${table}; texts with the other tokens would fail in the embedding lookup. ${fix}.`);
  }
}
