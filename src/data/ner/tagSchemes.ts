// Entity tag schemes: reading one tag, telling IOB1 / IOB2 / BIOES / IO apart from a file's sequences, and rewriting
// every sequence as IOB2, the one scheme the rest of the engine (labels, seqeval, export) speaks.

export type TagScheme = 'IOB1' | 'IOB2' | 'BIOES' | 'IO';

export type TagPrefix = 'B' | 'I' | 'E' | 'S';

/** A tag split into its prefix and entity type; `O` has neither. */
export type ParsedTag = { prefix: 'O' } | { prefix: TagPrefix; type: string };

const EXPECTED = 'expected O, or B-/I- (IOB) or B-/I-/E-/S- (BIOES) followed by the entity type, like "B-PER"';

/** The tag's prefix and type, or what is wrong with its shape and what was expected instead. */
export function parseTag(tag: string): ParsedTag | { problem: string } {
  if (tag === 'O') return { prefix: 'O' };
  const ok = /^([BIES])-(\S.*)$/.exec(tag);
  if (ok) return { prefix: ok[1] as TagPrefix, type: ok[2] };
  const shown = JSON.stringify(tag);
  const underscore = /^([BIES])_(.+)$/.exec(tag);
  if (underscore) return { problem: `tag ${shown} joins prefix and type with "_"; expected "${underscore[1]}-${underscore[2]}"` };
  const suffix = /^(.+)[-_]([BIES])$/.exec(tag);
  if (suffix) return { problem: `tag ${shown} puts the prefix last; expected "${suffix[2]}-${suffix[1]}" (prefix first)` };
  const bilou = /^([LU])-(.+)$/.exec(tag);
  if (bilou) {
    const as = bilou[1] === 'U' ? 'S' : 'E';
    return { problem: `tag ${shown} is BILOU; rename U- to S- and L- to E- (BIOES), here "${as}-${bilou[2]}"` };
  }
  if (/^[bies]-/.test(tag) || tag === 'o') return { problem: `tag ${shown} has a lower-case prefix; expected "${tag[0].toUpperCase()}${tag.slice(1)}"` };
  if (tag === '') return { problem: `the tag is empty; ${EXPECTED}` };
  return { problem: `tag ${shown} is not a tag shape this reader knows; ${EXPECTED}` };
}

function sameEntity(prev: ParsedTag | undefined, type: string): boolean {
  return prev !== undefined && prev.prefix !== 'O' && prev.type === type;
}

/**
 * The scheme a file is written in, judged from all its sequences. E-/S- only occur in BIOES. Without them, what
 * separates IOB2 from IOB1 is where B- appears: IOB2 puts it at every entity start (after O or another type), IOB1
 * only between two adjacent entities of one type, and starts entities with I-. A file with no B- at all is IO. The
 * majority decides between IOB1 and IOB2, so a few slips in an IOB2 file (I- after O) stay IOB2 and are repaired
 * with a warning instead of flipping the whole file's reading.
 */
export function detectScheme(sequences: readonly (readonly ParsedTag[])[]): TagScheme {
  let bioes = false;
  let anyB = false;
  let bAfterBreak = 0;
  let iAfterBreak = 0;
  for (const seq of sequences) {
    seq.forEach((t, k) => {
      if (t.prefix === 'O') return;
      if (t.prefix === 'E' || t.prefix === 'S') bioes = true;
      if (t.prefix === 'B') anyB = true;
      const continues = sameEntity(seq[k - 1], t.type);
      if (t.prefix === 'B' && !continues) bAfterBreak++;
      if (t.prefix === 'I' && !continues) iAfterBreak++;
    });
  }
  if (bioes) return 'BIOES';
  if (!anyB) return iAfterBreak ? 'IO' : 'IOB2';
  return iAfterBreak > bAfterBreak ? 'IOB1' : 'IOB2';
}

export interface Normalized {
  /** The sequence in IOB2. */
  tags: string[];
  /**
   * Positions where an I- (or E-) started an entity although the scheme says an entity starts with B- (IOB2) or
   * B-/S- (BIOES). They are read as entity starts, as seqeval's default mode (conlleval) reads them.
   */
  repaired: number[];
}

/**
 * Rewrites one sequence in IOB2: S- becomes B-, E- becomes I-, and an I- that does not continue an entity of its
 * own type becomes B-. In IOB1 and IO that last rewrite is the scheme itself; in IOB2 and BIOES it is a repair,
 * reported in `repaired`.
 */
export function toIob2(seq: readonly ParsedTag[], scheme: TagScheme): Normalized {
  const tags: string[] = [];
  const repaired: number[] = [];
  seq.forEach((t, k) => {
    if (t.prefix === 'O') {
      tags.push('O');
      return;
    }
    const starts = t.prefix === 'B' || t.prefix === 'S';
    if (starts) {
      tags.push(`B-${t.type}`);
      return;
    }
    // I- or E-: inside an entity when the previous tag belongs to one of the same type and that entity is still open
    // (BIOES closes an entity at E- and S-).
    const prev = seq[k - 1];
    const open = sameEntity(prev, t.type) && !(scheme === 'BIOES' && (prev.prefix === 'E' || prev.prefix === 'S'));
    if (open) {
      tags.push(`I-${t.type}`);
      return;
    }
    tags.push(`B-${t.type}`);
    if (scheme === 'IOB2' || scheme === 'BIOES') repaired.push(k);
  });
  return { tags, repaired };
}

/** The IOB2 tag set of these entity types: 'O' first, then B-X, I-X for each type X in sorted order. */
export function iob2Labels(types: Iterable<string>): string[] {
  const sorted = [...new Set(types)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ['O', ...sorted.flatMap((t) => [`B-${t}`, `I-${t}`])];
}
