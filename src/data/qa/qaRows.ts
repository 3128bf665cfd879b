// One extractive-QA example and the checks every reader applies to it: the question and context are there, each
// answer's text really sits at its answer_start (a wrong offset trains the model on the wrong span without any error),
// and ids are unique. Offsets in files count Unicode code points (Python's str indexing, as SQuAD and HF datasets
// write them); QaExample offsets are JavaScript string indices (UTF-16), so context.slice(start, start + text.length)
// is the answer.
import { ColumnError, formatLocation, LabelError, type Location } from '../errors';

export interface QaExample {
  id: string;
  question: string;
  context: string;
  /** Parallel lists; both empty when the question has no answer in the context (SQuAD v2 is_impossible). */
  answers: { text: string[]; answerStart: number[] };
  /** 1-based line of the question in its file (SQuAD JSON: of its "question" key). */
  line: number;
  title?: string;
}

export interface QaDataset {
  file: string;
  format: 'squad' | 'jsonl';
  /** Any question without an answer: the model must learn to abstain (SQuAD v2). */
  version2: boolean;
  examples: QaExample[];
  warnings: string[];
}

/** A question as a reader found it, before its answers are checked against the context. */
export interface RawQa {
  id?: unknown;
  question?: unknown;
  context?: unknown;
  title?: unknown;
  answerTexts: unknown[];
  answerStarts: unknown[];
  /** Where the question sits (for messages), and a path inside the file where lines alone are ambiguous. */
  loc: Location;
  where: string;
  /** The id a question without one gets (the reader's running number). */
  fallbackId: string;
}

const quote = (s: string, max = 60) => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);

/** UTF-16 index of code point `cp` in `text`, or -1 past the end. */
function utf16Index(text: string, cp: number): number {
  let i = 0;
  for (let k = 0; k < cp; k++) {
    if (i >= text.length) return -1;
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return i <= text.length ? i : -1;
}

function codePointIndex(text: string, utf16: number): number {
  return [...text.slice(0, utf16)].length;
}

/** Where `answer` occurs in `context` closest to `near` (UTF-16), as a code-point offset; undefined if nowhere. */
function nearestOccurrence(context: string, answer: string, near: number): number | undefined {
  let best: number | undefined;
  for (let at = context.indexOf(answer); at !== -1; at = context.indexOf(answer, at + 1)) {
    if (best === undefined || Math.abs(at - near) < Math.abs(best - near)) best = at;
  }
  return best === undefined ? undefined : codePointIndex(context, best);
}

/** Validates one question and converts its answer offsets to string indices; throws a DatasetError naming the spot. */
export function checkQa(raw: RawQa): QaExample {
  const at = `${raw.where}`;
  const id = raw.id === undefined || raw.id === null ? raw.fallbackId : String(raw.id);
  for (const field of ['question', 'context'] as const) {
    const v = raw[field];
    if (typeof v !== 'string' || v.trim() === '') {
      const found = v === undefined ? 'it is missing' : `found ${typeof v === 'string' ? 'an empty string' : JSON.stringify(v)}`;
      throw new ColumnError('missing-column', raw.loc, `question ${quote(id)} (${at}) has no ${field}: ${found}; expected a non-empty string`);
    }
  }
  const context = raw.context as string;
  if (raw.answerTexts.length !== raw.answerStarts.length) {
    throw new LabelError('bad-label', raw.loc,
      `question ${quote(id)} (${at}) has ${raw.answerTexts.length} answer texts but ${raw.answerStarts.length} answer_start values; ` +
      'expected one answer_start per answer text');
  }
  const text: string[] = [];
  const answerStart: number[] = [];
  raw.answerTexts.forEach((t, k) => {
    const s = raw.answerStarts[k];
    if (typeof t !== 'string' || t === '') {
      throw new LabelError('bad-label', raw.loc, `question ${quote(id)} (${at}): answer ${k + 1} has text ${JSON.stringify(t)}; expected a non-empty string`);
    }
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
      throw new LabelError('bad-label', raw.loc, `question ${quote(id)} (${at}): answer ${k + 1} has answer_start ${JSON.stringify(s)}; expected a character offset (an integer ≥ 0)`);
    }
    // Code points first (SQuAD, HF datasets); UTF-16 units as written by JavaScript tools are accepted too.
    const cp = utf16Index(context, s);
    const start = cp !== -1 && context.startsWith(t, cp) ? cp : context.startsWith(t, s) ? s : -1;
    if (start === -1) {
      const foundThere = cp === -1 ? `the context is only ${[...context].length} characters long` : `the context holds ${quote(context.slice(cp, cp + t.length))} there`;
      const nearest = nearestOccurrence(context, t, cp === -1 ? context.length : cp);
      const fix = nearest === undefined
        ? `${quote(t)} does not occur in the context; fix the answer text`
        : `${quote(t)} occurs at ${nearest}: set answer_start to ${nearest}`;
      throw new LabelError('bad-label', raw.loc, `question ${quote(id)} (${at}): answer ${quote(t)} is not at answer_start ${s} (${foundThere}); ${fix}`);
    }
    text.push(t);
    answerStart.push(start);
  });
  const example: QaExample = { id, question: raw.question as string, context, answers: { text, answerStart }, line: raw.loc.line ?? 0 };
  if (typeof raw.title === 'string' && raw.title !== '') example.title = raw.title;
  return example;
}

/** Repeated ids make predictions ambiguous (metrics join on id): one warning listing the first few. */
export function duplicateIdWarning(file: string, examples: readonly QaExample[]): string | undefined {
  const first = new Map<string, number>();
  const repeats: string[] = [];
  let count = 0;
  for (const e of examples) {
    const seen = first.get(e.id);
    if (seen === undefined) first.set(e.id, e.line);
    else {
      count++;
      if (repeats.length < 5) repeats.push(`${quote(e.id)} at line ${e.line} (first at line ${seen})`);
    }
  }
  if (count === 0) return undefined;
  return `${formatLocation({ file })}: ${count} question id${count === 1 ? ' is' : 's are'} repeated: ${repeats.join(', ')}${count > 5 ? ` and ${count - 5} more` : ''}; ` +
    'predictions and metrics are matched by id, so give each question its own id';
}
