// Candidate dataset files under a folder, for the CLI and the worker (the extension's view asks VS Code's file
// search instead, which honours the user's excludes). Skips dependency, VCS and run folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCandidateDataset } from './datasetFile';
import { CONLL_EXTENSIONS } from './ner';

const SKIP_DIRS = new Set(['node_modules', '.git', '.finetune', '.venv', 'venv', '__pycache__', 'onnx', 'dist', 'out']);

/**
 * A file that may be a dataset: the table, JSON and text formats, and CoNLL token-tag files (.conll, .iob, .bio...),
 * which have no row format of their own but are token-classification data.
 */
export function isDatasetCandidate(file: string): boolean {
  if (HF_METADATA.has(path.basename(file).toLowerCase())) return false;
  return isCandidateDataset(file) || CONLL_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** Hugging Face datasets' metadata beside the data (save_to_disk, hub exports): features and label names, no rows. */
const HF_METADATA = new Set(['dataset_info.json', 'dataset_dict.json']);

/** The Datasets view's file search: every extension isDatasetCandidate accepts (the view filters the names). */
export const DATASET_GLOB = `**/*.{csv,tsv,jsonl,ndjson,json,parquet,txt,md,${[...CONLL_EXTENSIONS].map((e) => e.slice(1)).join(',')}}`;

export interface DiscoveryOptions {
  maxFiles?: number;
  maxDepth?: number;
}

/** Sorted absolute paths; unreadable folders are skipped rather than failing the whole search. */
export async function findDatasetFiles(root: string, opts: DiscoveryOptions = {}): Promise<string[]> {
  const maxFiles = opts.maxFiles ?? 2000;
  const maxDepth = opts.maxDepth ?? 8;
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (found.length >= maxFiles) return;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(full, depth + 1);
      } else if (e.isFile() && isDatasetCandidate(full)) found.push(full);
    }
  };
  await walk(path.resolve(root), 0);
  return found.sort();
}
