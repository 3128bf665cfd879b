// Push a folder (a run's exported model or LoRA adapter) to a Hub model repo in one commit, through @huggingface/hub:
// whoami → find or create the repo (private by default) → commitIter (preupload, LFS batch, PUTs, commit). Files are
// handed over as file:// URLs, so the library streams them from disk; LFS objects the repo already stores are not
// sent again, which is what makes a push after a cut connection resume. The commit names the head it was built on
// (parentCommit), so a push that raced another one fails with 409 instead of silently overwriting it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { commitIter, createRepo, HubApiError, modelInfo, whoAmI } from '@huggingface/hub';
import type { CommitOperation } from '@huggingface/hub';
import { parsePushTarget } from './repoName';
import { PushError, toPushError, type PushPhase } from './pushErrors';
import { createUploadFetch } from './uploadFetch';

export interface PushProgress {
  phase: 'preparing' | 'hashing' | 'uploading' | 'committing' | 'done';
  /** The file the latest event is about. */
  file?: string;
  /** That file's bytes done (hashed or sent) and size. */
  fileDone?: number;
  fileSize?: number;
  /** All files: bytes done in this phase and in total (hashing counts LFS files only, uploading all of them). */
  doneBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
}

export const megabytes = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/** One line for a progress event: the CLI's status line and the VS Code notification say the same. */
export function describePushProgress(p: PushProgress): string {
  if (p.phase === 'preparing') return 'checking the token and the repo';
  if (p.phase === 'committing') return 'committing';
  if (p.phase === 'done') return `done: ${p.filesDone}/${p.filesTotal} files`;
  return `${p.phase} ${megabytes(p.doneBytes)} of ${megabytes(p.totalBytes)}${p.file ? ` · ${p.file}` : ''}`;
}

export interface PushOptions {
  folder: string;
  /** "name" or "namespace/name"; default: the folder's name. */
  repoId?: string;
  /** An org (or user) to push under when `repoId` has no namespace; default: the token's user. */
  namespace?: string;
  /** Visibility of a repo this push creates (an existing repo keeps its own). Default true. */
  private?: boolean;
  token: string;
  endpoint: string;
  commitMessage: string;
  /**
   * Repo path → content, replacing the folder's file of that name (e.g. a generated README.md model card). A function
   * is called with the full repo id once it is known (the namespace may come from whoami): a model card names it.
   */
  extraFiles?: Record<string, string | Uint8Array> | ((repoId: string) => Record<string, string | Uint8Array>);
  onProgress?: (p: PushProgress) => void;
  signal?: AbortSignal;
  /** Replaces the global fetch (proxies, tests). */
  fetch?: typeof fetch;
  /** Time allowed for an API call to start answering. Uploads have none (a 1 GB PUT takes minutes). */
  apiTimeoutMs?: number;
  /**
   * Offer the Hub the xet transfer (the library's default, what huggingface.co picks for xet-enabled repos). The
   * loopback test Hub answers "basic"/"multipart", so that path is the one the tests cover; false forces it.
   */
  useXet?: boolean;
}

export interface PushResult {
  repoId: string;
  url: string;
  commit: string;
  created: boolean;
  private: boolean;
  /** Bytes actually sent: LFS bodies (not those the repo already had) + small files inlined in the commit. */
  uploadedBytes: number;
}

interface LocalFile {
  path: string; // repo path, POSIX
  size: number;
  content: URL | Blob;
}

/** Every file under `folder` (hidden files and atomic-write temporaries skipped), with `extra` laid over by repo path. */
export function filesToPush(folder: string, extra: Record<string, string | Uint8Array> = {}): LocalFile[] {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new PushError('noModel', `${folder} is not a folder: there is nothing to push.`);
  const files = new Map<string, LocalFile>();
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    // A symlinked file (e.g. into the HF cache) is pushed as its content; symlinked folders are not followed.
    if (!entry.isFile() && !(entry.isSymbolicLink() && fs.statSync(full, { throwIfNoEntry: false })?.isFile())) continue;
    const rel = path.relative(folder, full).split(path.sep).join('/');
    // Atomic writes leave *.tmp-* files only when a writer died; they are not part of the model.
    if (rel.split('/').some((p) => p.startsWith('.')) || /\.tmp-/.test(entry.name)) continue;
    files.set(rel, { path: rel, size: fs.statSync(full).size, content: pathToFileURL(full) });
  }
  for (const [rel, content] of Object.entries(extra)) {
    const blob = new Blob([typeof content === 'string' ? content : new Uint8Array(content)]);
    files.set(rel, { path: rel, size: blob.size, content: blob });
  }
  if (files.size === 0) throw new PushError('noModel', `${folder} is empty: there is nothing to push.`);
  return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}

export async function pushFolder(options: PushOptions): Promise<PushResult> {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(endpoint)) throw new PushError('server', `Hub endpoint "${endpoint}" must start with http:// or https://.`);
  const target = (() => {
    try {
      return parsePushTarget(options.repoId ?? path.basename(path.resolve(options.folder)), options.namespace);
    } catch (e) {
      throw new PushError('invalidName', (e as Error).message);
    }
  })();
  const token = options.token.trim();
  if (!token.startsWith('hf_')) throw new PushError('unauthorized', 'No valid Hugging Face token: access tokens start with "hf_". Sign in (or set HF_TOKEN for the CLI) with a token that has the "write" role.');
  const extraFor = (id: string) => (typeof options.extraFiles === 'function' ? options.extraFiles(id) : options.extraFiles);
  // Read now so a missing or empty folder is refused before any request; read again once the repo id is final.
  let files = filesToPush(options.folder, typeof options.extraFiles === 'function' ? {} : options.extraFiles);
  let totalBytes = 0;
  let sizeOf = new Map<string, number>();
  const setFiles = (list: LocalFile[]) => {
    files = list;
    totalBytes = list.reduce((n, f) => n + f.size, 0);
    sizeOf = new Map(list.map((f) => [f.path, f.size]));
  };
  setFiles(files);
  const sent = new Map<string, number>();
  const hashed = new Map<string, number>();
  const finished = new Set<string>();
  let uploadedBytes = 0;
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const report = (phase: PushProgress['phase'], file?: string, fileDone?: number) => options.onProgress?.({
    phase, file, fileDone, fileSize: file ? sizeOf.get(file) : undefined,
    doneBytes: phase === 'hashing' ? sum(hashed) : phase === 'preparing' ? 0 : sum(sent), totalBytes,
    filesDone: finished.size, filesTotal: files.length,
  });

  const http = createUploadFetch({
    fetch: options.fetch, signal: options.signal, apiTimeoutMs: options.apiTimeoutMs ?? 60_000,
    onBytes: (file, n) => {
      uploadedBytes += n;
      sent.set(file, Math.min((sent.get(file) ?? 0) + n, sizeOf.get(file) ?? Infinity));
      report('uploading', file, sent.get(file));
    },
    onBinaryBody: (n) => {
      uploadedBytes += n;
    },
  });
  const common = { hubUrl: endpoint, accessToken: token, fetch: http.fetch };
  let phase: PushPhase = 'whoami';
  let repoId = target.namespace ? `${target.namespace}/${target.name}` : target.name;
  const fail = (err: unknown): PushError => {
    const seen = err instanceof HubApiError ? http.failedResponse(err.url) : undefined;
    return toPushError(err, { repoId, endpoint, phase, aborted: options.signal?.aborted === true, hubMessage: seen?.errorMessage });
  };

  try {
    report('preparing');
    const me = await whoAmI(common);
    const role = me.type !== 'org' ? me.auth.accessToken?.role : undefined;
    const namespace = target.namespace ?? me.name;
    repoId = `${namespace}/${target.name}`;
    if (role === 'read') throw new PushError('readOnlyToken', `The signed-in token of ${me.name} is read-only: pushing needs a token with the "write" role (huggingface.co/settings/tokens). Sign in again with one.`, { repoId });
    const orgs = me.type === 'user' ? me.orgs.map((o) => o.name) : [];
    if (me.type === 'user' && namespace !== me.name && !orgs.includes(namespace)) {
      throw new PushError('forbidden', `${me.name} may not push under "${namespace}": it is neither the account nor one of its orgs (${orgs.length ? orgs.join(', ') : 'none'}). Push under ${[me.name, ...orgs].map((n) => `"${n}"`).join(' or ')}.`, { repoId });
    }

    phase = 'lookup';
    let existing = await findRepo(repoId, common);
    let created = false;
    if (!existing) {
      phase = 'create';
      options.signal?.throwIfAborted();
      try {
        await createRepo({ ...common, repo: { type: 'model', name: repoId }, visibility: options.private === false ? 'public' : 'private' });
        created = true;
      } catch (e) {
        // 409: created meanwhile (another window) and visible → reuse it; invisible → someone else's, say so.
        if (!(e instanceof HubApiError && e.statusCode === 409)) throw e;
      }
      phase = 'lookup';
      existing = await findRepo(repoId, common);
      if (!existing) {
        phase = 'create';
        throw new HubApiError(`${endpoint}/api/repos/create`, 409, undefined, 'You already created this model repo');
      }
    }

    phase = 'upload';
    if (typeof options.extraFiles === 'function') setFiles(filesToPush(options.folder, extraFor(repoId)));
    const operations: CommitOperation[] = files.map((f) => ({ operation: 'addOrUpdate', path: f.path, content: f.content }));
    const lfs = new Set<string>();
    const iter = commitIter({
      ...common, repo: { type: 'model', name: repoId }, operations, title: options.commitMessage, parentCommit: existing.sha,
      abortSignal: options.signal, useXet: options.useXet,
    });
    let next = await iter.next();
    while (!next.done) {
      const ev = next.value;
      if (ev.event === 'phase' && ev.phase === 'committing') {
        phase = 'commit';
        report('committing');
      } else if (ev.event === 'fileProgress' && ev.state === 'hashing') {
        lfs.add(ev.path);
        hashed.set(ev.path, Math.round(ev.progress * (sizeOf.get(ev.path) ?? 0)));
        report('hashing', ev.path, hashed.get(ev.path));
      } else if (ev.event === 'fileProgress' && ev.state === 'uploading' && lfs.has(ev.path)) {
        // progress 1 is also what the library says for an object the repo already stores: done, nothing sent. Below
        // 1 it matters for xet, whose bodies carry no path for the byte counter.
        if (ev.progress === 1) finished.add(ev.path);
        const size = sizeOf.get(ev.path) ?? 0;
        sent.set(ev.path, Math.max(sent.get(ev.path) ?? 0, Math.round(ev.progress * size)));
        report('uploading', ev.path, sent.get(ev.path));
      }
      next = await iter.next();
    }
    const output = next.value;
    if (!output) throw new PushError('server', `The Hub answered the commit to ${repoId} without a commit id.`, { repoId });
    // Small files travel base64 inside the commit body.
    for (const f of files) {
      if (lfs.has(f.path)) continue;
      uploadedBytes += f.size;
      sent.set(f.path, f.size);
      finished.add(f.path);
    }
    report('done');
    return { repoId, url: `${endpoint}/${repoId}`, commit: output.commit.oid, created, private: existing.private, uploadedBytes };
  } catch (e) {
    throw fail(e);
  }
}

/**
 * The repo's head and visibility, or undefined when this token cannot see it: 404, or 401 (which the Hub also answers
 * for a private repo of someone else; the token itself was just accepted by whoami).
 */
async function findRepo(repoId: string, common: { hubUrl: string; accessToken: string; fetch: typeof fetch }): Promise<{ sha: string; private: boolean } | undefined> {
  try {
    const info = await modelInfo({ ...common, name: repoId, additionalFields: ['sha'] });
    return { sha: info.sha, private: info.private };
  } catch (e) {
    if (e instanceof HubApiError && (e.statusCode === 404 || e.statusCode === 401)) return undefined;
    throw e;
  }
}

export interface PushAccount {
  name: string;
  /** Orgs the account belongs to: namespaces it may push under besides its own. */
  orgs: string[];
  /** The token's role: "read" cannot push; "fineGrained" depends on its scopes (the Hub decides per repo). */
  role?: string;
}

/** Who the token belongs to, for prompts (namespace choices) before a push; errors as PushError. */
export async function pushAccount(options: { token: string; endpoint: string; fetch?: typeof fetch; signal?: AbortSignal }): Promise<PushAccount> {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const http = createUploadFetch({ fetch: options.fetch, signal: options.signal, apiTimeoutMs: 30_000 });
  try {
    const me = await whoAmI({ hubUrl: endpoint, accessToken: options.token.trim(), fetch: http.fetch });
    return { name: me.name, orgs: me.type === 'user' ? me.orgs.map((o) => o.name) : [], role: me.type !== 'org' ? me.auth.accessToken?.role : undefined };
  } catch (e) {
    const seen = e instanceof HubApiError ? http.failedResponse(e.url) : undefined;
    throw toPushError(e, { repoId: 'the Hub', endpoint, phase: 'whoami', aborted: options.signal?.aborted === true, hubMessage: seen?.errorMessage });
  }
}
