// A JSON file holding one object of columns rather than rows: {"text": [...], "label": [...]} (a dict of lists, as
// `json.dump(dataset.to_dict())` writes) or {"text": {"0": ...}, "label": {"0": ...}} (pandas' default to_json). Read
// as rows it would be one example whose text is a whole column, so it is refused with its shape named.
import { MalformedRowError } from '../errors';

export type ColumnarShape = 'lists' | 'objects';

/** The columnar shape of a parsed top-level object, or undefined when it looks like an ordinary row. */
export function columnarShapeOf(value: Record<string, unknown>): ColumnarShape | undefined {
  const values = Object.values(value);
  if (!values.length) return undefined;
  // A list of objects is rows kept under one field ({"data": [{...}]}), not a column.
  if (values.every((v) => Array.isArray(v) && !v.some((x) => x !== null && typeof x === 'object'))) return 'lists';
  if (values.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) return 'objects';
  return undefined;
}

/**
 * The shape of a pretty-printed top-level object from the start of its text: what its first property's value opens
 * with. Undefined when the first value is a string or number (an ordinary row split over lines).
 */
export function columnarShapeOfHead(head: string): ColumnarShape | undefined {
  const m = /^\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*([[{])\s*(.)?/.exec(head);
  if (!m) return undefined;
  if (m[1] === '{') return 'objects';
  return m[2] === '{' ? undefined : 'lists';
}

export function columnarJsonError(file: string, shape: ColumnarShape, columns?: readonly string[]): MalformedRowError {
  const names = columns?.length ? ` (columns ${columns.slice(0, 5).map((c) => `"${c}"`).join(', ')}${columns.length > 5 ? ', …' : ''})` : '';
  const written = shape === 'lists'
    ? 'one object whose fields are lists of column values: {"text": [...], "label": [...]}'
    : 'one object whose fields map row indexes to values: {"text": {"0": ...}, "label": {"0": ...}} (pandas\' default to_json)';
  return new MalformedRowError('columnar-json', { file, line: 1, column: 1 },
    `the file holds ${written}${names}, which is columns, not rows. Write one row per object instead, ` +
    'e.g. in Python: pandas.DataFrame(data).to_json("train.jsonl", orient="records", lines=True).');
}
