// Start/end logits of every window → one answer per question, as HF's postprocess_qa_predictions (utils_qa.py) picks
// it: the nBest highest start and end positions of each window are paired, pairs that leave the context, run
// backwards or exceed maxAnswerLength tokens are dropped, and the best span over all of the question's windows wins.
// SQuAD v2: the null score is start[CLS] + end[CLS], the lowest over the windows (the window most sure there is an
// answer), and the question is left unanswered when it beats the best span by more than nullScoreDiffThreshold.
import type { QaExample } from '../../data/qa';
import type { QaFeature } from './qaFeatures';

export interface QaSpan {
  text: string;
  /** Characters in the context, end exclusive. */
  start: number;
  end: number;
  /** start logit + end logit. */
  score: number;
}

export interface QaPrediction {
  id: string;
  /** "" when the model abstains (v2) or no valid span exists. */
  text: string;
  /** Characters in the context; -1 for no answer. */
  start: number;
  end: number;
  /** The chosen answer's score: its span score, or the null score when abstaining. */
  score: number;
  /** start[CLS] + end[CLS], minimum over the question's windows. */
  nullScore: number;
  /** Best spans first, at most nBest, null answer excluded. */
  nBest: QaSpan[];
}

export interface QaPostprocessOptions {
  nBest?: number;
  maxAnswerLength?: number;
  version2: boolean;
  nullScoreDiffThreshold?: number;
}

/** Indices of the k largest values, largest first (numpy argsort()[-1:-k-1:-1]). */
function topIndices(values: Float32Array, k: number, limit: number): number[] {
  const idx = Array.from({ length: Math.min(values.length, limit) }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, k);
}

export function qaPredictions(
  examples: readonly QaExample[],
  features: readonly QaFeature[],
  logits: (f: number) => { start: Float32Array; end: Float32Array },
  o: QaPostprocessOptions,
): QaPrediction[] {
  const nBest = o.nBest ?? 20;
  const maxAnswerLength = o.maxAnswerLength ?? 30;
  const threshold = o.nullScoreDiffThreshold ?? 0;
  const byExample = examples.map(() => [] as number[]);
  features.forEach((f, k) => {
    if (!byExample[f.example]) throw new Error(`qaPredictions: feature ${k} names example ${f.example} of ${examples.length}`);
    byExample[f.example].push(k);
  });

  return examples.map((ex, e) => {
    let nullScore = Infinity;
    const spans: QaSpan[] = [];
    for (const k of byExample[e]) {
      const f = features[k];
      const { start, end } = logits(k);
      // Logits may be padded past the window (batches share one length): only the window's own tokens count.
      const len = f.offsets.length;
      nullScore = Math.min(nullScore, start[0] + end[0]);
      for (const s of topIndices(start, nBest, len)) {
        for (const t of topIndices(end, nBest, len)) {
          const os = f.offsets[s];
          const ot = f.offsets[t];
          if (!os || !ot || t < s || t - s + 1 > maxAnswerLength) continue;
          spans.push({ text: ex.context.slice(os[0], ot[1]), start: os[0], end: ot[1], score: start[s] + end[t] });
        }
      }
    }
    spans.sort((a, b) => b.score - a.score || a.start - b.start);
    const best = spans.slice(0, nBest);
    if (!Number.isFinite(nullScore)) nullScore = -Infinity; // no window at all: nothing to abstain with
    const top = best[0];
    const abstain = top === undefined || (o.version2 && nullScore - top.score > threshold);
    return abstain
      ? { id: ex.id, text: '', start: -1, end: -1, score: o.version2 ? nullScore : 0, nullScore, nBest: best }
      : { id: ex.id, text: top.text, start: top.start, end: top.end, score: top.score, nullScore, nBest: best };
  });
}
