// Which workspace files can be datasets, judged by extension only (readers and validation live beside this).
import * as path from 'node:path';

export type DatasetFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'text';

const BY_EXTENSION: Record<string, DatasetFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.txt': 'text',
  '.md': 'text',
};

export function datasetFormatOf(file: string): DatasetFormat | undefined {
  return BY_EXTENSION[path.extname(file).toLowerCase()];
}

/** Files that are JSON but never datasets: model and tool configuration. */
const NOT_DATASETS = new Set([
  'config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'package.json',
  'package-lock.json', 'tsconfig.json', 'model.safetensors.index.json', 'generation_config.json', 'run.json',
  'modules.json', 'config_sentence_transformers.json', 'preprocessor_config.json', 'vocab.json', 'added_tokens.json',
]);

export function isCandidateDataset(file: string): boolean {
  const format = datasetFormatOf(file);
  if (!format) return false;
  const base = path.basename(file).toLowerCase();
  if (NOT_DATASETS.has(base)) return false;
  // Text files are only offered as unlabeled MLM corpora; READMEs and changelogs are not.
  if (format === 'text' && /^(readme|changelog|license|contributing)/.test(base)) return false;
  return true;
}
