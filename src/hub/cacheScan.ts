// Lists what is in the Hugging Face cache (the Models view's "Downloaded" section), including repos written by Python.
// Our own walker rather than @huggingface/hub's scanCacheDir: that one skips nested files (onnx/model.onnx),
// nested refs (refs/pr/1), keeps the ref file's trailing newline, and throws on a repo without refs/.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseRepoFolderName, repoFolderName, RepoType } from './cacheLocation';
import { validateRevisionName } from './safePath';

export interface CachedRevision {
  commit: string;
  /** Branch/tag names pointing at this commit ("main", "pr/1"). */
  refs: string[];
  snapshotDir: string;
  /** Repo-relative POSIX paths of the files in this snapshot. */
  files: string[];
  /** Sum of the blobs this snapshot links to. */
  sizeBytes: number;
}

export interface CachedRepo {
  repoId: string;
  type: RepoType;
  dir: string;
  revisions: CachedRevision[];
  /** Unique blobs of the repo (shared between revisions), as `du` would count them. */
  sizeBytes: number;
  /** Bytes in `.incomplete` files: a download that can be resumed. */
  incompleteBytes: number;
  lastModified: Date;
}

export interface CacheScan {
  cacheDir: string;
  repos: CachedRepo[];
  /** Folders that look like repos but are damaged; reported, never fatal. */
  warnings: string[];
}

async function listFilesRecursive(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFilesRecursive(full, rel)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out;
}

async function readRefs(refsDir: string): Promise<Map<string, string[]>> {
  const byCommit = new Map<string, string[]>();
  let names: string[];
  try {
    names = await listFilesRecursive(refsDir);
  } catch {
    return byCommit; // a repo downloaded only by commit hash has no refs/
  }
  for (const name of names) {
    const commit = (await fs.readFile(path.join(refsDir, name), 'utf8')).trim();
    byCommit.set(commit, [...(byCommit.get(commit) ?? []), name]);
  }
  return byCommit;
}

export async function scanCachedRepo(dir: string, type: RepoType, repoId: string): Promise<CachedRepo> {
  const refs = await readRefs(path.join(dir, 'refs'));
  const snapshotsDir = path.join(dir, 'snapshots');
  const blobSizes = new Map<string, number>();
  let lastModified = 0;
  const revisions: CachedRevision[] = [];
  let commits: string[];
  try {
    commits = (await fs.readdir(snapshotsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    throw new Error(`${dir} has no snapshots/ folder; it is not a complete Hugging Face cache entry.`);
  }
  for (const commit of commits) {
    const snapshotDir = path.join(snapshotsDir, commit);
    const files = (await listFilesRecursive(snapshotDir)).sort();
    let sizeBytes = 0;
    for (const rel of files) {
      const full = path.join(snapshotDir, ...rel.split('/'));
      let real: string;
      let st: import('node:fs').Stats;
      try {
        real = await fs.realpath(full);
        st = await fs.stat(real);
      } catch {
        continue; // dangling link: its blob was deleted; the file simply is not there
      }
      sizeBytes += st.size;
      blobSizes.set(real, st.size);
      lastModified = Math.max(lastModified, st.mtimeMs);
    }
    revisions.push({ commit, refs: (refs.get(commit) ?? []).sort(), snapshotDir, files, sizeBytes });
  }
  let incompleteBytes = 0;
  try {
    for (const entry of await fs.readdir(path.join(dir, 'blobs'))) {
      if (!entry.endsWith('.incomplete')) continue;
      incompleteBytes += (await fs.stat(path.join(dir, 'blobs', entry))).size;
    }
  } catch {
    // no blobs/ folder: snapshots hold plain copies (Windows without symlink rights)
  }
  revisions.sort((a, b) => Number(b.refs.includes('main')) - Number(a.refs.includes('main')) || a.commit.localeCompare(b.commit));
  return {
    repoId,
    type,
    dir,
    revisions,
    sizeBytes: [...blobSizes.values()].reduce((a, b) => a + b, 0),
    incompleteBytes,
    lastModified: new Date(lastModified),
  };
}

/** Scans the whole cache; a missing cache folder is an empty cache, not an error. */
export async function scanHubCache(cacheDir: string, options: { types?: RepoType[] } = {}): Promise<CacheScan> {
  const types = options.types ?? ['model'];
  const result: CacheScan = { cacheDir, repos: [], warnings: [] };
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(cacheDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const parsed = parseRepoFolderName(entry.name);
    if (!parsed || !types.includes(parsed.type)) continue;
    try {
      result.repos.push(await scanCachedRepo(path.join(cacheDir, entry.name), parsed.type, parsed.repoId));
    } catch (err) {
      result.warnings.push(err instanceof Error ? err.message : String(err));
    }
  }
  result.repos.sort((a, b) => a.repoId.localeCompare(b.repoId));
  return result;
}

/**
 * Finds the snapshot folder for `revision` (a ref name or a commit) without any network, as huggingface_hub does in
 * offline mode. Returns null when the revision was never downloaded.
 */
export async function findCachedSnapshot(cacheDir: string, repoId: string, revision = 'main', type: RepoType = 'model'): Promise<{ commit: string; snapshotDir: string } | null> {
  validateRevisionName(revision);
  const repoDir = path.join(cacheDir, repoFolderName(repoId, type));
  let commit = revision;
  if (!/^[0-9a-f]{40}$/.test(revision)) {
    try {
      commit = (await fs.readFile(path.join(repoDir, 'refs', ...revision.split('/')), 'utf8')).trim();
    } catch {
      return null;
    }
  }
  const snapshotDir = path.join(repoDir, 'snapshots', commit);
  try {
    if (!(await fs.stat(snapshotDir)).isDirectory()) return null;
  } catch {
    return null;
  }
  return { commit, snapshotDir };
}
