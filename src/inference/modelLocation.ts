// Turns the model setting (a folder, or a Hub id) into a local folder the worker can load. Hub models come from
// the Hugging Face cache; when missing and not offline, only the files inference reads are downloaded (one ONNX
// variant, config, tokenizer), with progress, through the same cache writer as the Models view.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findCachedSnapshot } from '../hub/cacheScan';
import { validateRepoId } from '../hub/cacheLocation';
import type { HubClient } from '../hub/hubClient';
import { DownloadProgress, downloadSnapshot } from '../hub/snapshotDownload';
import { InferenceModelError, inspectInferenceModel } from './modelFiles';
import type { InferenceTask } from './protocol';

export interface LocateOptions {
  /** Relative folder settings are tried against each, in order. */
  workspaceFolders: string[];
  /** Needed only for Hub ids; built lazily by the caller's factory so folder settings never touch Hub code paths. */
  hub(): HubClient;
  onProgress?(p: DownloadProgress): void;
  signal?: AbortSignal;
}

export interface LocatedModel {
  folder: string;
  origin: 'folder' | 'cache' | 'download';
  repoId?: string;
}

const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json'];
/** The quantized file first: a fraction of the download, and what transformers.js repos are used with. */
const ONNX_PREFERENCE = ['onnx/model_quantized.onnx', 'onnx/model.onnx'];

/** The repo files inference needs, or an error that says what the repo lacks. */
export function inferenceFilesOf(repoId: string, repoFiles: readonly string[]): string[] {
  const have = new Set(repoFiles);
  for (const f of ['config.json', 'tokenizer.json']) {
    if (!have.has(f)) throw new InferenceModelError(`${repoId} has no ${f}; inference needs config.json, tokenizer.json and an ONNX export (onnx/model.onnx).`);
  }
  const onnx = ONNX_PREFERENCE.find((f) => have.has(f));
  if (!onnx) {
    throw new InferenceModelError(`${repoId} has no onnx/model.onnx or onnx/model_quantized.onnx: pick a repo with an ONNX export (transformers.js-ready repos, e.g. Xenova/…).`);
  }
  // Large exports keep their weights next to the graph (external data).
  const external = repoFiles.filter((f) => f.startsWith(`${onnx}_data`) || f === `${onnx}.data`);
  return ['config.json', 'tokenizer.json', ...OPTIONAL_FILES.filter((f) => have.has(f)), onnx, ...external].sort();
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isRepoId(s: string): boolean {
  try {
    validateRepoId(s);
    return true;
  } catch {
    return false;
  }
}

export async function locateInferenceModel(setting: string, task: InferenceTask, opts: LocateOptions): Promise<LocatedModel> {
  const value = expandHome(setting.trim());
  if (!value) throw new InferenceModelError('No model is set: set "finetuneStudio.zeroShot.model" to a Hub id or a model folder.');
  if (path.isAbsolute(value)) {
    if (!isDir(value)) throw new InferenceModelError(`Model folder ${value} does not exist.`);
    return { folder: path.resolve(value), origin: 'folder' };
  }
  // A workspace folder wins over a Hub id of the same spelling ("models/nli" could be either).
  for (const ws of opts.workspaceFolders) {
    const candidate = path.resolve(ws, value);
    if (isDir(candidate)) return { folder: candidate, origin: 'folder' };
  }
  if (!isRepoId(value)) {
    const tried = opts.workspaceFolders.map((ws) => path.resolve(ws, value));
    throw new InferenceModelError(`"${setting}" is neither a model folder${tried.length ? ` (tried ${tried.join(', ')})` : ''} nor a Hugging Face repo id ("org/name").`);
  }
  const hub = opts.hub();
  const cached = await findCachedSnapshot(hub.cacheDir, value);
  if (cached) {
    try {
      inspectInferenceModel(cached.snapshotDir, task);
      return { folder: cached.snapshotDir, origin: 'cache', repoId: value };
    } catch (e) {
      // Cached for fine-tuning (no ONNX) or partly: fall through to fetch the missing files, unless offline.
      if (hub.offline) throw new InferenceModelError(`${value} is in the cache (${cached.snapshotDir}) but not usable offline: ${(e as Error).message}`);
    }
  }
  const files = hub.offline ? undefined : inferenceFilesOf(value, (await hub.listFiles(value, 'main', opts.signal)).map((f) => f.path));
  // Offline, downloadSnapshot answers from the cache or with an error listing what the cache holds.
  const result = await downloadSnapshot(hub, value, { files, onProgress: opts.onProgress, signal: opts.signal });
  inspectInferenceModel(result.snapshotDir, task);
  return { folder: result.snapshotDir, origin: result.receivedBytes > 0 ? 'download' : 'cache', repoId: value };
}
