// Downloads the files of one model revision into the Hugging Face cache with huggingface_hub's exact layout:
//   models--org--name/blobs/<etag>            file content, named by its sha256 (LFS) or git sha1
//   models--org--name/snapshots/<commit>/<p>  relative symlinks to blobs (copies where symlinks are not allowed)
//   models--org--name/refs/<revision>         the commit the revision pointed at
// so Python tools and transformers.js reuse what we fetched, and we reuse what they fetched.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileDownloadInfo, modelInfo } from '@huggingface/hub';
import { downloadBlob } from './blobDownload';
import { withBlobLock } from './blobLock';
import { repoFolderName, validateRepoId } from './cacheLocation';
import { findCachedSnapshot } from './cacheScan';
import { selectFilesForFineTuning } from './fileSelection';
import { HubClient, HubFileEntry, HubTransport, listRepoFiles } from './hubClient';
import { cachedListText, HubError, toHubError } from './hubErrors';
import { isSha1Hex, isSha256Hex, normalizeEtag } from './integrity';
import { resolveInside, validateRevisionName } from './safePath';

export interface DownloadProgress {
  file: string;
  /** Bytes of all selected files present so far (reused, resumed or received). */
  doneBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
}

export interface SnapshotDownloadOptions {
  revision?: string;
  /** Exact repo paths; default: what fine-tuning needs (see fileSelection). */
  files?: string[];
  includeOnnx?: boolean;
  onProgress?(p: DownloadProgress): void;
  signal?: AbortSignal;
  /** Resumed attempts per file after a dropped connection (default 3). */
  retries?: number;
  idleTimeoutMs?: number;
  /** Free bytes on the cache disk; injectable because a full disk cannot be staged in a test. */
  freeBytes?(dir: string): Promise<number>;
}

export interface SnapshotDownloadResult {
  repoId: string;
  commit: string;
  snapshotDir: string;
  files: string[];
  /** Bytes received over the network in this call. */
  receivedBytes: number;
  /** Files that were already in the cache. */
  reused: string[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p); // follows the symlink: a dangling link counts as missing
    return true;
  } catch {
    return false;
  }
}

async function defaultFreeBytes(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Relative symlink like huggingface_hub, so a moved or shared cache folder keeps working; copy when not permitted. */
async function linkSnapshotFile(blobPath: string, pointerPath: string): Promise<void> {
  await fs.mkdir(path.dirname(pointerPath), { recursive: true });
  await fs.rm(pointerPath, { force: true });
  try {
    await fs.symlink(path.relative(path.dirname(pointerPath), blobPath), pointerPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await exists(pointerPath))) return; // a concurrent download linked it first
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') throw err;
    await fs.copyFile(blobPath, pointerPath);
  }
}

async function offlineSnapshot(t: HubTransport, repoId: string, revision: string, files: string[] | undefined): Promise<SnapshotDownloadResult> {
  const found = await findCachedSnapshot(t.cacheDir, repoId, revision);
  const missing = found && files ? (await Promise.all(files.map(async (f) => ((await exists(resolveInside(found.snapshotDir, f))) ? null : f)))).filter((f): f is string => f !== null) : [];
  if (!found || missing.length > 0) {
    const what = found ? `files ${missing.join(', ')} of ${repoId}@${revision} are not in the cache` : `${repoId}@${revision} is not in the cache`;
    const cached = await t.cachedRepoIds();
    throw new HubError('offline', `Offline mode is on and ${what}. ${cachedListText(cached, t.cacheDir)}`, { repoId, revision, cached });
  }
  const present = (await fs.readdir(found.snapshotDir, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => path.relative(found.snapshotDir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  return { repoId, commit: found.commit, snapshotDir: found.snapshotDir, files: files ?? present.sort(), receivedBytes: 0, reused: files ?? present };
}

export async function downloadSnapshot(client: HubClient, repoId: string, options: SnapshotDownloadOptions = {}): Promise<SnapshotDownloadResult> {
  validateRepoId(repoId);
  const revision = options.revision ?? 'main';
  validateRevisionName(revision);
  const t = await client.transport(options.signal);
  if (t.offline) return offlineSnapshot(t, repoId, revision, options.files);

  let currentFile: string | undefined;
  try {
    return await download(t, repoId, revision, options, (f) => (currentFile = f));
  } catch (err) {
    const mapped = toHubError(err, {
      endpoint: t.endpoint,
      repoId,
      revision,
      file: currentFile,
      hasToken: !!t.accessToken,
      cacheDir: t.cacheDir,
      cached: err instanceof HubError ? undefined : await t.cachedRepoIds(),
      failedResponse: t.http.failedResponse,
      aborted: options.signal?.aborted,
    });
    if (currentFile && (mapped.kind === 'offline' || mapped.kind === 'timeout')) {
      mapped.message += ' The partial download is kept and resumes on the next try.';
    }
    throw mapped;
  }
}

async function download(t: HubTransport, repoId: string, revision: string, options: SnapshotDownloadOptions, setCurrent: (f: string) => void): Promise<SnapshotDownloadResult> {
  const repoDir = path.join(t.cacheDir, repoFolderName(repoId));
  const blobsDir = path.join(repoDir, 'blobs');
  const common = { hubUrl: t.endpoint, accessToken: t.accessToken, fetch: t.http.fetch };

  // A pinned commit whose requested files are all present needs no network at all.
  if (isSha1Hex(revision) && options.files) {
    const snap = path.join(repoDir, 'snapshots', revision);
    const all = await Promise.all(options.files.map((f) => exists(resolveInside(snap, f))));
    if (all.every(Boolean)) return { repoId, commit: revision, snapshotDir: snap, files: [...options.files].sort(), receivedBytes: 0, reused: [...options.files] };
  }

  const commit = isSha1Hex(revision) ? revision : (await modelInfo({ name: repoId, revision, additionalFields: ['sha'], ...common })).sha;
  if (!isSha1Hex(commit ?? '')) throw new HubError('server', `The Hub did not return a commit for ${repoId}@${revision}.`, { repoId, revision });
  const snapshotDir = path.join(repoDir, 'snapshots', commit);

  const tree = new Map<string, HubFileEntry>((await listRepoFiles(t, repoId, commit)).map((e) => [e.path, e]));
  const hasWeights = (files: string[]) => files.some((f) => /\.(safetensors|onnx)$/.test(f));
  let wanted = options.files ? [...options.files].sort() : selectFilesForFineTuning([...tree.keys()], { includeOnnx: options.includeOnnx });
  // ONNX-only repos (transformers.js / Optimum exports) are trainable too: models/weightSource.ts reads their float32
  // weights from onnx/model.onnx under HF names.
  if (!options.files && !hasWeights(wanted)) wanted = selectFilesForFineTuning([...tree.keys()], { includeOnnx: true });
  for (const f of wanted) {
    resolveInside(snapshotDir, f); // every name is checked before the first byte is written
    if (!tree.has(f)) throw new HubError('fileNotFound', `File "${f}" does not exist in ${repoId} at revision "${revision}".`, { repoId, revision, file: f });
  }
  if (!options.files && !hasWeights(wanted)) {
    throw new HubError('fileNotFound', `${repoId} has no weights this extension can load (*.safetensors or onnx/model.onnx). It may only ship PyTorch pickle (.bin) weights, which are never loaded because unpickling can run code.`, { repoId, revision });
  }

  const entries = wanted.map((f) => tree.get(f) as HubFileEntry);
  const sizeOfEntry = (e: HubFileEntry) => e.lfs?.size ?? e.size;
  const totalBytes = entries.reduce((s, e) => s + sizeOfEntry(e), 0);
  await fs.mkdir(blobsDir, { recursive: true });
  await fs.mkdir(snapshotDir, { recursive: true });

  const pending: HubFileEntry[] = [];
  const reused: string[] = [];
  let doneBytes = 0;
  for (const e of entries) {
    if (await exists(resolveInside(snapshotDir, e.path))) {
      reused.push(e.path);
      doneBytes += sizeOfEntry(e);
    } else pending.push(e);
  }
  const needed = pending.reduce((s, e) => s + sizeOfEntry(e), 0);
  const free = await (options.freeBytes ?? defaultFreeBytes)(blobsDir);
  if (needed > free) {
    throw new HubError('diskFull', `Not enough disk space for ${repoId}: ${(needed / 2 ** 20).toFixed(1)} MiB needed, ${(free / 2 ** 20).toFixed(1)} MiB free at ${t.cacheDir}. Free some space or set "finetuneStudio.cacheFolder" to a larger disk.`, { repoId, revision });
  }

  let filesDone = reused.length;
  const report = (file: string) => options.onProgress?.({ file, doneBytes, totalBytes, filesDone, filesTotal: entries.length });
  report(reused[reused.length - 1] ?? '');
  let receivedBytes = 0;

  for (const e of pending) {
    setCurrent(e.path);
    const pointer = resolveInside(snapshotDir, e.path);
    const info = await fileDownloadInfo({ repo: repoId, path: e.path, revision: commit, ...common });
    if (!info) throw new HubError('fileNotFound', `File "${e.path}" disappeared from ${repoId}@${commit} while downloading.`, { repoId, revision, file: e.path });
    const etag = normalizeEtag(info.etag);
    // LFS content is named by its sha256 (the tree's lfs.oid, which X-Linked-Etag repeats); regular files by git sha1.
    const sha256 = e.lfs?.oid ?? (isSha256Hex(etag) ? etag : undefined);
    const gitSha1 = !e.lfs && isSha1Hex(e.oid) ? e.oid : undefined;
    const blobName = sha256 ?? gitSha1 ?? etag;
    const blobPath = resolveInside(blobsDir, blobName);
    await withBlobLock(blobPath, async () => {
      if (await exists(blobPath)) {
        doneBytes += sizeOfEntry(e); // fetched meanwhile by a concurrent download in this process
        return;
      }
      const before = doneBytes;
      const { resumedFrom } = await downloadBlob({
        url: info.url,
        size: info.size,
        blobPath,
        expected: { sha256, gitSha1 },
        fetch: t.http.fetch,
        accessToken: t.accessToken,
        signal: options.signal,
        idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
        retries: options.retries ?? 3,
        label: `${repoId}/${e.path}`,
        onBytes: (delta) => {
          doneBytes += delta;
          report(e.path);
        },
      });
      receivedBytes += doneBytes - before - resumedFrom;
    });
    await linkSnapshotFile(blobPath, pointer);
    filesDone++;
    report(e.path);
  }

  // The ref is written last so that offline lookups by branch name only ever find a complete snapshot.
  if (revision !== commit) {
    const refPath = resolveInside(path.join(repoDir, 'refs'), revision);
    await fs.mkdir(path.dirname(refPath), { recursive: true });
    await fs.writeFile(refPath, commit);
  }
  return { repoId, commit, snapshotDir, files: wanted, receivedBytes, reused };
}
