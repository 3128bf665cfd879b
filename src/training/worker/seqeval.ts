// Entity-level NER metrics with seqeval's semantics (v1.2, what HF run_ner and `evaluate` report), so our numbers
// compare one to one with published ones. Two ways to read entities off tags:
// - default: conlleval's chunking. Lenient: an I- without a B- starts an entity, a change of type ends one.
// - strict (seqeval mode='strict'): the scheme's own rules. In IOB2 an I- without a B- is no entity, and in BIOES an
//   entity counts only when it is closed by E-/S-.
// Scores are micro (all entities pooled), macro (mean of per-type F1) and weighted (per-type F1 weighted by support)
// over the types seen in either truth or prediction, zero where a denominator is zero (seqeval's zero_division=0).
import type { ClassReport } from './metrics';

/** Tagging schemes (the same union as data/ner's TagScheme). seqeval has no IO scheme: strict IO reads as IOB1. */
export type TagScheme = 'IOB1' | 'IOB2' | 'BIOES' | 'IO';

export interface Entity {
  type: string;
  /** Word indices, end exclusive. */
  start: number;
  end: number;
}

export interface SeqevalOptions {
  mode?: 'default' | 'strict';
  /** Strict mode only; IOB2 when absent (data/ner normalizes every dataset to IOB2). */
  scheme?: TagScheme;
}

export interface SeqevalReport {
  precision: number;
  recall: number;
  f1: number;
  macroF1: number;
  weightedF1: number;
  /** Token accuracy: tags equal, O included. */
  accuracy: number;
  /** Per entity type, sorted by name: support = true entities, predicted = predicted entities. */
  perType: ClassReport[];
}

export function extractEntities(tags: readonly string[], o: SeqevalOptions = {}): Entity[] {
  return o.mode === 'strict' ? strictEntities(tags, o.scheme ?? 'IOB2', '') : conllEntities(tags);
}

export function seqevalReport(truth: readonly string[][], pred: readonly string[][], o: SeqevalOptions = {}): SeqevalReport {
  if (truth.length !== pred.length) throw new RangeError(`seqeval: ${truth.length} reference sentences but ${pred.length} predicted ones; they must match one to one.`);
  let correctTags = 0;
  let totalTags = 0;
  // Per type: entity keys "sentence:start:end".
  const trueByType = new Map<string, Set<string>>();
  const predByType = new Map<string, Set<string>>();
  const collect = (into: Map<string, Set<string>>, tags: readonly string[], s: number, side: string) => {
    const found = o.mode === 'strict' ? strictEntities(tags, o.scheme ?? 'IOB2', ` (${side} sentence ${s})`) : conllEntities(tags);
    for (const e of found) {
      if (!into.has(e.type)) into.set(e.type, new Set());
      into.get(e.type)?.add(`${s}:${e.start}:${e.end}`);
    }
  };
  truth.forEach((t, s) => {
    const p = pred[s];
    if (t.length !== p.length) throw new RangeError(`seqeval: sentence ${s} has ${t.length} reference tags but ${p.length} predicted tags; they must match one to one.`);
    for (let k = 0; k < t.length; k++) if (t[k] === p[k]) correctTags++;
    totalTags += t.length;
    collect(trueByType, t, s, 'reference');
    collect(predByType, p, s, 'predicted');
  });
  const types = [...new Set([...trueByType.keys(), ...predByType.keys()])].sort();
  let [tpAll, predAll, trueAll] = [0, 0, 0];
  const perType: ClassReport[] = types.map((type) => {
    const t = trueByType.get(type) ?? new Set<string>();
    const p = predByType.get(type) ?? new Set<string>();
    let tp = 0;
    for (const key of p) if (t.has(key)) tp++;
    tpAll += tp;
    predAll += p.size;
    trueAll += t.size;
    const precision = ratio(tp, p.size);
    const recall = ratio(tp, t.size);
    return { label: type, precision, recall, f1: f1Of(precision, recall), support: t.size, predicted: p.size };
  });
  const precision = ratio(tpAll, predAll);
  const recall = ratio(tpAll, trueAll);
  return {
    precision,
    recall,
    f1: f1Of(precision, recall),
    macroF1: ratio(perType.reduce((s, c) => s + c.f1, 0), perType.length),
    weightedF1: ratio(perType.reduce((s, c) => s + c.f1 * c.support, 0), trueAll),
    accuracy: ratio(correctTags, totalTags),
    perType,
  };
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1Of = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/**
 * conlleval's chunking (seqeval get_entities): walk the tags with an O sentinel at the end; a chunk ends between two
 * words when the previous one closes it (E, S, B or I followed by B/S/O, or any type change) and starts when the
 * current one opens it (B, S, I or E after O/E/S, or any type change).
 */
function conllEntities(tags: readonly string[]): Entity[] {
  const out: Entity[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  [...tags, 'O'].forEach((chunk, i) => {
    const tag = chunk.charAt(0);
    const rest = chunk.slice(1);
    const dash = rest.indexOf('-');
    const type = (dash >= 0 ? rest.slice(dash + 1) : rest) || '_';
    if (chunkEnds(prevTag, tag, prevType, type)) out.push({ type: prevType, start: begin, end: i });
    if (chunkStarts(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return out;
}

function chunkEnds(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  // '.' is conlleval's sentence-boundary tag: it belongs to no chunk.
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function chunkStarts(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/** [previous prefixes, current prefixes, type relation]: a transition between two tokens that a scheme names. */
type Pattern = [string, string, 'same' | 'diff' | 'any'];

interface SchemeRules {
  allowed: string;
  /** The current token opens an entity. */
  start: Pattern[];
  /** The current token continues the entity the previous one is in. */
  inside: Pattern[];
  /** The previous token closes a well-formed entity. */
  end: Pattern[];
}

const ANY = 'IOBES';

// seqeval's scheme.py tables (IOB1, IOB2, IOBES), transition by transition.
const IOB1: SchemeRules = {
  allowed: 'IOB',
  start: [['O', 'I', 'any'], ['I', 'I', 'diff'], ['B', 'I', 'any'], ['I', 'B', 'same'], ['B', 'B', 'same']],
  inside: [['B', 'I', 'same'], ['I', 'I', 'same']],
  end: [['I', 'I', 'diff'], ['I', 'O', 'any'], ['I', 'B', 'any'], ['B', 'O', 'any'], ['B', 'I', 'diff'], ['B', 'B', 'same']],
};

const RULES: Record<TagScheme, SchemeRules> = {
  IOB1,
  IO: { ...IOB1, allowed: 'IO' },
  IOB2: {
    allowed: 'IOB',
    start: [[ANY, 'B', 'any']],
    inside: [['B', 'I', 'same'], ['I', 'I', 'same']],
    end: [['I', 'O', 'any'], ['I', 'I', 'diff'], ['I', 'B', 'any'], ['B', 'O', 'any'], ['B', 'I', 'diff'], ['B', 'B', 'any']],
  },
  BIOES: {
    allowed: 'IOBES',
    start: [[ANY, 'B', 'any'], [ANY, 'S', 'any']],
    inside: [['B', 'I', 'same'], ['B', 'E', 'same'], ['I', 'I', 'same'], ['I', 'E', 'same']],
    end: [['S', ANY, 'any'], ['E', ANY, 'any']],
  },
};

interface StrictToken { prefix: string; type: string }

function matches(patterns: readonly Pattern[], prev: StrictToken, cur: StrictToken): boolean {
  return patterns.some(([p, c, rel]) => p.includes(prev.prefix) && c.includes(cur.prefix)
    && (rel === 'any' || (rel === 'same') === (prev.type === cur.type)));
}

/**
 * seqeval's strict reading: an entity starts where the scheme says one may start, runs while tokens continue it,
 * and counts only if the scheme accepts how it ends; otherwise its tokens are skipped.
 */
function strictEntities(tags: readonly string[], scheme: TagScheme, where: string): Entity[] {
  const rules = RULES[scheme];
  const outside: StrictToken = { prefix: 'O', type: '_' };
  const tokens: StrictToken[] = tags.map((t, k) => {
    const prefix = t.charAt(0);
    if (!prefix || !rules.allowed.includes(prefix)) {
      throw new RangeError(`seqeval strict ${scheme}: tag "${t}" at word ${k}${where} has prefix "${prefix}"; ${scheme} allows ${[...rules.allowed].join(', ')} (as "B-PER", "I-PER", "O").`);
    }
    return { prefix, type: t.slice(1).replace(/^-+|-+$/gu, '') || '_' };
  });
  tokens.push(outside);
  const out: Entity[] = [];
  let prev = outside;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (matches(rules.start, prev, token)) {
      let end = i + 1;
      // The O sentinel continues nothing, so this stops inside the array.
      while (matches(rules.inside, tokens[end - 1], tokens[end])) end++;
      if (matches(rules.end, tokens[end - 1], tokens[end])) out.push({ type: token.type, start: i, end });
      i = end;
    } else {
      i++;
    }
    prev = tokens[i - 1];
  }
  return out;
}
