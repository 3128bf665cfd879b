// Extractive question answering over one context: windows of [question, context] (qaFeatures, strided over a long
// context) → start/end logits per window → the best span or none (qaPredictions, SQuAD v2's null-score rule, the same
// post-processing as the evaluation). The model run is passed in, so this is tested without onnxruntime.
import type { WordEncoder } from '../models/wordEncoding';
import { qaFeatures, type QaFeature } from '../training/tokenTasks/qaFeatures';
import { qaPredictions } from '../training/tokenTasks/qaPostprocess';
import { CancelledError } from './cancelled';
import type { AnswerResult } from './protocol';

export interface AnswerRunOptions {
  maxLength: number;
  /** Context tokens two neighbouring windows share (HF doc_stride). */
  docStride: number;
  maxQuestionLength?: number;
  maxAnswerLength?: number;
  nBest?: number;
  shouldStop?: () => boolean;
}

export type SpanLogits = (feature: QaFeature) => Promise<{ start: Float32Array; end: Float32Array }>;

export async function answerInContext(question: string, context: string, encoder: WordEncoder, run: SpanLogits, o: AnswerRunOptions): Promise<AnswerResult> {
  if (question.trim() === '') throw new Error('The question is empty: type what you want to find in the selection.');
  const example = { id: 'selection', question: question.trim(), context, answers: { text: [], answerStart: [] }, line: 1 };
  const features = qaFeatures([example], encoder, { maxLength: o.maxLength, docStride: o.docStride, maxQuestionLength: o.maxQuestionLength });
  const logits: { start: Float32Array; end: Float32Array }[] = [];
  for (const f of features) {
    await new Promise((resolve) => setImmediate(resolve));
    if (o.shouldStop?.()) throw new CancelledError();
    const out = await run(f);
    if (out.start.length !== f.ids.length || out.end.length !== f.ids.length) {
      throw new Error(`The model returned ${out.start.length} start and ${out.end.length} end logits for a window of ${f.ids.length} tokens.`);
    }
    logits.push(out);
  }
  // version2: a model may say the selection holds no answer (its CLS span beats every real span).
  const [p] = qaPredictions([example], features, (i) => logits[i], { version2: true, nBest: o.nBest, maxAnswerLength: o.maxAnswerLength });
  const spans = p.nBest.filter((s) => s.start >= 0);
  // HF run_qa's n-best "probability": a softmax over the kept spans' scores, here with no-answer as one more choice.
  const all = [...spans.map((s) => s.score), p.nullScore].filter(Number.isFinite);
  const top = Math.max(...all);
  const z = all.reduce((a, x) => a + Math.exp(x - top), 0);
  const probability = (score: number) => (Number.isFinite(score) ? Math.exp(score - top) / z : 0);
  const nBest = spans.map((s) => ({ text: s.text, start: s.start, end: s.end, score: s.score, probability: probability(s.score) }));
  const answer = p.start >= 0 ? nBest.find((s) => s.start === p.start && s.end === p.end) ?? { text: p.text, start: p.start, end: p.end, score: p.score, probability: probability(p.score) } : undefined;
  return { question: example.question, context, answer, nullScore: p.nullScore, nullProbability: probability(p.nullScore), nBest, windows: features.length };
}
