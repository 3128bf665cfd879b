// Exact match and token F1 for extractive QA, as the official SQuAD evaluate-v2.0.py computes them, so the numbers a
// run reports compare one to one with published SQuAD results and with HF `evaluate`'s squad / squad_v2 metrics.

// Python's string.punctuation: the official script strips exactly these characters (ASCII only, so "’" stays).
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** Lower case, no punctuation, no articles (a, an, the), single spaces: the official normalize_answer. */
export function normalizeAnswer(s: string): string {
  let text = s.toLowerCase();
  text = [...text].filter((ch) => !PUNCTUATION.has(ch)).join('');
  // Python's \b with re.UNICODE: letters, digits and '_' of any script are word characters.
  text = text.replace(/(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu, ' ');
  // str.split() with no argument: any run of whitespace, leading/trailing dropped.
  return text.split(/\s+/u).filter((w) => w !== '').join(' ');
}

function tokensOf(s: string): string[] {
  const n = normalizeAnswer(s);
  return n === '' ? [] : n.split(' ');
}

export function exactMatch(gold: string, pred: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(pred) ? 1 : 0;
}

/** Bag-of-tokens F1 between one gold answer and the prediction; an empty side scores 1 only against an empty side. */
export function tokenF1(gold: string, pred: string): number {
  const g = tokensOf(gold);
  const p = tokensOf(pred);
  if (g.length === 0 || p.length === 0) return g.length === p.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface SquadScores {
  exactMatch: number;
  f1: number;
  total: number;
  /** Only when some references are unanswerable (SQuAD v2), as the official script's HasAns_* / NoAns_*. */
  hasAnsExactMatch?: number;
  hasAnsF1?: number;
  hasAnsTotal?: number;
  noAnsExactMatch?: number;
  noAnsF1?: number;
  noAnsTotal?: number;
}

/**
 * Percentages (0..100). Each question scores its best over the gold answers; gold answers that normalize to nothing
 * are dropped and a question left with none is unanswerable, whose gold is [""] (only an empty prediction matches).
 * A question with no prediction scores 0, as evaluate-v1.1 counts it (v2 would skip it and inflate the score).
 */
export function squadScores(preds: readonly { id: string; text: string }[], refs: readonly { id: string; answers: string[] }[]): SquadScores {
  const predicted = new Map(preds.map((p) => [p.id, p.text]));
  const em: number[] = [];
  const f1: number[] = [];
  const hasAns: boolean[] = [];
  for (const ref of refs) {
    const golds = ref.answers.filter((a) => normalizeAnswer(a) !== '');
    hasAns.push(golds.length > 0);
    const pred = predicted.get(ref.id);
    if (pred === undefined) {
      em.push(0);
      f1.push(0);
      continue;
    }
    const candidates = golds.length > 0 ? golds : [''];
    em.push(Math.max(...candidates.map((g) => exactMatch(g, pred))));
    f1.push(Math.max(...candidates.map((g) => tokenF1(g, pred))));
  }
  const percent = (xs: number[], keep: (i: number) => boolean) => {
    let sum = 0;
    let n = 0;
    xs.forEach((x, i) => {
      if (keep(i)) {
        sum += x;
        n++;
      }
    });
    return n === 0 ? 0 : (100 * sum) / n;
  };
  const all = () => true;
  const out: SquadScores = { exactMatch: percent(em, all), f1: percent(f1, all), total: refs.length };
  const noAnsTotal = hasAns.filter((h) => !h).length;
  if (noAnsTotal > 0) {
    const hasAnsTotal = refs.length - noAnsTotal;
    if (hasAnsTotal > 0) {
      out.hasAnsExactMatch = percent(em, (i) => hasAns[i]);
      out.hasAnsF1 = percent(f1, (i) => hasAns[i]);
      out.hasAnsTotal = hasAnsTotal;
    }
    out.noAnsExactMatch = percent(em, (i) => !hasAns[i]);
    out.noAnsF1 = percent(f1, (i) => !hasAns[i]);
    out.noAnsTotal = noAnsTotal;
  }
  return out;
}
