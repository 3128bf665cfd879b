// Named entities of one text with a token-classification model: words (entityWords) → windows of token ids
// (nerFeatures, strided so a long selection is never cut) → one tag per word from its first subword in the window that
// keeps it (wordTagIds) → entities over words (seqeval's extractEntities, the same rule as the evaluation) → char
// spans in the text. The model run is passed in, so this is tested without onnxruntime.
import type { WordEncoder } from '../models/wordEncoding';
import { nerFeatures, wordTagIds, type NerFeature } from '../training/tokenTasks/nerFeatures';
import { extractEntities } from '../training/worker/seqeval';
import { CancelledError } from './cancelled';
import { entityWords } from './entityWords';
import type { EntityResult, TextEntity } from './protocol';

export interface EntityRunOptions {
  /** Tokens per window, specials included (the model's limit). */
  maxLength: number;
  /** Tokens two neighbouring windows share, so every word is seen with context on both sides. */
  stride: number;
  /** Polled between windows: one forward pass cannot be interrupted, a series of them can. */
  shouldStop?: () => boolean;
}

/** Logits [sequence, labels] of one window (row-major). */
export type TokenLogits = (feature: NerFeature) => Promise<Float32Array>;

export async function extractTextEntities(text: string, encoder: WordEncoder, labels: readonly string[], run: TokenLogits, o: EntityRunOptions): Promise<EntityResult> {
  const words = entityWords(text);
  if (words.length === 0) return { text, entities: [], words: 0, windows: 0 };
  const features = nerFeatures([{ tokens: words.map((w) => w.text) }], encoder, { maxLength: o.maxLength, stride: o.stride });
  const logits: Float32Array[] = [];
  for (const f of features) {
    await new Promise((resolve) => setImmediate(resolve));
    if (o.shouldStop?.()) throw new CancelledError();
    const out = await run(f);
    if (out.length !== f.ids.length * labels.length) {
      throw new Error(`The model returned ${out.length} logits for a window of ${f.ids.length} tokens; ${labels.length} labels (config.json id2label) need ${f.ids.length * labels.length}.`);
    }
    logits.push(out);
  }
  const { tags, scores } = wordTagIds(features, (i) => logits[i], labels.length, [words.length]);
  const tagNames = tags[0].map((t) => labels[t] ?? 'O');
  const entities = extractEntities(tagNames).map((e): TextEntity => {
    const wordScores = scores[0].slice(e.start, e.end);
    return {
      type: e.type,
      start: words[e.start].start,
      end: words[e.end - 1].end,
      text: text.slice(words[e.start].start, words[e.end - 1].end),
      score: wordScores.reduce((a, b) => a + b, 0) / wordScores.length,
      words: e.end - e.start,
    };
  });
  return { text, entities, words: words.length, windows: features.length };
}
