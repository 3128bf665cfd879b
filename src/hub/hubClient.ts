// Hub search, model info, model card and file listing through @huggingface/hub, with a configurable endpoint
// (mirrors), an access token that is only held in memory (the extension keeps it in SecretStorage), and an offline
// mode that never touches the network.
import { downloadFile, listFiles, listModels, modelInfo } from '@huggingface/hub';
import type { PipelineType } from '@huggingface/hub';
import { scanHubCache } from './cacheScan';
import { validateRepoId } from './cacheLocation';
import { createHubFetch, HubFetch } from './hubFetch';
import { cachedListText, HubError, toHubError } from './hubErrors';
import { validateRevisionName } from './safePath';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** The pipeline tags the Models view filters on. */
export const HUB_TASKS = ['text-classification', 'fill-mask', 'feature-extraction', 'zero-shot-classification', 'sentence-similarity'] as const;
export type HubTask = (typeof HUB_TASKS)[number];
export type HubSort = 'downloads' | 'likes' | 'lastModified';

export interface HubClientOptions {
  endpoint?: string;
  /** An `hf_…` token, or a getter so the caller can read SecretStorage lazily. */
  token?: string | (() => Promise<string | undefined>);
  offline?: boolean;
  /** The Hugging Face cache, used to list what is available when the Hub is not. */
  cacheDir: string;
  /** Time allowed for the Hub to start answering a request. */
  timeoutMs?: number;
  /** Replaces the global fetch (proxies, tests). */
  fetch?: typeof fetch;
}

export interface HubSearchQuery {
  query?: string;
  task?: HubTask;
  author?: string;
  sort?: HubSort;
  limit?: number;
}

export interface HubModelSummary {
  id: string;
  task?: string;
  downloads: number;
  likes: number;
  lastModified: Date;
  /** From safetensors metadata (`safetensors.total`); absent for repos without safetensors. */
  parameters?: number;
  license?: string;
  gated: false | 'auto' | 'manual';
  private: boolean;
  libraryName?: string;
  tags: string[];
}

export interface HubModelDetails extends HubModelSummary {
  /** Commit the requested revision points at. */
  sha: string;
  files: string[];
}

export interface HubFileEntry {
  path: string;
  size: number;
  /** git blob sha1 (for LFS files: of the pointer). */
  oid: string;
  /** Present for LFS files: sha256 of the content and its size. */
  lfs?: { oid: string; size: number };
}

/** What download and error code need from a client, without depending on its class. */
export interface HubTransport {
  endpoint: string;
  accessToken?: string;
  cacheDir: string;
  offline: boolean;
  http: HubFetch;
  cachedRepoIds(): Promise<string[]>;
}

function licenseOf(cardData: unknown, tags: string[]): string | undefined {
  const fromCard = (cardData as { license?: unknown } | undefined)?.license;
  if (typeof fromCard === 'string') return fromCard;
  if (Array.isArray(fromCard) && typeof fromCard[0] === 'string') return fromCard.join(', ');
  return tags.find((t) => t.startsWith('license:'))?.slice('license:'.length);
}

interface RawEntry {
  name: string;
  task?: string;
  downloads: number;
  likes: number;
  updatedAt: Date;
  gated: false | 'auto' | 'manual';
  private: boolean;
  safetensors?: { total?: number };
  cardData?: unknown;
  tags?: string[];
  library_name?: string;
}

function toSummary(e: RawEntry): HubModelSummary {
  const tags = e.tags ?? [];
  return {
    id: e.name,
    task: e.task,
    downloads: e.downloads ?? 0,
    likes: e.likes ?? 0,
    lastModified: e.updatedAt,
    parameters: typeof e.safetensors?.total === 'number' ? e.safetensors.total : undefined,
    license: licenseOf(e.cardData, tags),
    gated: e.gated ?? false,
    private: e.private ?? false,
    libraryName: e.library_name,
    tags,
  };
}

const SUMMARY_FIELDS = ['safetensors', 'cardData', 'tags', 'library_name'] as const;
const MAX_CARD_BYTES = 1 << 20;

export class HubClient {
  readonly endpoint: string;
  readonly cacheDir: string;
  readonly offline: boolean;
  private readonly options: HubClientOptions;

  constructor(options: HubClientOptions) {
    this.options = options;
    this.endpoint = (options.endpoint?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.endpoint)) {
      throw new Error(`Hub endpoint "${this.endpoint}" must start with http:// or https:// (setting "finetuneStudio.hub.endpoint").`);
    }
    this.cacheDir = options.cacheDir;
    this.offline = options.offline === true;
  }

  async cachedRepoIds(): Promise<string[]> {
    try {
      return (await scanHubCache(this.cacheDir)).repos.map((r) => r.repoId);
    } catch {
      return [];
    }
  }

  /** Resolves the token and builds a fetch bound to `signal`; one per operation so cancellation stays local. */
  async transport(signal?: AbortSignal): Promise<HubTransport> {
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    if (token !== undefined && token !== '' && !token.startsWith('hf_')) {
      throw new HubError('unauthorized', 'The stored Hugging Face token is not valid: access tokens start with "hf_". Sign in again with a token from https://huggingface.co/settings/tokens.');
    }
    const cached = this.offline ? await this.cachedRepoIds() : [];
    const http = createHubFetch({
      fetch: this.options.fetch,
      timeoutMs: this.options.timeoutMs ?? 30_000,
      signal,
      offlineError: this.offline ? () => this.offlineError(cached) : undefined,
    });
    return { endpoint: this.endpoint, accessToken: token || undefined, cacheDir: this.cacheDir, offline: this.offline, http, cachedRepoIds: () => this.cachedRepoIds() };
  }

  offlineError(cached: string[]): HubError {
    return new HubError('offline', `Offline mode is on ("finetuneStudio.hub.offline"): the Hub is not contacted. ${cachedListText(cached, this.cacheDir)}`, { cached });
  }

  private async run<T>(ctx: { repoId?: string; revision?: string; file?: string }, t: HubTransport, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const needsCache = !(err instanceof HubError);
      throw toHubError(err, {
        endpoint: this.endpoint,
        ...ctx,
        hasToken: !!t.accessToken,
        cacheDir: this.cacheDir,
        cached: needsCache ? await this.cachedRepoIds() : undefined,
        failedResponse: t.http.failedResponse,
        aborted: signal?.aborted,
      });
    }
  }

  async search(q: HubSearchQuery, signal?: AbortSignal): Promise<HubModelSummary[]> {
    const t = await this.transport(signal);
    return this.run({}, t, async () => {
      const out: HubModelSummary[] = [];
      const models = listModels({
        search: { query: q.query || undefined, task: q.task as PipelineType | undefined, owner: q.author || undefined },
        sort: q.sort ?? 'downloads',
        limit: q.limit ?? 50,
        additionalFields: [...SUMMARY_FIELDS],
        hubUrl: this.endpoint,
        accessToken: t.accessToken,
        fetch: t.http.fetch,
      });
      for await (const m of models) out.push(toSummary(m as RawEntry));
      return out;
    }, signal);
  }

  async info(repoId: string, revision = 'main', signal?: AbortSignal): Promise<HubModelDetails> {
    validateRepoId(repoId);
    validateRevisionName(revision);
    const t = await this.transport(signal);
    return this.run({ repoId, revision }, t, async () => {
      const m = await modelInfo({
        name: repoId,
        revision,
        additionalFields: [...SUMMARY_FIELDS, 'sha', 'filePaths'],
        hubUrl: this.endpoint,
        accessToken: t.accessToken,
        fetch: t.http.fetch,
      });
      return { ...toSummary(m as RawEntry), sha: m.sha, files: m.filePaths };
    }, signal);
  }

  /** README.md of the repo (the model card) for a quick view; null when the repo has none. */
  async modelCard(repoId: string, revision = 'main', signal?: AbortSignal): Promise<string | null> {
    validateRepoId(repoId);
    validateRevisionName(revision);
    const t = await this.transport(signal);
    return this.run({ repoId, revision, file: 'README.md' }, t, async () => {
      const blob = await downloadFile({ repo: repoId, path: 'README.md', revision, hubUrl: this.endpoint, accessToken: t.accessToken, fetch: t.http.fetch, xet: false });
      if (!blob) return null;
      const text = await blob.slice(0, MAX_CARD_BYTES).text();
      return blob.size > MAX_CARD_BYTES ? `${text}\n\n… (model card truncated at 1 MiB)` : text;
    }, signal);
  }

  /** All files of a revision, recursively, with sizes and checksums. */
  async listFiles(repoId: string, revision = 'main', signal?: AbortSignal): Promise<HubFileEntry[]> {
    validateRepoId(repoId);
    validateRevisionName(revision);
    const t = await this.transport(signal);
    return this.run({ repoId, revision }, t, () => listRepoFiles(t, repoId, revision), signal);
  }
}

export async function listRepoFiles(t: HubTransport, repoId: string, revision: string): Promise<HubFileEntry[]> {
  const out: HubFileEntry[] = [];
  for await (const e of listFiles({ repo: repoId, revision, recursive: true, hubUrl: t.endpoint, accessToken: t.accessToken, fetch: t.http.fetch })) {
    if (e.type !== 'file') continue;
    out.push({ path: e.path, size: e.size, oid: e.oid ?? '', lfs: e.lfs ? { oid: e.lfs.oid, size: e.lfs.size } : undefined });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
