// Extractive-QA training/eval features with the semantics of HF run_qa.py's prepare_train_features: the question
// (left-stripped, at most maxQuestionLength tokens) paired with windows of the context that overlap by docStride
// tokens (tokenizers' return_overflowing_tokens with stride), each window labelled with the token positions of the
// answer when it lies wholly inside, else CLS for both. Long contexts are thereby never cut silently, and
// qaPostprocess.ts maps predictions back to characters of the context through the offsets kept here.
import type { QaExample } from '../../data/qa';
import type { WordEncoder } from '../../models/wordEncoding';

export interface QaFeature {
  ids: number[];
  typeIds: number[];
  /** Index of the example in the input list. */
  example: number;
  /** Per token: its character span in the context; null for question and special tokens. */
  offsets: ([number, number] | null)[];
  /** Token positions of the (first) answer in this window; both the CLS position (0) when it is not inside or there is none. */
  start: number;
  end: number;
}

export interface QaFeatureOptions {
  maxLength: number;
  docStride: number;
  /** HF run_squad's max_query_length: longer questions are cut to this many tokens (default 64). */
  maxQuestionLength?: number;
}

/**
 * Token positions of the character span [startChar, endChar) among the window's context tokens, as HF finds them:
 * the start is the last token starting at or before startChar, the end the first token ending at or after endChar.
 * Where several tokens share one span (a word whose subword offsets could not be recovered) the start takes the first
 * of them and the end the last, so the label covers the whole word.
 */
export function answerTokens(offsets: readonly ([number, number] | null)[], startChar: number, endChar: number): { start: number; end: number } | undefined {
  const context: number[] = [];
  offsets.forEach((o, k) => { if (o) context.push(k); });
  if (context.length === 0) return undefined;
  const first = offsets[context[0]]!;
  const last = offsets[context[context.length - 1]]!;
  if (!(first[0] <= startChar && last[1] >= endChar)) return undefined;
  let start = context[0];
  for (const k of context) {
    const o = offsets[k]!;
    if (o[0] > startChar) break;
    if (o[0] !== offsets[start]![0]) start = k;
  }
  let end = context[context.length - 1];
  for (let i = context.length - 1; i >= 0; i--) {
    const o = offsets[context[i]]!;
    if (o[1] < endChar) break;
    if (o[1] !== offsets[end]![1]) end = context[i];
  }
  return end >= start ? { start, end } : undefined;
}

export function qaFeatures(examples: readonly QaExample[], enc: WordEncoder, o: QaFeatureOptions): QaFeature[] {
  const maxQuestion = o.maxQuestionLength ?? 64;
  const out: QaFeature[] = [];
  // SQuAD asks ~5 questions per paragraph: each context is encoded once.
  const encoded = new Map<string, ReturnType<WordEncoder['encodeText']>>();
  examples.forEach((ex, index) => {
    // run_qa.py strips leading white space: some SQuAD questions start with spaces that would waste window room.
    const question = enc.encodeText(ex.question.replace(/^\s+/, '')).ids.slice(0, maxQuestion);
    let context = encoded.get(ex.context);
    if (!context) {
      context = enc.encodeText(ex.context);
      encoded.set(ex.context, context);
    }
    const budget = o.maxLength - question.length - enc.pairSpecials;
    if (budget <= o.docStride) {
      throw new Error(
        `question answering: maxLength ${o.maxLength} leaves ${budget} context tokens per window next to a ${question.length}-token question ` +
        `(question ${JSON.stringify(ex.id)}), not more than docStride ${o.docStride}; raise maxLength or lower docStride / maxQuestionLength`);
    }
    const n = context.ids.length;
    const answer = ex.answers.text.length > 0
      ? { start: ex.answers.answerStart[0], end: ex.answers.answerStart[0] + ex.answers.text[0].length }
      : undefined;
    for (let from = 0; ; from += budget - o.docStride) {
      const to = Math.min(from + budget, n);
      const pair = enc.pair(question, context.ids.slice(from, to));
      const offsets: ([number, number] | null)[] = pair.ids.map(() => null);
      for (let k = from; k < to; k++) offsets[pair.bStart + k - from] = [context.offsets[k][0], context.offsets[k][1]];
      const span = answer ? answerTokens(offsets, answer.start, answer.end) : undefined;
      out.push({
        ids: pair.ids, typeIds: pair.typeIds, example: index, offsets,
        start: span?.start ?? enc.clsIndex, end: span?.end ?? enc.clsIndex,
      });
      if (to >= n) break;
    }
  });
  return out;
}
