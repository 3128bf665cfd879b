// Adapts the model's tokenizer to the data layer's TokenizeFn: ids with special tokens (HF longest_first truncation
// done by the tokenizer) plus BERT segment ids for text pairs.
import type { EncodedText, TokenizeFn } from '../../data/batching';
import type { TextTokenizer } from '../../models/tokenizer';

export function tokenizeFnFor(tokenizer: TextTokenizer, maxLength: number): TokenizeFn {
  const sep = tokenizer.inner.sep_token_id;
  return (texts) =>
    texts.map((t): EncodedText => {
      const [text, pair] = Array.isArray(t) ? t : [t, undefined];
      const ids = tokenizer.encodeOne(text, pair, maxLength);
      if (pair === undefined || sep === undefined) return { ids };
      // Segment 0 runs through the first separator ([CLS] a [SEP]), segment 1 is the rest (b [SEP]).
      const first = ids.indexOf(sep);
      return { ids, typeIds: ids.map((_, i) => (first >= 0 && i > first ? 1 : 0)) };
    });
}
