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

/** Files that are JSON or text but never datasets: model, trainer and tool files. */
const NOT_DATASETS = new Set([
  'config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'package.json',
  'package-lock.json', 'tsconfig.json', 'model.safetensors.index.json', 'generation_config.json', 'run.json',
  'modules.json', 'config_sentence_transformers.json', 'preprocessor_config.json', 'vocab.json', 'added_tokens.json',
  'sentence_bert_config.json', 'trainer_state.json', 'training_args.json', 'all_results.json', 'eval_results.json',
  'train_results.json', 'adapter_config.json', 'jsconfig.json', 'settings.json', 'launch.json', 'tasks.json',
  'extensions.json', 'composer.json', 'manifest.json', 'lerna.json', 'renovate.json', '.eslintrc.json',
  // Tokenizer vocabularies and BPE merges sit in every model folder; they are not corpora.
  'vocab.txt', 'merges.txt', 'robots.txt', 'cmakelists.txt',
]);

/** Prefixes of documentation and packaging files that are not corpora, whatever their extension. */
const NOT_CORPORA = /^(readme|changelog|changes|history|license|licence|notice|authors|contributing|code_of_conduct|security|requirements)([-_.].*)?\.(txt|md)$/;

export function isCandidateDataset(file: string): boolean {
  const format = datasetFormatOf(file);
  if (!format) return false;
  const base = path.basename(file).toLowerCase();
  if (NOT_DATASETS.has(base)) return false;
  // Text files are only offered as unlabeled MLM corpora; READMEs, licences and pip requirements are not.
  if (format === 'text' && NOT_CORPORA.test(base)) return false;
  if (base.endsWith('.schema.json') || /^tsconfig\..*\.json$/.test(base)) return false;
  return true;
}
