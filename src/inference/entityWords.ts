// Words of a selection as NER models see them. NER corpora (CoNLL, WikiANN, OntoNotes) write punctuation as words of
// its own ("Paris" "," not "Paris,"), so a whitespace split alone would glue commas and brackets to entities and the
// model would tag a kind of word it never saw in training. Leading and trailing punctuation is split off; inner
// punctuation stays ("U.S.", "don't", "e-mail"), as does the final dot of an abbreviation with inner dots.
import type { WordSpan } from '../models/wordEncoding';

const PUNCT = /[\p{P}\p{S}]/u;

function splitEdges(text: string, start: number): WordSpan[] {
  let a = 0;
  let b = text.length;
  const lead: WordSpan[] = [];
  const trail: WordSpan[] = [];
  while (a < b && PUNCT.test(text[a])) {
    lead.push({ text: text[a], start: start + a, end: start + a + 1 });
    a++;
  }
  while (b > a && PUNCT.test(text[b - 1])) {
    const core = text.slice(a, b - 1);
    // "U.S." keeps its dot: the word is an abbreviation, not a word followed by a full stop.
    if (text[b - 1] === '.' && core.includes('.') && !PUNCT.test(core[core.length - 1] ?? '')) break;
    trail.unshift({ text: text[b - 1], start: start + b - 1, end: start + b });
    b--;
  }
  const middle = a < b ? [{ text: text.slice(a, b), start: start + a, end: start + b }] : [];
  return [...lead, ...middle, ...trail];
}

/** The selection's words with their char spans [start, end) in `text`, in order. */
export function entityWords(text: string): WordSpan[] {
  const out: WordSpan[] = [];
  for (const m of text.matchAll(/\S+/gu)) out.push(...splitEdges(m[0], m.index ?? 0));
  return out;
}
