// Every failure the Hub features can hit, turned into one error type whose message tells the user what to do next.
import { HubApiError } from '@huggingface/hub';
import { UnsafeHubPathError } from './safePath';

export type HubErrorKind =
  | 'gated' // 401/403 on a gated repo: terms not accepted or not signed in
  | 'unauthorized' // 401 with a bad or missing token on a private repo
  | 'repoNotFound'
  | 'revisionNotFound'
  | 'fileNotFound'
  | 'offline' // no network (DNS, refused, reset) or offline mode
  | 'timeout'
  | 'diskFull'
  | 'integrity'
  | 'aborted'
  | 'unsafePath'
  | 'server';

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    readonly details: { repoId?: string; revision?: string; file?: string; status?: number; cached?: string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubError';
  }
}

/** What the fetch wrapper saw on a failed response; the library's HubApiError keeps no headers. */
export interface FailedResponseInfo {
  status: number;
  errorCode?: string; // X-Error-Code: GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound
  errorMessage?: string; // X-Error-Message
}

export interface ErrorContext {
  endpoint: string;
  repoId?: string;
  revision?: string;
  file?: string;
  hasToken: boolean;
  cacheDir?: string;
  /** Repo ids already in the cache, listed when the network is unreachable. */
  cached?: string[];
  /** The caller's AbortSignal fired: whatever was thrown (a custom abort reason included) is a cancellation. */
  aborted?: boolean;
  /** Looks up the headers of a failed response by URL. */
  failedResponse?: (url: string) => FailedResponseInfo | undefined;
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Walks `cause` chains: undici wraps the socket error as `TypeError('fetch failed', { cause })`. */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') codes.push(name);
  }
  return codes;
}

export function cachedListText(cached: string[] | undefined, cacheDir: string | undefined): string {
  const where = cacheDir ? ` in ${cacheDir}` : '';
  if (!cached || cached.length === 0) return `Nothing is downloaded yet${where}.`;
  return `Already downloaded${where}: ${cached.join(', ')}.`;
}

/** Maps any error from a Hub call or a cache write to a HubError with an actionable message. */
export function toHubError(err: unknown, ctx: ErrorContext): HubError {
  if (err instanceof HubError) return err;
  const repo = ctx.repoId ?? 'the repository';
  const base = { repoId: ctx.repoId, revision: ctx.revision, file: ctx.file };
  if (err instanceof UnsafeHubPathError) return new HubError('unsafePath', err.message, base, { cause: err });

  if (err instanceof HubApiError) {
    const seen = ctx.failedResponse?.(err.url);
    const status = err.statusCode;
    const code = seen?.errorCode;
    const repoUrl = `${ctx.endpoint.replace(/\/+$/, '')}/${ctx.repoId ?? ''}`;
    const withStatus = { ...base, status };
    // The body text is a fallback for mirrors that drop X-Error-Code; err.message would also match the URL's "expand=gated".
    const bodyText = String((err.data as { error?: unknown } | undefined)?.error ?? '');
    if (code === 'GatedRepo' || ((status === 401 || status === 403) && /gated|restricted|authorized list/i.test(bodyText))) {
      const signIn = ctx.hasToken
        ? 'You are signed in, but this account has not been granted access yet (approval can take a while for manually reviewed repos).'
        : 'Then sign in: run "Fine-Tune Studio: Sign in to Hugging Face" with an access token of the account that accepted the terms.';
      return new HubError('gated', `${repo} is a gated model: accept the terms at ${repoUrl} (while logged in to the Hub in a browser). ${signIn}`, withStatus, { cause: err });
    }
    if (code === 'RevisionNotFound') {
      return new HubError('revisionNotFound', `Revision "${ctx.revision ?? 'main'}" does not exist in ${repo}. Check the branch, tag or commit at ${repoUrl}/tree/main.`, withStatus, { cause: err });
    }
    if (code === 'EntryNotFound') {
      return new HubError('fileNotFound', `File "${ctx.file ?? '?'}" does not exist in ${repo} at revision "${ctx.revision ?? 'main'}".`, withStatus, { cause: err });
    }
    if (code === 'RepoNotFound' || status === 404) {
      const privateHint = ctx.hasToken ? '' : ' If it is private, sign in to Hugging Face first.';
      return new HubError('repoNotFound', `Model ${repo} was not found on ${ctx.endpoint}. Check the spelling (org/name).${privateHint}`, withStatus, { cause: err });
    }
    if (status === 401 || status === 403) {
      const msg = ctx.hasToken
        ? `The Hub refused the access token for ${repo} (HTTP ${status}). Sign in again with a token that has read access.`
        : `${repo} needs authentication (HTTP ${status}). Sign in to Hugging Face with an access token.`;
      return new HubError('unauthorized', msg, withStatus, { cause: err });
    }
    if (status === 429) return new HubError('server', `The Hub is rate-limiting requests (HTTP 429). Wait a minute and retry${ctx.hasToken ? '' : ', or sign in: signed-in users get higher limits'}.`, withStatus, { cause: err });
    return new HubError('server', `The Hub answered HTTP ${status} for ${repo}: ${err.message}`, withStatus, { cause: err });
  }

  const codes = errorCodes(err);
  if (codes.includes('ENOSPC') || codes.includes('EDQUOT')) {
    return new HubError('diskFull', `The disk holding the Hugging Face cache${ctx.cacheDir ? ` (${ctx.cacheDir})` : ''} is full. Free some space (e.g. delete unused models from the cache) or set "finetuneStudio.cacheFolder" to a larger disk, then download again: the partial file is kept and resumes.`, base, { cause: err });
  }
  if (ctx.aborted || (codes.includes('AbortError') && !codes.includes('TimeoutError'))) {
    return new HubError('aborted', `Download of ${repo} was cancelled. The partial file is kept; downloading again resumes it.`, base, { cause: err });
  }
  const cachedText = cachedListText(ctx.cached, ctx.cacheDir);
  if (codes.some((c) => TIMEOUT_CODES.has(c)) || codes.includes('TimeoutError')) {
    return new HubError('timeout', `The Hub at ${ctx.endpoint} did not answer in time. Check your connection or proxy, or switch on "finetuneStudio.hub.offline" to work with cached models. ${cachedText}`, { ...base, cached: ctx.cached }, { cause: err });
  }
  const dropped = codes.find((c) => c === 'UND_ERR_SOCKET' || c === 'ECONNRESET' || c === 'EPIPE');
  if (dropped || (err instanceof TypeError && err.message === 'terminated')) {
    const during = ctx.file ? ` while downloading ${ctx.file}` : '';
    return new HubError('offline', `The connection to the Hub at ${ctx.endpoint} was interrupted${during} (${dropped ?? 'terminated'}). Check your connection and retry. ${cachedText}`, { ...base, cached: ctx.cached }, { cause: err });
  }
  if (codes.some((c) => NETWORK_CODES.has(c)) || (err instanceof TypeError && /fetch failed/i.test(err.message))) {
    return new HubError('offline', `Cannot reach the Hub at ${ctx.endpoint} (${codes.find((c) => NETWORK_CODES.has(c)) ?? 'network error'}): you seem to be offline or behind a proxy. ${cachedText}`, { ...base, cached: ctx.cached }, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HubError('server', `Hub request for ${repo} failed: ${message}`, base, { cause: err });
}
