// The push's fetch wrapper: LFS bodies reach the network as a counted stream with their length stated (never read
// into memory first, never chunked), API calls time out, uploads do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createUploadFetch } from '../../../src/hub/uploadFetch';

test('a Blob PUT with a progress hint goes out as a stream with Content-Length, its bytes counted per path', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-fetch-'));
  try {
    const file = path.join(dir, 'w.bin');
    fs.writeFileSync(file, Buffer.alloc(300_000, 3));
    const blob = await fs.openAsBlob(file);
    let seen: RequestInit | undefined;
    let received = 0;
    const base = (async (_url: string, init: RequestInit) => {
      seen = init;
      const reader = (init.body as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) received += r.value.byteLength;
      return new Response(null, { status: 200 });
    }) as unknown as typeof fetch;
    const counted = new Map<string, number>();
    const http = createUploadFetch({ fetch: base, apiTimeoutMs: 1000, onBytes: (p, n) => counted.set(p, (counted.get(p) ?? 0) + n) });
    await http.fetch('http://127.0.0.1:1/put', { method: 'PUT', body: blob, progressHint: { path: 'model.safetensors' } } as RequestInit);
    assert.ok(seen?.body instanceof ReadableStream, 'streamed, not buffered');
    assert.equal(new Headers(seen?.headers).get('content-length'), '300000');
    assert.equal((seen as { duplex?: string }).duplex, 'half');
    assert.equal(received, 300_000);
    assert.deepEqual([...counted], [['model.safetensors', 300_000]]);
    assert.ok(!('progressHint' in (seen as object)), 'the library\'s hint is not passed on to fetch');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('API calls get the response timeout; binary bodies wait as long as the server takes; failures keep X-Error-Message', async () => {
  const slow = (async (_url: string, init: RequestInit) => new Promise<Response>((resolve, reject) => {
    const t = setTimeout(() => resolve(new Response('{"error":"nope"}', { status: 403, headers: { 'x-error-message': 'read token' } })), 150);
    init.signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(init.signal?.reason);
    });
  })) as unknown as typeof fetch;
  const binary: number[] = [];
  const http = createUploadFetch({ fetch: slow, apiTimeoutMs: 40, onBinaryBody: (n) => binary.push(n) });
  await assert.rejects(http.fetch('http://127.0.0.1:1/api/x', { method: 'POST', body: '{}' }), (e: unknown) => (e as Error).name === 'TimeoutError');
  const res = await http.fetch('http://127.0.0.1:1/xorb', { method: 'POST', body: new Uint8Array(5000) });
  assert.equal(res.status, 403);
  assert.deepEqual(binary, [5000]);
  assert.equal(http.failedResponse('http://127.0.0.1:1/xorb')?.errorMessage, 'read token');
  // And the push's own signal cancels either kind at once.
  const abort = new AbortController();
  const cancellable = createUploadFetch({ fetch: slow, apiTimeoutMs: 10_000, signal: abort.signal });
  const pending = cancellable.fetch('http://127.0.0.1:1/put', { method: 'PUT', body: new Blob([new Uint8Array(10)]) });
  abort.abort();
  await assert.rejects(pending, (e: unknown) => (e as Error).name === 'AbortError');
});
