// Rows of a JSONL / JSON / Parquet NER file through the shared readers. One exception to their rules: a file whose
// only row is {"tokens": [...], "ner_tags": [...]} looks like a table written as columns (which the readers refuse),
// but for token classification it is one sentence, so it is read as that row.
import { DatasetError } from '../errors';
import { readRows, type RawRow } from '../readers';
import { readJsonl } from '../readers/jsonlReader';

/** The first `limit` rows (all by default). */
export async function readNerRows(file: string, limit = Infinity): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  if (limit <= 0) return rows;
  try {
    for await (const r of readRows(file)) {
      rows.push(r);
      if (rows.length >= limit) break;
    }
  } catch (e) {
    if (!(e instanceof DatasetError && e.code === 'columnar-json' && !rows.length)) throw e;
    try {
      for await (const r of readJsonl(file)) rows.push(r);
    } catch {
      throw e; // an object spread over lines: the readers' own message says what it is
    }
  }
  return rows;
}
