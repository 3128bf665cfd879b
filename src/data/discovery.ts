// Candidate dataset files under a folder, for the CLI and the worker (the extension's view asks VS Code's file
// search instead, which honours the user's excludes). Skips dependency, VCS and run folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCandidateDataset } from './datasetFile';

const SKIP_DIRS = new Set(['node_modules', '.git', '.finetune', '.venv', 'venv', '__pycache__', 'onnx', 'dist', 'out']);

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
      } else if (e.isFile() && isCandidateDataset(full)) found.push(full);
    }
  };
  await walk(path.resolve(root), 0);
  return found.sort();
}
