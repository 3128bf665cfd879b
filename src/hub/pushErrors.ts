// Why a push failed, as one error type whose message says what to do next. The phase matters as much as the status:
// 409 on create is a taken name, 409 on commit is someone else's push landing first; 403 on create is a namespace the
// account may not write, 403 on the LFS batch with "storage" is a full quota.
import { HubApiError } from '@huggingface/hub';

export type PushErrorKind =
  | 'invalidName' // checked before any request
  | 'noModel' // the folder to push is missing or empty
  | 'unauthorized' // 401: token invalid, expired or revoked
  | 'readOnlyToken' // the token's role is "read"
  | 'forbidden' // 403: no write access to the namespace or the repo
  | 'nameTaken' // 409 on create, while the repo stays invisible to this token
  | 'stale' // 409 on commit: another commit landed since we read the head
  | 'quota' // storage quota / payload too large
  | 'interrupted' // network cut mid-upload
  | 'offline' // the Hub cannot be reached at all (DNS, refused, no route)
  | 'timeout'
  | 'aborted'
  | 'server';

export type PushPhase = 'whoami' | 'lookup' | 'create' | 'upload' | 'commit';

export class PushError extends Error {
  constructor(
    readonly kind: PushErrorKind,
    message: string,
    readonly details: { repoId?: string; status?: number; phase?: PushPhase } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PushError';
  }
}

export interface PushErrorContext {
  repoId: string;
  endpoint: string;
  phase: PushPhase;
  aborted: boolean;
  /** The Hub's own words (X-Error-Message or the JSON "error"), when it gave any. */
  hubMessage?: string;
}

export const RESUME_HINT = 'Push again: files already uploaded are not sent again.';
const SIGN_IN = 'Sign in again with a token that has the "write" role (huggingface.co/settings/tokens); the CLI reads HF_TOKEN.';

function codes(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
    const name = (e as { name?: unknown }).name;
    if (typeof name === 'string') out.push(name);
  }
  return out;
}

/** Strips the library's ". URL: …" trailer so the Hub's sentence can be quoted. */
function hubWords(err: HubApiError, ctx: PushErrorContext): string {
  const fromBody = (err.data as { error?: unknown } | undefined)?.error;
  const text = ctx.hubMessage ?? (typeof fromBody === 'string' ? fromBody : err.message.replace(/\. URL: .*$/s, ''));
  return text.trim().replace(/\.$/, '');
}

export function toPushError(err: unknown, ctx: PushErrorContext): PushError {
  if (err instanceof PushError) return err;
  const repo = ctx.repoId;
  const at = { repoId: repo, phase: ctx.phase };
  const nothingCommitted = `Nothing was committed to ${repo}.`;
  const found = codes(err);
  if (ctx.aborted || (found.includes('AbortError') && !found.includes('TimeoutError'))) {
    return new PushError('aborted', `Push to ${repo} cancelled. ${nothingCommitted} Files already uploaded are not sent again next time.`, at, { cause: err });
  }
  if (err instanceof HubApiError) {
    const status = err.statusCode;
    const words = hubWords(err, ctx);
    const withStatus = { ...at, status };
    if (status === 401) {
      return new PushError('unauthorized', `The Hub refused the access token (HTTP 401: ${words}): it is invalid, expired or revoked. ${SIGN_IN}`, withStatus, { cause: err });
    }
    if (status === 413 || status === 507 || /quota|storage limit|exceeded/i.test(words)) {
      return new PushError('quota', `The Hub refused the upload to ${repo} for lack of storage (HTTP ${status}: ${words}). Free up space on the Hub or upgrade the account, or push a smaller part (e.g. the LoRA adapter). ${RESUME_HINT}`, withStatus, { cause: err });
    }
    if (status === 403) {
      const ns = repo.split('/')[0];
      const what = ctx.phase === 'create' ? `create a model under "${ns}"` : `write to ${repo}`;
      return new PushError('forbidden', `This token may not ${what} (HTTP 403: ${words}). Use a token with write access to "${ns}" (for an org: be a member with write rights), or push under your own name.`, withStatus, { cause: err });
    }
    if (status === 409 && ctx.phase === 'commit') {
      return new PushError('stale', `Someone pushed to ${repo} meanwhile (HTTP 409: ${words}). ${nothingCommitted} ${RESUME_HINT}`, withStatus, { cause: err });
    }
    if (status === 409) {
      return new PushError('nameTaken', `A model repo named ${repo} already exists, and this token cannot see it: it belongs to someone else, or the token is limited to other repos (HTTP 409: ${words}). Choose another name, or sign in with a token that has access to ${repo}.`, withStatus, { cause: err });
    }
    if (status === 404) {
      return new PushError('forbidden', `${repo} was not found on ${ctx.endpoint} (HTTP 404: ${words}), or this token cannot see it. Check the name, or use a token with access to it.`, withStatus, { cause: err });
    }
    if (status === 429) return new PushError('server', `The Hub is rate-limiting requests (HTTP 429). Wait a minute, then push again: files already uploaded are not sent again.`, withStatus, { cause: err });
    return new PushError('server', `The Hub answered HTTP ${status} while pushing to ${repo} (${ctx.phase}): ${words}. ${RESUME_HINT}`, withStatus, { cause: err });
  }
  if (found.includes('TimeoutError') || found.some((c) => c.startsWith('UND_ERR_') && c.includes('TIMEOUT')) || found.includes('ETIMEDOUT')) {
    return new PushError('timeout', `The Hub at ${ctx.endpoint} did not answer in time while pushing to ${repo}. Check your connection or proxy. ${RESUME_HINT}`, at, { cause: err });
  }
  const unreachable = found.find((c) => ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(c));
  if (unreachable) {
    return new PushError('offline', `Cannot reach the Hub at ${ctx.endpoint} (${unreachable}): check your connection, proxy or the "finetuneStudio.hub.endpoint" setting (HF_ENDPOINT for the CLI). ${nothingCommitted}`, at, { cause: err });
  }
  const net = found.find((c) => ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(c));
  if (net || (err instanceof TypeError && /fetch failed|terminated/i.test(err.message))) {
    const during = ctx.phase === 'upload' ? ' during the upload' : '';
    return new PushError('interrupted', `The connection to the Hub at ${ctx.endpoint} was cut${during} (${net ?? 'network error'}). ${nothingCommitted} ${RESUME_HINT}`, at, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PushError('server', `Push to ${repo} failed (${ctx.phase}): ${message}`, at, { cause: err });
}
