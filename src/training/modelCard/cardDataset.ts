// The training data as the card names it. The Hub's `datasets:` and model-index `dataset.type` want Hub dataset ids
// (hub-docs modelcard.md: "Use dataset id from https://hf.co/datasets"); a data file is one only when it sits in a
// Hugging Face cache snapshot (datasets--org--name/snapshots/<sha>/...). A local file gets no Hub id: the model-index
// names it by the `datasets` builder that loads such a file (load_dataset("csv", data_files=...)), as the HF Trainer's
// cards do for local folders (e.g. "imagefolder"), and the card's text names the file and its fingerprint.
import * as path from 'node:path';
import type { RunRecord } from '../runStore';

export interface CardDataset {
  hubId?: string;
  /** The data file's name (not its full path: a card is meant to be shared, the user's folders are not). */
  file: string;
  /** model-index dataset.type: the Hub id, else the builder name. */
  type: string;
  /** model-index dataset.name. */
  name: string;
  fingerprint: string;
}

/** `org/name` for a file inside a Hugging Face cache dataset snapshot, else undefined. */
export function cacheDatasetId(file: string): string | undefined {
  const parts = path.resolve(file).split(/[\\/]+/);
  const i = parts.findIndex((p, k) => p.startsWith('datasets--') && parts[k + 1] === 'snapshots' && parts[k + 2]);
  return i < 0 ? undefined : parts[i].slice('datasets--'.length).split('--').join('/');
}

const BUILDERS: Record<string, string> = { '.csv': 'csv', '.tsv': 'csv', '.json': 'json', '.jsonl': 'json', '.parquet': 'parquet', '.txt': 'text', '.conll': 'text' };

export function cardDataset(record: RunRecord): CardDataset {
  const file = path.basename(record.dataset.path);
  const hubId = cacheDatasetId(record.dataset.path);
  const builder = BUILDERS[path.extname(file).toLowerCase()] ?? 'text';
  return { hubId, file, type: hubId ?? builder, name: hubId ?? `${file} (local file)`, fingerprint: record.dataset.fingerprint };
}
