// The fetch handed to @huggingface/hub: adds cancellation, a response timeout and an offline guard, and remembers the
// X-Error-Code of failed responses (the library's HubApiError drops headers, but "GatedRepo" vs "RepoNotFound" is
// exactly what the user needs to know).
import { FailedResponseInfo } from './hubErrors';

export interface HubFetchOptions {
  /** Base fetch; the global one by default. */
  fetch?: typeof fetch;
  /** Abort when no response headers arrived within this time. Body reads have their own idle timeout. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** When set, every request fails with this error instead of touching the network. */
  offlineError?: () => Error;
}

export interface HubFetch {
  fetch: typeof fetch;
  failedResponse(url: string): FailedResponseInfo | undefined;
}

const REMEMBERED_FAILURES = 32;

export function createHubFetch(options: HubFetchOptions): HubFetch {
  const base = options.fetch ?? fetch;
  const failures = new Map<string, FailedResponseInfo>();

  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (options.offlineError) throw options.offlineError();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException(`no response within ${options.timeoutMs} ms`, 'TimeoutError')), options.timeoutMs);
    const signals = [timeout.signal, options.signal, init?.signal].filter((s): s is AbortSignal => !!s);
    try {
      const response = await base(input, { ...init, signal: AbortSignal.any(signals) });
      if (!response.ok) {
        failures.set(response.url || String(input), {
          status: response.status,
          errorCode: response.headers.get('x-error-code') ?? undefined,
          errorMessage: response.headers.get('x-error-message') ?? undefined,
        });
        if (failures.size > REMEMBERED_FAILURES) failures.delete(failures.keys().next().value as string);
      }
      return response;
    } catch (err) {
      // Surface the timeout as itself rather than as a generic abort, so the message can say "did not answer in time".
      if (timeout.signal.aborted && !options.signal?.aborted) throw timeout.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  return { fetch: wrapped as typeof fetch, failedResponse: (url) => failures.get(url) };
}
