// The fetch handed to @huggingface/hub's commit for a push: counts the bytes of every LFS body as it streams from disk
// (Node has no XMLHttpRequest upload events, the library's own progress path), keeps API calls under a response
// timeout but never a multi-minute PUT, ties every request to the push's AbortSignal, and remembers the X-Error-Code /
// X-Error-Message of failed answers (HubApiError keeps no headers).
import type { FailedResponseInfo } from './hubErrors';

export interface UploadFetchOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Time allowed for an API call (whoami, create, preupload, batch, commit) to start answering. */
  apiTimeoutMs: number;
  /** Bytes of an upload body handed to the socket, per repo path (the library names it in `progressHint.path`). */
  onBytes?: (path: string, bytes: number) => void;
  /** Bytes of other binary bodies (xet xorbs and shards), sent without a path. */
  onBinaryBody?: (bytes: number) => void;
}

export interface UploadFetch {
  fetch: typeof fetch;
  failedResponse(url: string): FailedResponseInfo | undefined;
  /** Every failure seen, newest last (the library rethrows the first one; the cause is often an earlier answer). */
  failures(): (FailedResponseInfo & { url: string })[];
}

interface ProgressHint {
  path?: string;
}

/** A Blob body as a counted stream: same bytes, read lazily (a FileBlob reads the file as the socket drains). */
function countedBody(blob: Blob, onChunk: (n: number) => void): ReadableStream<Uint8Array> {
  return blob.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      onChunk(chunk.byteLength);
      controller.enqueue(chunk);
    },
  }));
}

export function createUploadFetch(options: UploadFetchOptions): UploadFetch {
  const base = options.fetch ?? fetch;
  const failures: (FailedResponseInfo & { url: string })[] = [];

  const wrapped = async (input: string | URL | Request, init?: RequestInit & { progressHint?: ProgressHint }): Promise<Response> => {
    options.signal?.throwIfAborted();
    const hint = init?.progressHint;
    const body = init?.body;
    // Only JSON / ndjson API calls (string or no body) get a response timeout: the Hub answers a binary body (an LFS
    // PUT, a 64 MB xet xorb) only once all of it has arrived, which takes minutes on a slow uplink.
    const isUpload = body !== undefined && body !== null && typeof body !== 'string';
    const signals = [options.signal, init?.signal ?? undefined].filter((s): s is AbortSignal => !!s);
    const timeout = new AbortController();
    const timer = isUpload ? undefined : setTimeout(() => timeout.abort(new DOMException(`no response within ${options.apiTimeoutMs} ms`, 'TimeoutError')), options.apiTimeoutMs);
    if (!isUpload) signals.push(timeout.signal);
    let request: RequestInit = { ...init, signal: AbortSignal.any(signals) };
    delete (request as { progressHint?: unknown }).progressHint;
    if (isUpload && !(body instanceof Blob && hint?.path !== undefined)) {
      const size = body instanceof Blob ? body.size : ArrayBuffer.isView(body) || body instanceof ArrayBuffer ? body.byteLength : 0;
      if (size) options.onBinaryBody?.(size);
    }
    if (isUpload && body instanceof Blob && hint?.path !== undefined && options.onBytes) {
      const blob = body;
      const path = hint.path;
      const headers = new Headers(init?.headers);
      // S3 refuses chunked PUTs: a stream body keeps its length only when we state it.
      headers.set('content-length', String(blob.size));
      request = { ...request, headers, body: countedBody(blob, (n) => options.onBytes?.(path, n)), duplex: 'half' } as RequestInit;
    }
    try {
      const response = await base(input, request);
      if (!response.ok) {
        failures.push({
          url: response.url || String(input),
          status: response.status,
          errorCode: response.headers.get('x-error-code') ?? undefined,
          errorMessage: response.headers.get('x-error-message') ?? undefined,
        });
        if (failures.length > 32) failures.shift();
      }
      return response;
    } catch (err) {
      if (timeout.signal.aborted && !options.signal?.aborted) throw timeout.signal.reason;
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  return {
    fetch: wrapped as typeof fetch,
    failedResponse: (url) => [...failures].reverse().find((f) => f.url === url),
    failures: () => [...failures],
  };
}
