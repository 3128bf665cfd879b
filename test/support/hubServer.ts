// A loopback Hugging Face Hub (node:http on 127.0.0.1:0) speaking the endpoints @huggingface/hub calls, with the
// Hub's real quirks: 302 redirects of LFS files to a CDN path, ETag / X-Linked-Etag / X-Linked-Size / X-Repo-Commit
// headers, Range requests, X-Error-Code on gated (401/403) and missing (404) repos. Test switches: drop a connection
// mid-file, corrupt a file, delay every answer, fail every answer with one status.
// Uploads as `commit()` of @huggingface/hub speaks them (whoami-v2, repos/create, preupload, LFS batch with the
// "basic" and "multipart" transfers, S3-like PUTs, commit ndjson with parentCommit), against accounts with a role and
// orgs; LFS objects are kept per repo once uploaded, committed or not, so a re-push after a cut only sends what is missing.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface RepoMeta {
  pipeline_tag?: string;
  downloads?: number;
  likes?: number;
  lastModified?: string;
  tags?: string[];
  license?: string;
  library_name?: string;
  /** safetensors.total (parameter count) */
  parameters?: number;
}

export interface ServedRepoSpec {
  id: string;
  /** Files of the main branch (repo-relative POSIX path → content). */
  files?: Record<string, Buffer | string>;
  /** Other branches/tags with their own content. */
  revisions?: Record<string, Record<string, Buffer | string>>;
  gated?: 'auto' | 'manual';
  private?: boolean;
  meta?: RepoMeta;
}

interface ServedFile {
  content: Buffer;
  gitOid: string;
  lfs?: { sha256: string; pointer: Buffer };
}

interface ServedRevision {
  commit: string;
  files: Map<string, ServedFile>;
}

interface ServedRepo {
  spec: ServedRepoSpec;
  revisions: Map<string, ServedRevision>; // branch name AND commit sha → revision
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

/** An account a write token belongs to. `role: 'read'` is a read-only token: it may read but not create or commit. */
export interface HubAccount {
  user: string;
  orgs?: string[];
  role?: 'read' | 'write';
}

/** One commit received on /api/models/{repo}/commit/{rev}, as the test sees it. */
export interface ReceivedCommit {
  repoId: string;
  summary: string;
  parentCommit?: string;
  commit: string;
  files: string[];
  lfsFiles: string[];
}

const gitOid = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** As on the Hub: weights and anything large are LFS. */
function isLfs(file: string, size: number): boolean {
  return /\.(safetensors|onnx|onnx_data|bin|h5|msgpack|pt|model)$/.test(file) || size > 10_000;
}

function buildRevision(files: Record<string, Buffer | string>): ServedRevision {
  const map = new Map<string, ServedFile>();
  for (const [name, raw] of Object.entries(files)) map.set(name, servedFile(name, Buffer.isBuffer(raw) ? raw : Buffer.from(raw)));
  const commit = createHash('sha1').update(JSON.stringify([...map].map(([n, f]) => [n, f.gitOid]).sort())).digest('hex');
  return { commit, files: map };
}

function servedFile(name: string, content: Buffer): ServedFile {
  if (!isLfs(name, content.length)) return { content, gitOid: gitOid(content) };
  const sha = sha256(content);
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${content.length}\n`);
  return { content, gitOid: gitOid(pointer), lfs: { sha256: sha, pointer } };
}

/** The Hub's default .gitattributes of a new repo (LFS patterns), its first commit. */
const DEFAULT_GITATTRIBUTES = '*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.onnx filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n';

/** Reads a folder (e.g. a generated tiny model) into a `files` record. */
export function filesFromFolder(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full).split(path.sep).join('/')] = fs.readFileSync(full);
  }
  return out;
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

export class HubTestServer {
  readonly requests: LoggedRequest[] = [];
  /** token → repo ids whose terms that account accepted. Any `hf_` token in here is valid. */
  readonly tokens = new Map<string, Set<string>>();
  /** Milliseconds to wait before answering every request. */
  delayMs = 0;
  /** When set, every request is answered with this HTTP status (a Hub failing with 5xx). */
  failWith: number | undefined;
  private readonly repos = new Map<string, ServedRepo>();
  private readonly drops = new Map<string, number>();
  private readonly corrupted = new Set<string>();
  private readonly stalls = new Map<string, number>();
  /** token → account allowed to write (whoami, create, commit). Its token also reads the private repos of its namespaces. */
  readonly accounts = new Map<string, HubAccount & { repos?: string[] }>();
  /** LFS objects above this size get the "multipart" transfer, in parts of `partSize` (small, so a test needs a few MB). */
  multipartThreshold = 8 * 1024 * 1024;
  partSize = 5 * 1024 * 1024;
  /** LFS bytes one repo may hold; the batch call beyond it is refused as the Hub refuses a full storage quota. */
  storageLimitBytes: number | undefined;
  /** Commits accepted so far, in order. */
  readonly commits: ReceivedCommit[] = [];
  /** Called with every request before it is answered: a test can land another commit while a push is under way. */
  onRequest: ((r: LoggedRequest) => void) | undefined;
  private readonly lfsStore = new Map<string, Map<string, Buffer>>(); // repo → sha256 → content (committed or not)
  private readonly uploadDrops = new Map<string, number>(); // sha256 → body bytes taken before the connection is cut
  private readonly uploadParts = new Map<string, Map<number, Buffer>>(); // `${repo} ${sha256}` → part number → bytes
  private server!: http.Server;
  url = '';

  static async start(repos: ServedRepoSpec[] = []): Promise<HubTestServer> {
    const s = new HubTestServer();
    for (const r of repos) s.addRepo(r);
    s.server = http.createServer((req, res) => {
      setTimeout(() => s.handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      }), s.delayMs);
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addRepo(spec: ServedRepoSpec): void {
    const revisions = new Map<string, ServedRevision>();
    const all = { ...(spec.revisions ?? {}), ...(spec.files ? { main: spec.files } : {}) };
    for (const [name, files] of Object.entries(all)) {
      const rev = buildRevision(files);
      revisions.set(name, rev);
      revisions.set(rev.commit, rev);
    }
    this.repos.set(spec.id, { spec, revisions });
  }

  commitOf(repoId: string, revision = 'main'): string {
    const rev = this.repos.get(repoId)?.revisions.get(revision);
    if (!rev) throw new Error(`test server has no ${repoId}@${revision}`);
    return rev.commit;
  }

  /** The next full download of this file sends `afterBytes` bytes, then the connection drops. */
  dropOnce(repoId: string, file: string, afterBytes: number): void {
    this.drops.set(`${repoId}/${file}`, afterBytes);
  }

  /** The next full download of this file sends `afterBytes` bytes, then goes silent with the connection open. */
  stallOnce(repoId: string, file: string, afterBytes: number): void {
    this.stalls.set(`${repoId}/${file}`, afterBytes);
  }

  /** Serve this file with one byte flipped (headers still announce the true checksum). */
  corrupt(repoId: string, file: string): void {
    this.corrupted.add(`${repoId}/${file}`);
  }

  /** The next upload (PUT, basic or one part) of this LFS object takes `afterBytes` of its body, then the connection drops. */
  dropUploadOnce(sha256Oid: string, afterBytes: number): void {
    this.uploadDrops.set(sha256Oid, afterBytes);
  }

  /** LFS object ids (sha256) this repo's storage holds: uploaded, committed or not. */
  storedObjects(repoId: string): string[] {
    return [...(this.lfsStore.get(repoId)?.keys() ?? [])].sort();
  }

  /** LFS upload requests made so far (basic PUTs, multipart part PUTs, completions), with their object id. */
  lfsUploads(): { oid: string; kind: 'basic' | 'part' | 'complete' }[] {
    return this.requests.flatMap((r) => {
      const m = /^\/lfs-(put|part|complete)\/([0-9a-f]{64})/.exec(r.path);
      return m ? [{ oid: m[2], kind: m[1] === 'put' ? 'basic' as const : m[1] === 'part' ? 'part' as const : 'complete' as const }] : [];
    });
  }

  /** Someone else's push: a commit on `main` made straight on the server (for the "pushed meanwhile" case). */
  landCommit(repoId: string, files: Record<string, Buffer | string>, summary = 'Concurrent change'): string {
    const repo = this.repos.get(repoId);
    const head = repo?.revisions.get('main');
    if (!repo || !head) throw new Error(`test server has no ${repoId}@main`);
    const next = new Map(head.files);
    for (const [name, raw] of Object.entries(files)) next.set(name, servedFile(name, Buffer.isBuffer(raw) ? raw : Buffer.from(raw)));
    return this.storeCommit(repoId, repo, head, next, summary, [], []);
  }

  /** Content downloads (CDN or resolve bodies) made so far, as "repo/file range". */
  contentRequests(): LoggedRequest[] {
    return this.requests.filter((r) => (r.path.startsWith('/cdn/') || r.path.includes('/resolve/')) && r.method === 'GET' && r.range !== 'bytes=0-0');
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private token(req: http.IncomingMessage): string | undefined {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return m && (this.tokens.has(m[1]) || this.accounts.has(m[1])) ? m[1] : undefined;
  }

  /** Whether this token's account may see `repoId` as its own: a namespace of the account, within a fine-grained token's repos. */
  private owns(token: string | undefined, repoId: string): boolean {
    const account = token ? this.accounts.get(token) : undefined;
    if (!account) return false;
    const ns = repoId.split('/')[0];
    if (account.user !== ns && !account.orgs?.includes(ns)) return false;
    return !account.repos || account.repos.includes(repoId);
  }

  /** Mirrors the Hub: an unknown or private repo is "not found" (401 anonymous, 404 signed in). */
  private findRepo(req: http.IncomingMessage, res: http.ServerResponse, id: string): ServedRepo | undefined {
    const repo = this.repos.get(id);
    const token = this.token(req);
    if (!repo || (repo.spec.private && !this.tokens.get(token ?? '')?.has(id) && !this.owns(token, id))) {
      this.json(res, token ? 404 : 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
      return undefined;
    }
    return repo;
  }

  private findRevision(res: http.ServerResponse, repo: ServedRepo, rev: string): ServedRevision | undefined {
    const found = repo.revisions.get(rev === 'HEAD' ? 'main' : rev);
    if (!found) this.json(res, 404, { error: `Invalid rev id: ${rev}` }, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' });
    return found;
  }

  private gateOk(req: http.IncomingMessage, res: http.ServerResponse, repo: ServedRepo): boolean {
    if (!repo.spec.gated) return true;
    const token = this.token(req);
    if (!token) {
      this.json(res, 401, { error: `Access to model ${repo.spec.id} is restricted. You must have access to it and be authenticated to access it. Please log in.` }, { 'x-error-code': 'GatedRepo' });
      return false;
    }
    if (!this.tokens.get(token)?.has(repo.spec.id)) {
      this.json(res, 403, { error: `Access to model ${repo.spec.id} is restricted and you are not in the authorized list. Visit ${this.url}/${repo.spec.id} to ask for access.` }, { 'x-error-code': 'GatedRepo' });
      return false;
    }
    return true;
  }

  private modelJson(repo: ServedRepo, rev: ServedRevision, expand: string[] | null): Record<string, unknown> {
    const m = repo.spec.meta ?? {};
    const tags = [...(m.tags ?? []), ...(m.license ? [`license:${m.license}`] : [])];
    const full: Record<string, unknown> = {
      pipeline_tag: m.pipeline_tag,
      private: repo.spec.private ?? false,
      gated: repo.spec.gated ?? false,
      downloads: m.downloads ?? 0,
      likes: m.likes ?? 0,
      lastModified: m.lastModified ?? '2024-01-01T00:00:00.000Z',
      tags,
      library_name: m.library_name,
      cardData: m.license ? { license: m.license } : undefined,
      safetensors: m.parameters !== undefined ? { parameters: { F32: m.parameters }, total: m.parameters } : undefined,
      sha: rev.commit,
      siblings: [...rev.files.keys()].sort().map((rfilename) => ({ rfilename })),
      author: repo.spec.id.split('/')[0],
    };
    const picked = expand ? Object.fromEntries(expand.filter((k) => k in full).map((k) => [k, full[k]])) : full;
    return { _id: createHash('md5').update(repo.spec.id).digest('hex').slice(0, 24), id: repo.spec.id, modelId: repo.spec.id, ...picked };
  }

  private listModels(res: http.ServerResponse, q: URLSearchParams): void {
    const search = q.get('search')?.toLowerCase();
    const author = q.get('author');
    const task = q.get('pipeline_tag');
    const filters = q.getAll('filter');
    const sort = q.get('sort');
    const limit = Number(q.get('limit') ?? 1000);
    const rows = [...this.repos.values()]
      .filter((r) => !r.spec.private)
      .filter((r) => !search || r.spec.id.toLowerCase().includes(search))
      .filter((r) => !author || r.spec.id.split('/')[0] === author)
      .filter((r) => !task || r.spec.meta?.pipeline_tag === task)
      .filter((r) => filters.every((f) => r.spec.meta?.tags?.includes(f) || r.spec.meta?.library_name === f));
    const key = (r: ServedRepo): number =>
      sort === 'likes' ? (r.spec.meta?.likes ?? 0) : sort === 'lastModified' ? Date.parse(r.spec.meta?.lastModified ?? '2024-01-01') : (r.spec.meta?.downloads ?? 0);
    if (sort) rows.sort((a, b) => key(b) - key(a));
    const expand = q.getAll('expand');
    this.json(res, 200, rows.slice(0, limit).map((r) => this.modelJson(r, r.revisions.get('main') as ServedRevision, expand.length ? expand : null)));
  }

  private tree(res: http.ServerResponse, rev: ServedRevision, sub: string, q: URLSearchParams): void {
    const recursive = q.get('recursive') === 'true';
    const expand = q.get('expand') === 'true';
    const prefix = sub ? `${sub}/` : '';
    const entries: Record<string, unknown>[] = [];
    const dirs = new Set<string>();
    for (const [name, f] of [...rev.files].sort(([a], [b]) => a.localeCompare(b))) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const parts = rest.split('/');
      for (let i = 1; i < parts.length && (recursive || i === 1); i++) dirs.add(prefix + parts.slice(0, i).join('/'));
      if (!recursive && parts.length > 1) continue;
      entries.push(this.fileEntry(rev, name, f, expand));
    }
    const dirEntries = [...dirs].sort().map((d) => ({ type: 'directory', oid: createHash('sha1').update(d).digest('hex'), size: 0, path: d }));
    this.json(res, 200, [...dirEntries, ...entries]);
  }

  private fileEntry(rev: ServedRevision, name: string, f: ServedFile, expand: boolean): Record<string, unknown> {
    return {
      type: 'file',
      oid: f.gitOid,
      size: f.lfs ? f.lfs.pointer.length : f.content.length,
      path: name,
      ...(f.lfs ? { lfs: { oid: f.lfs.sha256, size: f.content.length, pointerSize: f.lfs.pointer.length } } : {}),
      ...(expand ? { lastCommit: { id: rev.commit, title: 'Upload', date: '2024-01-01T00:00:00.000Z' } } : {}),
    };
  }

  /** POST /api/models/{repo}/paths-info/{rev}: what @huggingface/hub's downloadFileToCacheDir asks before a download. */
  private async pathsInfo(req: http.IncomingMessage, res: http.ServerResponse, rev: ServedRevision): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { paths?: string[]; expand?: boolean };
    const found = (body.paths ?? []).flatMap((p) => {
      const f = rev.files.get(p);
      return f ? [this.fileEntry(rev, p, f, body.expand === true)] : [];
    });
    this.json(res, 200, found);
  }

  /** Sends `body` honouring Range, the drop switch and the corruption switch. */
  private sendContent(req: http.IncomingMessage, res: http.ServerResponse, key: string, content: Buffer, headers: Record<string, string>): void {
    let body = content;
    if (this.corrupted.has(key) && body.length > 0) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)] ^= 0xff;
    }
    const range = parseRange(req.headers.range, body.length);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${body.length}`, ...headers });
      res.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? body.length - 1;
    const slice = body.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(slice.length),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}),
      ...headers,
    });
    if (req.method === 'HEAD') return void res.end();
    const dropAfter = this.drops.get(key);
    if (dropAfter !== undefined && req.headers.range !== 'bytes=0-0' && dropAfter < slice.length) {
      this.drops.delete(key);
      res.write(slice.subarray(0, dropAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const stallAfter = this.stalls.get(key);
    if (stallAfter !== undefined && req.headers.range !== 'bytes=0-0' && stallAfter < slice.length) {
      this.stalls.delete(key);
      res.write(slice.subarray(0, stallAfter)); // and never end: close() tears the socket down
      return;
    }
    res.end(slice);
  }

  private resolve(req: http.IncomingMessage, res: http.ServerResponse, repo: ServedRepo, rev: ServedRevision, file: string): void {
    const f = rev.files.get(file);
    if (!f) return this.json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' });
    const common = { 'x-repo-commit': rev.commit, etag: `"${f.lfs ? f.lfs.sha256 : f.gitOid}"` };
    if (f.lfs) {
      const location = `/cdn/${f.lfs.sha256}?repo=${encodeURIComponent(repo.spec.id)}&file=${encodeURIComponent(file)}`;
      res.writeHead(302, { location, 'x-linked-etag': `"${f.lfs.sha256}"`, 'x-linked-size': String(f.content.length), ...common, 'content-length': '0' });
      return void res.end();
    }
    this.sendContent(req, res, `${repo.spec.id}/${file}`, f.content, common);
  }

  private cdn(req: http.IncomingMessage, res: http.ServerResponse, sha: string, q: URLSearchParams): void {
    const repoId = q.get('repo') ?? '';
    const file = q.get('file') ?? '';
    for (const rev of this.repos.get(repoId)?.revisions.values() ?? []) {
      const f = rev.files.get(file);
      if (f?.lfs?.sha256 === sha) return this.sendContent(req, res, `${repoId}/${file}`, f.content, { etag: `"${sha}"` });
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('NoSuchKey');
  }

  // ---- uploads ------------------------------------------------------------------------------------------------

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  private refuse(res: http.ServerResponse, status: number, error: string): void {
    this.json(res, status, { error }, { 'x-error-message': error });
  }

  /** The account behind a valid write-capable token, or undefined after answering 401 (no/unknown token). */
  private account(req: http.IncomingMessage, res: http.ServerResponse): (HubAccount & { repos?: string[] }) | undefined {
    const token = this.token(req);
    const account = token ? this.accounts.get(token) : undefined;
    if (!account) this.refuse(res, 401, 'Invalid credentials in Authorization header');
    return account;
  }

  /** Write access to an existing repo as the Hub checks it: 401 bad token, 404 invisible repo, 403 read token / not yours. */
  private writable(req: http.IncomingMessage, res: http.ServerResponse, repoId: string): ServedRepo | undefined {
    const account = this.account(req, res);
    if (!account) return undefined;
    const repo = this.findRepo(req, res, repoId);
    if (!repo) return undefined;
    if (account.role === 'read') return void this.refuse(res, 403, `You don't have the rights to write to ${repoId}: this is a read access token. Use a token with the "write" role.`);
    if (!this.owns(this.token(req), repoId)) return void this.refuse(res, 403, `You don't have the rights to write to ${repoId}`);
    return repo;
  }

  private hasObject(repoId: string, repo: ServedRepo, oid: string): Buffer | undefined {
    const stored = this.lfsStore.get(repoId)?.get(oid);
    if (stored) return stored;
    for (const rev of repo.revisions.values()) for (const f of rev.files.values()) if (f.lfs?.sha256 === oid) return f.content;
    return undefined;
  }

  private storeObject(repoId: string, oid: string, content: Buffer): void {
    let store = this.lfsStore.get(repoId);
    if (!store) this.lfsStore.set(repoId, (store = new Map()));
    store.set(oid, content);
  }

  private storeCommit(repoId: string, repo: ServedRepo, head: ServedRevision, files: Map<string, ServedFile>, summary: string, plain: string[], lfs: string[], parentCommit?: string): string {
    const commit = createHash('sha1').update(head.commit).update(summary).update(JSON.stringify([...files].map(([n, f]) => [n, f.gitOid]).sort())).digest('hex');
    const rev: ServedRevision = { commit, files };
    repo.revisions.set('main', rev);
    repo.revisions.set(commit, rev);
    this.commits.push({ repoId, summary, parentCommit, commit, files: plain, lfsFiles: lfs });
    return commit;
  }

  /** GET /api/whoami-v2: the account, its orgs and the token's role (what the client checks before writing). */
  private whoami(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = this.token(req);
    if (!token) return this.refuse(res, 401, 'Invalid credentials in Authorization header');
    const account = this.accounts.get(token) ?? { user: 'reader', role: 'read' as const };
    const id = (s: string) => createHash('md5').update(s).digest('hex').slice(0, 24);
    this.json(res, 200, {
      type: 'user', id: id(account.user), name: account.user, fullname: account.user, email: `${account.user}@example.test`, emailVerified: true,
      isPro: false, canPay: false, avatarUrl: '', periodEnd: null, billingMode: 'prepaid',
      orgs: (account.orgs ?? []).map((o) => ({ type: 'org', id: id(o), name: o, fullname: o, email: null, canPay: false, avatarUrl: '', periodEnd: null })),
      auth: { type: 'access_token', accessToken: { displayName: 'test token', role: account.repos ? 'fineGrained' : (account.role ?? 'write'), createdAt: '2024-01-01T00:00:00.000Z' } },
    });
  }

  /** POST /api/repos/create: 409 "You already created this model repo" when the name is taken (case-insensitively, as on the Hub). */
  private async createRepo(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = JSON.parse((await this.readBody(req)).toString('utf8') || '{}') as { name?: string; organization?: string; type?: string; visibility?: string; private?: boolean };
    const account = this.account(req, res);
    if (!account) return;
    const ns = body.organization ?? account.user;
    if (account.role === 'read') return this.refuse(res, 403, `You don't have the rights to create a model under the namespace "${ns}": this is a read access token.`);
    if (account.user !== ns && !account.orgs?.includes(ns)) return this.refuse(res, 403, `You don't have the rights to create a model under the namespace "${ns}"`);
    if ((body.type ?? 'model') !== 'model') return this.refuse(res, 400, 'This test server only creates model repos');
    const name = body.name ?? '';
    if (!/^[A-Za-z0-9._-]{1,96}$/.test(name) || /--|\.\./.test(name) || /^[-.]|[-.]$/.test(name)) return this.refuse(res, 400, `Invalid repo name "${name}"`);
    const id = `${ns}/${name}`;
    const taken = [...this.repos.keys()].find((k) => k.toLowerCase() === id.toLowerCase());
    if (taken) return this.json(res, 409, { error: 'You already created this model repo', url: `${this.url}/${taken}` }, { 'x-error-message': 'You already created this model repo' });
    this.addRepo({ id, private: body.visibility === 'private' || body.private === true, files: { '.gitattributes': DEFAULT_GITATTRIBUTES } });
    this.json(res, 200, { url: `${this.url}/${id}`, name: id, id: createHash('md5').update(id).digest('hex').slice(0, 24) });
  }

  /** POST /api/models/{repo}/preupload/{rev}: which files go through LFS (by name pattern and size, as .gitattributes would). */
  private async preupload(req: http.IncomingMessage, res: http.ServerResponse, repoId: string, revName: string): Promise<void> {
    const body = JSON.parse((await this.readBody(req)).toString('utf8') || '{}') as { files?: { path: string; size: number }[] };
    const repo = this.writable(req, res, repoId);
    if (!repo) return;
    const rev = this.findRevision(res, repo, revName);
    if (!rev) return;
    this.json(res, 200, { files: (body.files ?? []).map((f) => ({ path: f.path, uploadMode: isLfs(f.path, f.size) ? 'lfs' : 'regular', shouldIgnore: false })), commitOid: rev.commit });
  }

  /** POST /{repo}.git/info/lfs/objects/batch: upload actions for objects not stored yet; stored ones come back without actions. */
  private async lfsBatch(req: http.IncomingMessage, res: http.ServerResponse, repoId: string): Promise<void> {
    const body = JSON.parse((await this.readBody(req)).toString('utf8') || '{}') as { operation?: string; transfers?: string[]; objects?: { oid: string; size: number }[] };
    const repo = this.writable(req, res, repoId);
    if (!repo) return;
    if (body.operation !== 'upload') return this.refuse(res, 422, 'This test server only answers LFS uploads');
    const objects = body.objects ?? [];
    const missing = objects.filter((o) => !this.hasObject(repoId, repo, o.oid));
    if (this.storageLimitBytes !== undefined) {
      const held = [...(this.lfsStore.get(repoId)?.values() ?? [])].reduce((n, b) => n + b.length, 0);
      const adding = missing.reduce((n, o) => n + o.size, 0);
      if (held + adding > this.storageLimitBytes) {
        return this.refuse(res, 403, `Storage quota exceeded: ${repoId} would hold ${held + adding} bytes, over the ${this.storageLimitBytes} bytes available to this account. Upgrade or free up storage.`);
      }
    }
    const q = `repo=${encodeURIComponent(repoId)}`;
    let multipart = false;
    const answer = objects.map((o) => {
      if (!missing.includes(o)) return { oid: o.oid, size: o.size };
      if (o.size > this.multipartThreshold && body.transfers?.includes('multipart')) {
        multipart = true;
        const header: Record<string, string> = { chunk_size: String(this.partSize) };
        const parts = Math.ceil(o.size / this.partSize);
        for (let i = 1; i <= parts; i++) header[String(i).padStart(5, '0')] = `${this.url}/lfs-part/${o.oid}/${i}?${q}`;
        return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${this.url}/lfs-complete/${o.oid}?${q}&size=${o.size}`, header } } };
      }
      return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${this.url}/lfs-put/${o.oid}?${q}&size=${o.size}` } } };
    });
    res.writeHead(200, { 'content-type': 'application/vnd.git-lfs+json' });
    res.end(JSON.stringify({ transfer: multipart ? 'multipart' : 'basic', objects: answer }));
  }

  /**
   * An S3-like PUT of an LFS body (whole object or one part): refuses a body without Content-Length (411, as S3 does for
   * chunked uploads), honours the drop switch, and checks size and sha256 of whole objects.
   */
  private async lfsPut(req: http.IncomingMessage, res: http.ServerResponse, oid: string, part: number | undefined, q: URLSearchParams): Promise<void> {
    const repoId = q.get('repo') ?? '';
    if (!this.repos.has(repoId)) return void res.writeHead(404).end('NoSuchBucket');
    if (req.headers['content-length'] === undefined) return void res.writeHead(411, { 'content-type': 'application/xml' }).end('<Error><Code>MissingContentLength</Code></Error>');
    const dropAfter = this.uploadDrops.get(oid);
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const c of req) {
      chunks.push(c as Buffer);
      received += (c as Buffer).length;
      if (dropAfter !== undefined && received >= dropAfter) {
        this.uploadDrops.delete(oid);
        req.socket.destroy();
        return;
      }
    }
    const body = Buffer.concat(chunks);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    if (part !== undefined) {
      const key = `${repoId} ${oid}`;
      if (!this.uploadParts.has(key)) this.uploadParts.set(key, new Map());
      this.uploadParts.get(key)!.set(part, body);
      return void res.writeHead(200, { etag }).end();
    }
    if (body.length !== Number(q.get('size')) || sha256(body) !== oid) return void res.writeHead(400, { 'content-type': 'application/xml' }).end('<Error><Code>BadDigest</Code></Error>');
    this.storeObject(repoId, oid, body);
    res.writeHead(200, { etag }).end();
  }

  /** Completion POST of a multipart upload: every part present with its ETag, then the whole object is checked and kept. */
  private async lfsComplete(req: http.IncomingMessage, res: http.ServerResponse, oid: string, q: URLSearchParams): Promise<void> {
    const repoId = q.get('repo') ?? '';
    const body = JSON.parse((await this.readBody(req)).toString('utf8') || '{}') as { oid?: string; parts?: { partNumber: number; etag: string }[] };
    const got = this.uploadParts.get(`${repoId} ${oid}`);
    const parts = (body.parts ?? []).sort((a, b) => a.partNumber - b.partNumber);
    const buffers = parts.map((p) => got?.get(p.partNumber));
    const etagsOk = parts.every((p, i) => buffers[i] && p.etag === `"${createHash('md5').update(buffers[i]!).digest('hex')}"`);
    if (body.oid !== oid || !parts.length || !etagsOk) return this.refuse(res, 400, `Multipart upload of ${oid} is incomplete or an ETag does not match`);
    const whole = Buffer.concat(buffers as Buffer[]);
    if (whole.length !== Number(q.get('size')) || sha256(whole) !== oid) return this.refuse(res, 400, `Multipart upload of ${oid}: size or sha256 does not match`);
    this.uploadParts.delete(`${repoId} ${oid}`);
    this.storeObject(repoId, oid, whole);
    this.json(res, 200, { success: true });
  }

  /** POST /api/models/{repo}/commit/{rev} (ndjson): 409 when parentCommit is not the head any more; LFS pointers must be stored. */
  private async commit(req: http.IncomingMessage, res: http.ServerResponse, repoId: string, revName: string): Promise<void> {
    const text = (await this.readBody(req)).toString('utf8');
    const repo = this.writable(req, res, repoId);
    if (!repo) return;
    const head = this.findRevision(res, repo, revName);
    if (!head) return;
    if (revName !== 'main') return this.refuse(res, 400, 'This test server commits to main only');
    type Line = { key: 'header'; value: { summary: string; parentCommit?: string } } | { key: 'file'; value: { path: string; content: string; encoding: string } }
      | { key: 'lfsFile'; value: { path: string; oid: string; size: number } } | { key: 'deletedFile'; value: { path: string } };
    const lines = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Line);
    const header = lines.find((l) => l.key === 'header')?.value as { summary: string; parentCommit?: string } | undefined;
    if (!header?.summary) return this.refuse(res, 400, 'A commit needs a header line with a summary');
    if (header.parentCommit && header.parentCommit !== head.commit) return this.refuse(res, 409, 'A commit has happened since. Please refresh and try again.');
    const files = new Map(head.files);
    const plain: string[] = [];
    const lfs: string[] = [];
    for (const l of lines) {
      if (l.key === 'file') {
        files.set(l.value.path, servedFile(l.value.path, Buffer.from(l.value.content, l.value.encoding === 'base64' ? 'base64' : 'utf8')));
        plain.push(l.value.path);
      } else if (l.key === 'lfsFile') {
        const content = this.hasObject(repoId, repo, l.value.oid);
        if (!content || content.length !== l.value.size) return this.refuse(res, 422, `Your push was rejected because an LFS pointer pointed to a file that does not exist: ${l.value.path}`);
        const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${l.value.oid}\nsize ${content.length}\n`);
        files.set(l.value.path, { content, gitOid: gitOid(pointer), lfs: { sha256: l.value.oid, pointer } });
        lfs.push(l.value.path);
      } else if (l.key === 'deletedFile') {
        files.delete(l.value.path);
      }
    }
    const commit = this.storeCommit(repoId, repo, head, files, header.summary, plain, lfs, header.parentCommit);
    this.json(res, 200, { success: true, commitOid: commit, commitUrl: `${this.url}/${repoId}/commit/${commit}`, hookOutput: '' });
  }

  /** Routes the upload endpoints; false when the request is not one of them. */
  private async handleUpload(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
    const p = url.pathname;
    const post = req.method === 'POST';
    if (p === '/api/whoami-v2' && req.method === 'GET') return this.whoami(req, res), true;
    if (p === '/api/repos/create' && post) return await this.createRepo(req, res), true;
    let m = /^\/api\/models\/(.+?)\/(preupload|commit)\/([^/]+)$/.exec(p);
    if (m && post) {
      const [repoId, rev] = [decodeURIComponent(m[1]), decodeURIComponent(m[3])];
      await (m[2] === 'preupload' ? this.preupload(req, res, repoId, rev) : this.commit(req, res, repoId, rev));
      return true;
    }
    m = /^\/(.+)\.git\/info\/lfs\/objects\/batch$/.exec(p);
    if (m && post) return await this.lfsBatch(req, res, decodeURIComponent(m[1])), true;
    m = /^\/lfs-(put|part|complete)\/([0-9a-f]{64})(?:\/(\d+))?$/.exec(p);
    if (m && m[1] === 'complete' && post) return await this.lfsComplete(req, res, m[2], url.searchParams), true;
    if (m && req.method === 'PUT') return await this.lfsPut(req, res, m[2], m[1] === 'part' ? Number(m[3]) : undefined, url.searchParams), true;
    return false;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = url.pathname;
    const logged: LoggedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(p), range: req.headers.range, authorization: req.headers.authorization };
    this.requests.push(logged);
    this.onRequest?.(logged);
    if (this.failWith !== undefined) return this.json(res, this.failWith, { error: 'The server is temporarily unable to handle the request' });
    if (await this.handleUpload(req, res, url)) return;

    if (p === '/api/models') return this.listModels(res, url.searchParams);
    let m = /^\/api\/models\/(.+?)\/(revision|tree|paths-info)\/([^/]+)(?:\/(.*))?$/.exec(p) ?? /^\/api\/models\/(.+)$/.exec(p);
    if (m) {
      const repo = this.findRepo(req, res, decodeURIComponent(m[1]));
      if (!repo) return;
      const rev = this.findRevision(res, repo, decodeURIComponent(m[3] ?? 'main'));
      if (!rev) return;
      if (m[2] === 'tree') return this.tree(res, rev, decodeURIComponent(m[4] ?? ''), url.searchParams);
      if (m[2] === 'paths-info' && req.method === 'POST') return this.pathsInfo(req, res, rev);
      const expand = url.searchParams.getAll('expand');
      return this.json(res, 200, this.modelJson(repo, rev, expand.length ? expand : null));
    }
    m = /^\/cdn\/([0-9a-f]{64})$/.exec(p);
    if (m) return this.cdn(req, res, m[1], url.searchParams);
    m = /^\/(.+?)\/(resolve|raw)\/([^/]+)\/(.+)$/.exec(p);
    if (m) {
      const repo = this.findRepo(req, res, decodeURIComponent(m[1]));
      if (!repo || !this.gateOk(req, res, repo)) return;
      const rev = this.findRevision(res, repo, decodeURIComponent(m[3]));
      if (!rev) return;
      const file = decodeURIComponent(m[4]);
      if (m[2] === 'raw') {
        const f = rev.files.get(file);
        if (!f) return this.json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
        return this.sendContent(req, res, `raw:${repo.spec.id}/${file}`, f.lfs ? f.lfs.pointer : f.content, { etag: `"${f.gitOid}"`, 'x-repo-commit': rev.commit });
      }
      return this.resolve(req, res, repo, rev, file);
    }
    this.json(res, 404, { error: 'Not found' });
  }
}
