// The one word split of the token tasks: whitespace-separated words with their character spans, the words HF's
// is_split_into_words input takes. Span files become BIO over these words (data/ner) and the model encodes the same
// words (models/wordEncoding.ts), so an entity boundary can never fall between the two splits.
export interface WordSpan {
  text: string;
  /** Char span [start, end) in the source text. */
  start: number;
  end: number;
}

export function splitWords(text: string): WordSpan[] {
  const out: WordSpan[] = [];
  for (const m of text.matchAll(/\S+/gu)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}
