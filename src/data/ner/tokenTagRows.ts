// Rows that hold a sentence as two lists, as Hugging Face datasets write them (conll2003, wnut_17, ...): `tokens` and
// `ner_tags`, the tags either names or class ids. Ids need names: given by the caller, or read from the
// dataset_info.json that `save_to_disk` and Hub exports put beside the data (features.ner_tags.feature.names).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ColumnError, DatasetError, LabelError, MalformedRowError } from '../errors';
import { readNerRows } from './nerRows';
import { locateInRow } from './rowPosition';
import type { RawSentence } from './sentence';

export const TOKEN_COLUMNS = ['tokens', 'words', 'token', 'sentence'];
export const TAG_COLUMNS = ['ner_tags', 'tags', 'ner', 'labels', 'label', 'ner_labels', 'entity_tags'];

export interface TokenTagColumns { tokens: string; tags: string }

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** The token and tag columns of a row: the given names, else the first known names that hold lists. */
export function tokenTagColumns(row: Record<string, unknown>, given: { tokens?: string; tags?: string } = {}): TokenTagColumns | undefined {
  const tokens = given.tokens ?? TOKEN_COLUMNS.find((c) => isList(row[c]) && (row[c] as unknown[]).every((t) => typeof t === 'string'));
  const tags = given.tags ?? TAG_COLUMNS.find((c) => isList(row[c]));
  return tokens && tags ? { tokens, tags } : undefined;
}

/**
 * Tag names for the ids of `tagColumn` from a dataset_info.json beside `file` (or in the folder above, where
 * `DatasetDict.save_to_disk` keeps one per split): `features[tagColumn].feature.names`, also under a configuration
 * name as older dataset_infos.json files nest it.
 */
export function namesFromDatasetInfo(file: string, tagColumn: string): { names: string[]; from: string } | undefined {
  const dir = path.dirname(file);
  for (const candidate of [path.join(dir, 'dataset_info.json'), path.join(dir, 'dataset_infos.json'), path.join(path.dirname(dir), 'dataset_info.json')]) {
    let info: unknown;
    try {
      info = JSON.parse(fs.readFileSync(candidate, 'utf8'));
    } catch {
      continue;
    }
    const infos = info && typeof info === 'object' ? [info, ...Object.values(info as object)] : [];
    for (const i of infos) {
      const feature = (i as { features?: Record<string, { feature?: { names?: unknown } }> } | null)?.features?.[tagColumn]?.feature;
      const names = feature?.names;
      if (Array.isArray(names) && names.length && names.every((n) => typeof n === 'string')) return { names, from: candidate };
    }
  }
  return undefined;
}

export interface TokenTagOptions {
  labelNames?: string[];
  columns?: { tokens?: string; tags?: string };
}

/** Sentences of a JSONL / JSON / Parquet file of token and tag lists. */
export async function readTokenTagRows(file: string, o: TokenTagOptions = {}): Promise<RawSentence[]> {
  const rows = await readNerRows(file);
  if (!rows.length) throw new DatasetError('empty-dataset', { file }, 'the file has no rows');
  const unit = path.extname(file).toLowerCase() === '.parquet' ? 'row' : 'line';
  const columns = tokenTagColumns(rows[0].row, o.columns);
  if (!columns) {
    throw new ColumnError('missing-column', { file, line: rows[0].line, unit },
      `found the fields ${Object.keys(rows[0].row).join(', ')}; expected a list of tokens (${TOKEN_COLUMNS.map((c) => `"${c}"`).join(', ')}) ` +
      `and a list of tags (${TAG_COLUMNS.map((c) => `"${c}"`).join(', ')}), or name them in the column settings`);
  }
  let names: string[] | undefined;
  let namesFrom = '';
  const namesFor = async (line: number, id: number): Promise<string[]> => {
    if (names) return names;
    if (o.labelNames?.length) {
      names = o.labelNames;
      namesFrom = 'labelNames';
    } else {
      const info = namesFromDatasetInfo(file, columns.tags);
      if (!info) {
        throw new LabelError('bad-label', await locateInRow(file, line, [columns.tags], unit),
          `"${columns.tags}" holds tag ids (e.g. ${id}) but no tag names are known; give the names in id order ` +
          `(run configuration "labelNames": ["O", "B-PER", "I-PER", ...]) or put the dataset_info.json that Hugging Face ` +
          `save_to_disk writes (features.${columns.tags}.feature.names) next to the file`);
      }
      names = info.names;
      namesFrom = path.basename(info.from);
    }
    return names;
  };

  const out: RawSentence[] = [];
  for (const { row, line } of rows) {
    const where = (k: number) => locateInRow(file, line, [columns.tags, k], unit);
    const tokens = row[columns.tokens];
    const tags = row[columns.tags];
    for (const [name, v] of [[columns.tokens, tokens], [columns.tags, tags]] as const) {
      if (!isList(v)) {
        throw new MalformedRowError('missing-column', await locateInRow(file, line, [name], unit),
          v === undefined ? `this row has no "${name}" field; expected a list like the other rows` : `"${name}" holds ${JSON.stringify(v).slice(0, 40)}; expected a list`);
      }
    }
    const tokenList = tokens as unknown[];
    const tagList = tags as unknown[];
    const badToken = tokenList.findIndex((t) => typeof t !== 'string');
    if (badToken !== -1) {
      throw new MalformedRowError('bad-label', await locateInRow(file, line, [columns.tokens, badToken], unit),
        `token ${badToken + 1} is ${JSON.stringify(tokenList[badToken])}; expected every token to be a string`);
    }
    if (tokenList.length !== tagList.length) {
      throw new MalformedRowError('field-count', await locateInRow(file, line, [columns.tags], unit),
        `${tokenList.length} token(s) in "${columns.tokens}" but ${tagList.length} tag(s) in "${columns.tags}"; expected exactly one tag per token`);
    }
    const named: string[] = [];
    for (let k = 0; k < tagList.length; k++) {
      const t = tagList[k];
      if (typeof t === 'string') {
        named.push(t);
      } else if (typeof t === 'number' && Number.isInteger(t)) {
        const n = await namesFor(line, t);
        if (t < 0 || t >= n.length) {
          throw new LabelError('bad-label', await where(k),
            `tag id ${t} is out of range; ${namesFrom} names ${n.length} tags (ids 0 to ${n.length - 1})`);
        }
        named.push(n[t]);
      } else {
        throw new LabelError('bad-label', await where(k), `tag ${JSON.stringify(t)}; expected a tag name like "B-PER" or an integer tag id`);
      }
    }
    out.push({ tokens: tokenList as string[], tags: named, line, lineOf: () => line, where });
  }
  return out;
}
