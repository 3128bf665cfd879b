// A loopback Hugging Face Hub (node:http on 127.0.0.1:0) speaking the endpoints @huggingface/hub calls, with the
// Hub's real quirks: 302 redirects of LFS files to a CDN path, ETag / X-Linked-Etag / X-Linked-Size / X-Repo-Commit
// headers, Range requests, X-Error-Code on gated (401/403) and missing (404) repos. Test switches: drop a connection
// mid-file, corrupt a file, delay every answer, fail every answer with one status.
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

const gitOid = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** As on the Hub: weights and anything large are LFS. */
function isLfs(file: string, content: Buffer): boolean {
  return /\.(safetensors|onnx|onnx_data|bin|h5|msgpack|pt|model)$/.test(file) || content.length > 10_000;
}

function buildRevision(files: Record<string, Buffer | string>): ServedRevision {
  const map = new Map<string, ServedFile>();
  for (const [name, raw] of Object.entries(files)) {
    const content = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (isLfs(name, content)) {
      const sha = sha256(content);
      const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${content.length}\n`);
      map.set(name, { content, gitOid: gitOid(pointer), lfs: { sha256: sha, pointer } });
    } else {
      map.set(name, { content, gitOid: gitOid(content) });
    }
  }
  const commit = createHash('sha1').update(JSON.stringify([...map].map(([n, f]) => [n, f.gitOid]).sort())).digest('hex');
  return { commit, files: map };
}

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
    return m && this.tokens.has(m[1]) ? m[1] : undefined;
  }

  /** Mirrors the Hub: an unknown or private repo is "not found" (401 anonymous, 404 signed in). */
  private findRepo(req: http.IncomingMessage, res: http.ServerResponse, id: string): ServedRepo | undefined {
    const repo = this.repos.get(id);
    const token = this.token(req);
    if (!repo || (repo.spec.private && !this.tokens.get(token ?? '')?.has(id))) {
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = url.pathname;
    this.requests.push({ method: req.method ?? 'GET', path: decodeURIComponent(p), range: req.headers.range, authorization: req.headers.authorization });
    if (this.failWith !== undefined) return this.json(res, this.failWith, { error: 'The server is temporarily unable to handle the request' });

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
