// Label values → class keys → stable class ids. The order is a pure function of the set of labels (numeric order for
// integers, code-unit order for strings), so the same data always gives the same id2label, and the space is saved in
// run.json so evaluation and export use exactly the training ids.

export type LabelKind = 'int' | 'string' | 'multi' | 'float';

/** JSON-serialisable; goes verbatim into run.json. */
export interface LabelSpace {
  kind: LabelKind;
  /** Class names in id order (empty for float regression). */
  names: string[];
  /** Multi-label from a delimited string: the delimiter ("|", ";" or ","). */
  delimiter?: string;
}

export const MULTI_LABEL_DELIMITERS = ['|', ';', ','] as const;

const INT = /^[+-]?\d+$/;
const INTEGRAL_FLOAT = /^[+-]?\d+\.0+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A list written as text: JSON ("[\"a\", \"b\"]") or Python's repr ("['a', 'b']"), which is what pandas writes to CSV
 * for a list column. Undefined when the text is not such a list.
 */
export function parseListString(text: string): string[] | undefined {
  const s = text.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return undefined;
  for (const candidate of [s, s.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, inner: string) => JSON.stringify(inner.replace(/\\'/g, "'")))]) {
    try {
      const v: unknown = JSON.parse(candidate);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
    } catch {
      // not this notation
    }
  }
  return undefined;
}

/**
 * Values that mean "no label": pandas' default `na_values` (what `read_csv`, and so Hugging Face `datasets`, turn into
 * a missing value), JSON null and a NaN number. One rule for all of them: the row is skipped and counted, so "nan" can
 * never become a class while an empty cell is dropped.
 */
const MISSING_LABELS = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL',
  'NaN', 'None', 'n/a', 'nan', 'null',
]);

export function isMissingLabel(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return Number.isNaN(value);
  return typeof value === 'string' && MISSING_LABELS.has(value.trim());
}

/** What a single raw label value looks like, before the column's kind is decided. */
export type ValueShape = 'empty' | 'int' | 'float' | 'text' | 'list' | 'object';

export function shapeOf(value: unknown): ValueShape {
  if (isMissingLabel(value)) return 'empty';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : Number.isFinite(value) ? 'float' : 'text';
  if (typeof value === 'boolean') return 'text';
  if (typeof value === 'object') return 'object';
  const s = String(value).trim();
  if (parseListString(s)) return 'list';
  // "1.0" is how pandas writes an integer label column that has a missing value: still a class, not a target.
  if (INT.test(s) || INTEGRAL_FLOAT.test(s)) return 'int';
  if (FLOAT.test(s)) return 'float';
  return 'text';
}

/** A value for messages: JSON, cut short so one huge cell cannot flood them. */
export function previewValue(value: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Why an object (or a list holding objects) cannot be a label, and what to do instead. */
export function objectLabelProblem(value: unknown): string {
  return `found an object ${previewValue(value)} where a label belongs; a label must be a string, an integer, a number ` +
    'or a list of strings. Pick the field inside it that holds the class (e.g. flatten the rows with pandas.json_normalize ' +
    'and choose that column as the label)';
}

/**
 * The exact class name of an integer label: sign, no leading zeros, no ".0" ("+007", "7.0" and 7 are class "7").
 * Taken from the text, never through a double, so 2^60 and 2^60 + 1 stay two classes.
 */
export function integerKey(value: unknown): string {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  if (typeof value === 'bigint') return value.toString();
  const m = /^([+-]?)0*(\d+?)(?:\.0+)?$/.exec(String(value).trim())!;
  return m[2] === '0' || m[1] !== '-' ? m[2] : `-${m[2]}`;
}

/**
 * The class key(s) of a value for a column of `kind`, or an explanation of why it does not fit. Ints are normalised
 * ("01" and 1 are the same class). `code` marks problems that are about the value's type rather than the column's.
 */
export function labelKey(value: unknown, kind: LabelKind, delimiter?: string): { key: string | string[] | number } | { problem: string; code?: 'object-label' } {
  const shape = shapeOf(value);
  if (shape === 'object' || (Array.isArray(value) && value.some((x) => x !== null && typeof x === 'object'))) {
    return { problem: objectLabelProblem(value), code: 'object-label' };
  }
  switch (kind) {
    case 'float': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      return shape === 'int' || shape === 'float' ? { key: n } : { problem: `expected a number for regression but found ${previewValue(value)}` };
    }
    case 'int':
      return shape === 'int' ? { key: integerKey(value) } : { problem: `expected an integer class but found ${previewValue(value)}` };
    case 'string':
      return shape === 'list' ? { problem: `expected one label but found a list ${JSON.stringify(value)}` } : { key: String(value).trim() };
    case 'multi': {
      const listed = Array.isArray(value) ? value.map(String) : parseListString(String(value));
      const parts = listed
        ? listed.map((v) => v.trim())
        : delimiter ? String(value).split(delimiter).map((v) => v.trim()) : [String(value).trim()];
      return { key: [...new Set(parts.filter((p) => p.length > 0))] };
    }
  }
}

/** Numeric order when every name is an integer, else code-unit order (locale-independent, so stable everywhere). */
export function sortLabelNames(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  // Compared as BigInt: 2^60 and 2^60 + 1 are equal as doubles, and their order must not depend on arrival.
  if (list.every((n) => INT.test(n))) return list.sort((a, b) => { const d = BigInt(a) - BigInt(b); return d < 0n ? -1 : d > 0n ? 1 : 0; });
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function buildLabelSpace(kind: LabelKind, names: Iterable<string>, delimiter?: string): LabelSpace {
  const space: LabelSpace = { kind, names: kind === 'float' ? [] : sortLabelNames(names) };
  if (kind === 'multi' && delimiter) space.delimiter = delimiter;
  return space;
}

export function labelIndex(space: LabelSpace): Map<string, number> {
  return new Map(space.names.map((n, i) => [n, i]));
}

/** The config.json `id2label` / `label2id` pair for export. */
export function labelMaps(space: LabelSpace): { id2label: Record<string, string>; label2id: Record<string, number> } {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  space.names.forEach((n, i) => {
    id2label[String(i)] = n;
    label2id[n] = i;
  });
  return { id2label, label2id };
}

/** Reads a label space back from run.json, rejecting anything that is not one. */
export function parseLabelSpace(json: unknown): LabelSpace | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  if (!['int', 'string', 'multi', 'float'].includes(o.kind as string)) return undefined;
  if (!Array.isArray(o.names) || !o.names.every((n) => typeof n === 'string')) return undefined;
  const space: LabelSpace = { kind: o.kind as LabelKind, names: [...o.names] as string[] };
  if (typeof o.delimiter === 'string') space.delimiter = o.delimiter;
  return space;
}
